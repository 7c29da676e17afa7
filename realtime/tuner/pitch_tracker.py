"""Pitch tracking for the tuner and the tuner metric: YIN (de Cheveigne & Kawahara, 2002), E1 to C7.

Each analysis frame holds ``window_samples + max_lag`` samples. The difference function compares
the first ``window_samples`` with themselves shifted by every lag up to ``max_lag`` (the period of
``min_hz``); it is computed through one FFT correlation and running energies (O(n log n); the direct
sum, window x lags, cost ten times more at E1's lags). It is normalized by its cumulative mean, the
first dip below ``threshold`` is taken (walked down to its local minimum; a much deeper dip at twice
or three times its lag wins, against octave-up errors on low strings whose fundamental is weak:
``octave_ratio``, 0 turns it off), and the period is refined by a parabola through the raw
difference function around it. A frame is voiced when that dip is below ``threshold`` and the frame
is louder than ``min_rms_db``; ``confidence = 1 - normalized difference`` at the chosen lag.

Why this tracker: measured against aubio's YIN and YIN-FFT on clean plucked notes E1..C7
(docs/benchmarks.md), its per-note median error is at most 0.70 cent (aubio's YIN 0.77; YIN-FFT
reads some notes an octave off), and it installs with the project (aubio builds from source with a
C compiler).

``PitchTracker.push(hop)`` is the streaming form; ``track_pitch`` runs the same per-frame analysis
over a whole signal, frame ``k`` ending after hop ``k``, so the two agree exactly. The tracker
allocates per frame (FFT buffers): it runs beside the audio, never in the callback.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.fft
from numba import njit

from livedenoise.models.stft_geometry import SAMPLE_RATE

MIN_HZ = 38.0  # E1 (41.2 Hz, a bass's low string) with a semitone's margin
MAX_HZ = 2200.0  # C7 (2093 Hz) with a semitone's margin
WINDOW_SAMPLES = 1024  # integration window: 2 periods at E2 (82 Hz), 0.9 at E1
HOP_SAMPLES = 480  # 10 ms
THRESHOLD = 0.15
MIN_RMS_DB = -70.0
OCTAVE_RATIO = 0.25  # a dip at a multiple of the lag this much deeper (relatively; 0: no check) ...
OCTAVE_MARGIN = 0.02  # ... and by this much (absolutely) is the true period


def _difference_into(frame, window_samples, fft_samples, diff):
    """YIN's difference function of ``frame`` ``(window_samples + max_lag,)`` into ``diff`` ``(max_lag + 1,)``:
    ``diff[tau] = sum_{j < window} (x[j] - x[j + tau])^2 = e[0] + e[tau] - 2 r[tau]``, with ``e[tau]`` the
    energy of the window starting at ``tau`` (running sums) and ``r`` the correlation of the first window
    with the frame (one FFT product: O(n log n), where the direct sum costs window x lags). Returns
    the first window's energy."""
    n_lags = diff.size
    head = np.fft.rfft(frame[:window_samples], fft_samples)
    whole = np.fft.rfft(frame, fft_samples)
    correlation = np.fft.irfft(np.conj(head) * whole, fft_samples)[:n_lags]
    running = np.concatenate(([0.0], np.cumsum(frame * frame)))
    energy = running[window_samples : window_samples + n_lags] - running[:n_lags]
    np.maximum(energy[0] + energy - 2.0 * correlation, 0.0, out=diff)  # rounding can dip below zero
    diff[0] = 0.0
    return float(energy[0])


@njit(cache=True, nogil=True)
def _pick_period(diff, power, window_samples, min_lag, max_lag, threshold, min_power, sample_rate, octave_ratio, norm):
    """Pitch from the difference function ``diff`` ``(max_lag + 1,)`` of a frame whose first window
    has energy ``power``; ``norm`` ``(max_lag + 1,)`` is a work buffer. Returns ``(hz, confidence)``,
    ``hz`` NaN when unvoiced."""
    norm[0] = 1.0
    running = 0.0
    for tau in range(1, max_lag + 1):
        running += diff[tau]
        norm[tau] = diff[tau] * tau / running if running > 0.0 else 1.0
    if power <= min_power * window_samples or running <= 0.0:
        return math.nan, 0.0

    best = -1
    tau = min_lag
    while tau < max_lag:
        if norm[tau] < threshold:
            while tau + 1 < max_lag and norm[tau + 1] < norm[tau]:
                tau += 1
            best = tau
            break
        tau += 1
    if best < 0:
        # No dip below the threshold: report the deepest one's confidence, unvoiced.
        deepest = min_lag
        for tau in range(min_lag, max_lag):
            if norm[tau] < norm[deepest]:
                deepest = tau
        return math.nan, max(0.0, 1.0 - norm[deepest])

    # Octave check: a low string's fundamental (and odd partials) can decay until the dip at half the
    # period passes the threshold; a much deeper dip at twice (three times) the lag is the real period.
    for multiple in range(2, 4):
        centre = multiple * best
        if centre + multiple >= max_lag:
            break
        deeper = centre - multiple
        for tau in range(centre - multiple, centre + multiple + 1):
            if norm[tau] < norm[deeper]:
                deeper = tau
        if norm[deeper] < octave_ratio * norm[best] and norm[best] - norm[deeper] > OCTAVE_MARGIN:
            best = deeper
            break

    a = diff[best - 1]
    b = diff[best]
    c = diff[best + 1]
    curvature = a - 2.0 * b + c
    shift = 0.5 * (a - c) / curvature if curvature > 0.0 else 0.0
    if shift > 0.5 or shift < -0.5:
        shift = 0.0
    return sample_rate / (best + shift), max(0.0, 1.0 - norm[best])


