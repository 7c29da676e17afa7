"""Quality metrics for the dev set, in numpy. Signals are ``(samples,)`` float arrays (or any shape,
taken as one signal), estimate and reference aligned sample for sample.

- ``si_sdr``: scale-invariant signal-to-distortion ratio (Le Roux et al., 2019), means removed.
- ``log_spectral_distance``: per STFT frame, the RMS over frequencies of the difference of the
  log power spectra (in dB), averaged over frames; frames of 1024 samples at 48 kHz; both spectra
  floored 80 dB under the reference's loudest bin.
- ``noise_attenuation_db``: how much quieter the model made noise fed in alone.
- ``transparency_db``: SI-SDR of the output against the input, for clean-music input.
- ``tuner_hit_rate``: share of analysis frames inside labelled notes (attacks skipped) that the
  pitch tracker places within +-5 cents of the label. A frame the tracker calls unvoiced is a miss:
  a tuner that shows nothing does not help.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from livedenoise.realtime.tuner.pitch_tracker import PitchTracker, cents_off

EPS = 1e-12
LSD_FRAME_S = 1024 / 48000  # the definition's 1024-sample frames, at our rate; half-frame hop
# Both spectrograms are floored 80 dB under the reference's loudest bin: bands a recording never had
# (above an encoder's low-pass, above 22.05 kHz in resampled CD audio) would otherwise dominate.
LSD_DYNAMIC_RANGE_DB = 80.0
TUNER_TOLERANCE_CENTS = 5.0
TUNER_ATTACK_S = 0.1  # pitch is not settled during the pluck


def _pair(estimate: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    estimate = np.asarray(estimate, dtype=np.float64).ravel()
    reference = np.asarray(reference, dtype=np.float64).ravel()
    if estimate.shape != reference.shape:
        raise ValueError(f"estimate and reference differ in length: {estimate.size} vs {reference.size}")
    return estimate, reference


def si_sdr(estimate: np.ndarray, reference: np.ndarray) -> float:
    """Scale-invariant SDR in dB of ``estimate`` against ``reference`` (same shape)."""
    estimate, reference = _pair(estimate, reference)
    estimate = estimate - estimate.mean()
    reference = reference - reference.mean()
    scale = np.dot(estimate, reference) / (np.dot(reference, reference) + EPS)
    target = scale * reference
    distortion = estimate - target
    return float(10.0 * np.log10((np.dot(target, target) + EPS) / (np.dot(distortion, distortion) + EPS)))


def si_sdr_improvement(estimate: np.ndarray, noisy: np.ndarray, reference: np.ndarray) -> float:
    """SI-SDR of the model output minus SI-SDR of its input, in dB."""
    return si_sdr(estimate, reference) - si_sdr(noisy, reference)


def transparency_db(output: np.ndarray, clean_input: np.ndarray) -> float:
    """SI-SDR of the output against a clean-music input: how little the model changed music."""
    return si_sdr(output, clean_input)


def _log_power_db(audio: np.ndarray, frame_samples: int, hop_samples: int) -> np.ndarray:
    """``(samples,)`` -> log power spectrogram in dB ``(freqs, frames)``, Hann window.

    Floored only to keep the log finite."""
    if audio.size < frame_samples:
        audio = np.pad(audio, (0, frame_samples - audio.size))
    n_frames = 1 + (audio.size - frame_samples) // hop_samples
    index = np.arange(frame_samples)[:, None] + hop_samples * np.arange(n_frames)[None, :]
    spectrum = np.fft.rfft(audio[index] * np.hanning(frame_samples)[:, None], axis=0)
    return 10.0 * np.log10(np.maximum(np.abs(spectrum) ** 2, 1e-30))


def log_spectral_distance(estimate: np.ndarray, reference: np.ndarray, sample_rate: int = 48000) -> float:
    """Log-spectral distance in dB: mean over frames of the RMS over bins of the log-power difference."""
    estimate, reference = _pair(estimate, reference)
    frame_samples = int(round(LSD_FRAME_S * sample_rate))
    hop_samples = frame_samples // 2
    reference_db = _log_power_db(reference, frame_samples, hop_samples)
    floor_db = reference_db.max() - LSD_DYNAMIC_RANGE_DB
    estimate_db = np.maximum(_log_power_db(estimate, frame_samples, hop_samples), floor_db)
    difference = estimate_db - np.maximum(reference_db, floor_db)
    return float(np.mean(np.sqrt(np.mean(difference**2, axis=0))))


def noise_attenuation_db(output_of_noise_alone: np.ndarray, noise: np.ndarray) -> float:
    """Energy removed from noise fed in alone, in dB (positive: quieter)."""
    output, noise = _pair(output_of_noise_alone, noise)
    return float(10.0 * np.log10((np.dot(noise, noise) + EPS) / (np.dot(output, output) + EPS)))


@dataclass(frozen=True)
class TunerScore:
    """Frame counts behind a tuner hit rate: frames inside notes, voiced ones, and hits."""

    n_frames: int
    n_voiced: int
    n_hits: int

    @property
    def hit_rate(self) -> float:
        return self.n_hits / self.n_frames if self.n_frames else float("nan")

    @property
    def voiced_rate(self) -> float:
        return self.n_voiced / self.n_frames if self.n_frames else float("nan")


def tuner_score(
    audio: np.ndarray,
    notes: Sequence[Mapping[str, Any]],
    sample_rate: int = 48000,
    tolerance_cents: float = TUNER_TOLERANCE_CENTS,
    attack_s: float = TUNER_ATTACK_S,
) -> TunerScore:
    """Track ``audio`` ``(samples,)`` and count frames whose whole analysis frame lies inside a note,
    ``attack_s`` after its onset or later. ``notes``: dicts with ``onset_s``, ``offset_s``, ``hz``."""
    tracker = PitchTracker(sample_rate)
    times_s, hz, _ = tracker.track(np.asarray(audio, dtype=np.float64).ravel())
    half_s = tracker.frame_samples / 2 / sample_rate
    n_frames = n_voiced = n_hits = 0
    for note in notes:
        inside = (times_s - half_s >= note["onset_s"] + attack_s) & (times_s + half_s <= note["offset_s"])
        tracked = hz[inside]
        voiced = np.isfinite(tracked)
        n_frames += int(inside.sum())
        n_voiced += int(voiced.sum())
        n_hits += int(np.sum(np.abs(cents_off(tracked[voiced], note["hz"])) <= tolerance_cents))
    return TunerScore(n_frames, n_voiced, n_hits)


def tuner_hit_rate(audio: np.ndarray, notes: Sequence[Mapping[str, Any]], sample_rate: int = 48000) -> float:
    """Share of in-note frames tracked within +-5 cents of the label (NaN when no frame fits a note)."""
    return tuner_score(audio, notes, sample_rate).hit_rate