@njit(cache=True, nogil=True)
def _shift_in(frame, hop):
    """Move ``frame`` left by ``len(hop)`` and append ``hop`` (``len(hop) <= len(frame)``)."""
    n_keep = frame.size - hop.size
    for i in range(n_keep):
        frame[i] = frame[i + hop.size]
    for i in range(hop.size):
        frame[n_keep + i] = hop[i]


class PitchTracker:
    """Streaming YIN on mono audio at ``sample_rate``.

    ``push(hop)`` takes ``(n,)`` samples (``n <= frame_samples``; normally ``hop_samples``), analyses
    the most recent ``frame_samples`` and returns ``(hz, confidence)``; ``hz`` is NaN when unvoiced.
    """

    def __init__(
        self,
        sample_rate: int = SAMPLE_RATE,
        hop_samples: int = HOP_SAMPLES,
        min_hz: float = MIN_HZ,
        max_hz: float = MAX_HZ,
        window_samples: int = WINDOW_SAMPLES,
        threshold: float = THRESHOLD,
        min_rms_db: float = MIN_RMS_DB,
        octave_ratio: float = OCTAVE_RATIO,
    ) -> None:
        if not 0.0 < min_hz < max_hz < sample_rate / 4:
            raise ValueError(f"need 0 < min_hz < max_hz < sample_rate / 4, got {min_hz}, {max_hz}")
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"threshold must be in (0, 1), got {threshold}")
        self.sample_rate = int(sample_rate)
        self.hop_samples = int(hop_samples)
        self.window_samples = int(window_samples)
        self.min_lag = max(2, int(math.floor(sample_rate / max_hz)))
        self.max_lag = int(math.ceil(sample_rate / min_hz)) + 1  # +1: room for the parabola
        self.frame_samples = self.window_samples + self.max_lag
        if not 0 < self.hop_samples <= self.frame_samples:
            raise ValueError(f"hop_samples must be in 1..{self.frame_samples}, got {hop_samples}")
        self.threshold = float(threshold)
        self.octave_ratio = float(octave_ratio)
        self.min_power = 10.0 ** (min_rms_db / 10.0)
        self._frame = np.zeros(self.frame_samples)
        self._hop = np.zeros(self.frame_samples)
        self._diff = np.zeros(self.max_lag + 1)
        self._norm = np.zeros(self.max_lag + 1)
        self._fft_samples = scipy.fft.next_fast_len(self.frame_samples, real=True)
        self._analyse(self._frame)  # compiled now (or loaded from numba's cache), not at the first push
        self.hz = math.nan
        self.confidence = 0.0

    def reset(self) -> None:
        self._frame[:] = 0.0
        self.hz = math.nan
        self.confidence = 0.0

    def push(self, hop: np.ndarray) -> tuple[float, float]:
        """Append ``(n,)`` samples and return the latest ``(hz, confidence)``."""
        n = hop.shape[0]
        if n > self.frame_samples:
            raise ValueError(f"push at most {self.frame_samples} samples at a time, got {n}")
        staged = self._hop[:n]
        staged[:] = hop  # float64 copy without allocating
        _shift_in(self._frame, staged)
        self.hz, self.confidence = self._analyse(self._frame)
        return self.hz, self.confidence

    def _analyse(self, frame: np.ndarray) -> tuple[float, float]:
        """``(hz, confidence)`` of one frame ``(frame_samples,)``: the one path for streaming and whole signals."""
        power = _difference_into(frame, self.window_samples, self._fft_samples, self._diff)
        return _pick_period(
            self._diff,
            power,
            self.window_samples,
            self.min_lag,
            self.max_lag,
            self.threshold,
            self.min_power,
            float(self.sample_rate),
            self.octave_ratio,
            self._norm,
        )

    def frame_times_s(self, n_frames: int) -> np.ndarray:
        """Centre of frame ``k`` (the frame after hop ``k``), in seconds. Shape ``(n_frames,)``."""
        ends = (np.arange(n_frames) + 1) * self.hop_samples
        return (ends - self.frame_samples / 2) / self.sample_rate

    def track(self, audio: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Whole-signal tracking from a reset state; same frames as pushing ``hop_samples`` at a time.

        ``audio`` ``(samples,)`` -> ``(times_s, hz, confidence)``, each ``(samples // hop_samples,)``.
        """
        audio = np.asarray(audio, dtype=np.float64)
        if audio.ndim != 1:
            raise ValueError(f"expected mono audio of shape (samples,), got {audio.shape}")
        n_frames = audio.size // self.hop_samples
        padded = np.concatenate([np.zeros(self.frame_samples), audio])  # the reset frame's zeros
        hz = np.empty(n_frames)
        confidence = np.empty(n_frames)
        for k in range(n_frames):
            start = (k + 1) * self.hop_samples
            hz[k], confidence[k] = self._analyse(padded[start : start + self.frame_samples])
        return self.frame_times_s(n_frames), hz, confidence


def track_pitch(
    audio: np.ndarray, sample_rate: int = SAMPLE_RATE, **options
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pitch of mono ``audio`` ``(samples,)`` -> ``(times_s, hz, confidence)``, each ``(frames,)``.

    ``hz`` is NaN where unvoiced; ``options`` are ``PitchTracker``'s.
    """
    return PitchTracker(sample_rate, **options).track(audio)


def cents_off(hz, reference_hz):
    """How far ``hz`` is from ``reference_hz`` in cents (positive: sharp). Arrays broadcast."""
    return 1200.0 * np.log2(np.asarray(hz, dtype=np.float64) / np.asarray(reference_hz, dtype=np.float64))
