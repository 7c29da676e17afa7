"""Tuner: what a tuner shows, read from a mono stream: note, cents, Hz, confidence, and whether it is stable.

Pitch comes from ``PitchTracker`` (``realtime/tuner/pitch_tracker.py``): YIN, E1 (41.2 Hz) to C7 (2093 Hz), with
an in-frame octave check. It was chosen by measurement over aubio's YIN and YIN-FFT (buffer 4096, the
smallest that reaches E1) on plucked notes made with Karplus-Strong and additive strings, E1 to C7,
detuned by up to 30 cents (``tests/realtime/tuner_figures.py``): per-note median errors of 0.01
cents (median over notes; worst note 0.70, at E1) for ours, 0.05 (worst 0.77) for aubio's YIN, and
0.43 for YIN-FFT, which also reads some notes an octave or more off. On raw noisy notes YIN-FFT
hits more frames than ours (its spectral weighting helps in noise); the tuner listens to the
denoised signal, where ours hits more than either does on the raw input. aubio would also need a C
compiler to install, so it is not used.

On top of the raw readings, what a musician needs from the display:
- an octave guard over time: while a note is shown, a reading one octave off it (a low string whose
  fundamental has died away, a frame the in-frame check missed) is folded back into the shown octave
  unless it persists for ``OCTAVE_CONFIRM_S``, which a real change of octave does;
- hysteresis: the shown note changes only when the pitch is more than ``50 + HYSTERESIS_CENTS``
  cents from it for ``CONFIRM_STEPS`` readings in a row, so a string tuned a quarter-tone off does
  not flicker between two names;
- smoothed cents: the median of the last ``MEDIAN_STEPS`` readings (no outliers), then an exponential
  average over ``SMOOTHING_S``;
- ``stable``, with hysteresis: it sets when the shown (smoothed) cents of the last ``STABLE_STEPS``
  readings lie within ``STABLE_SPREAD_CENTS``, and clears only when they move more than
  ``STABLE_RELEASE_CENTS`` from where they settled (the peg is being turned), when the note changes,
  or after more than ``STABLE_GRACE_STEPS`` readings in a row off the note (a frame or two lost to
  noise does not blink the display);
- a hold: after the sound stops the last note stays ``HOLD_S``, then the display clears.

One reading per ``hop_samples`` (10 ms by default), voiced or not, numbered from 0; ``time_s`` is
the end of the audio it has seen, in seconds since the stream began. ``push`` and ``feed`` take any
amount of audio; ``tune_signal`` reads a whole signal.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import asdict, dataclass

import numpy as np

from livedenoise.models.stft_geometry import SAMPLE_RATE
from livedenoise.realtime.tuner.notes import A4_HZ, check_reference_hz, hz_to_midi, midi_to_hz, midi_to_name
from livedenoise.realtime.tuner.pitch_tracker import HOP_SAMPLES, PitchTracker

HYSTERESIS_CENTS = 15.0
CONFIRM_STEPS = 3  # readings in a row on a new note before it is shown
OCTAVE_CONFIRM_S = 0.2
MEDIAN_STEPS = 5
SMOOTHING_S = 0.06
STABLE_STEPS = 12  # 120 ms: a needle that drifts (a peg being turned) is not yet stable
STABLE_SPREAD_CENTS = 3.0
STABLE_RELEASE_CENTS = 8.0
STABLE_GRACE_STEPS = 5  # 50 ms of readings off the note (unvoiced, or another note not yet confirmed)
HOLD_S = 0.3
IN_TUNE_CENTS = 5.0
OCTAVE_TOLERANCE_CENTS = 40.0  # how close to an octave of the shown note a reading must be to be folded


@dataclass(frozen=True)
class TunerReading:
    """One tuner reading. ``hz`` (NaN: no pitch in this step) and ``confidence`` are the tracker's;
    ``note`` (its MIDI number ``midi``) and ``cents`` are what the display shows (``note`` None:
    nothing; during the hold the last note with ``hz`` NaN); ``cents`` is smoothed, positive when
    sharp of ``note`` at ``reference_hz``; ``shown_hz`` is the frequency they add up to."""

    index: int
    time_s: float
    hz: float
    confidence: float
    note: str | None
    midi: int | None
    cents: float
    stable: bool
    reference_hz: float

    @property
    def voiced(self) -> bool:
        return math.isfinite(self.hz)

    @property
    def shown_hz(self) -> float:
        """The smoothed pitch on show, folded into the shown octave (NaN when no note is shown)."""
        return math.nan if self.midi is None else midi_to_hz(self.midi + self.cents / 100.0, self.reference_hz)

    @property
    def in_tune(self) -> bool:
        return self.stable and abs(self.cents) <= IN_TUNE_CENTS

    def to_dict(self) -> dict:
        """JSON-ready: NaN becomes None."""
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in asdict(self).items()}


class Tuner:
    """Streaming tuner on mono ``sample_rate`` audio; ``tracker_options`` go to ``PitchTracker``."""

    def __init__(
        self,
        sample_rate: int = SAMPLE_RATE,
        hop_samples: int = HOP_SAMPLES,
        reference_hz: float = A4_HZ,
        **tracker_options,
    ) -> None:
        self.tracker = PitchTracker(sample_rate, hop_samples=hop_samples, **tracker_options)
        self.sample_rate = int(sample_rate)
        self.hop_samples = int(hop_samples)
        self._reference_hz = check_reference_hz(reference_hz)
        self._staged = np.zeros(self.hop_samples, dtype=np.float64)
        self._octave_confirm_steps = max(1, round(OCTAVE_CONFIRM_S * sample_rate / hop_samples))
        self._hold_steps = max(1, round(HOLD_S * sample_rate / hop_samples))
        self._alpha = min(1.0, hop_samples / (SMOOTHING_S * sample_rate))
        self.reset()

    @property
    def reference_hz(self) -> float:
        return self._reference_hz

    @reference_hz.setter
    def reference_hz(self, value: float) -> None:
        self._reference_hz = check_reference_hz(value)
        self._clear_note()  # the names and cents of everything shown change

    @property
    def latency_s(self) -> float:
        """From a sample's arrival to the first reading whose frame is centred on it."""
        return self.tracker.frame_samples / 2 / self.sample_rate

    def reset(self) -> None:
        """Back to the start of a stream: no audio seen, nothing shown, reading index 0."""
        self.tracker.reset()
        self._n_staged = 0
        self._n_samples = 0
        self._index = 0
        self._clear_note()

    def skip(self, n_samples: int) -> None:
        """``n_samples`` of the stream were lost: time moves on, the analysis starts afresh."""
        self.tracker.reset()
        self._n_staged = 0
        self._n_samples += int(n_samples)
        self._clear_note()

    def _clear_note(self) -> None:
        self._midi: int | None = None  # the shown note
        self._cents = math.nan
        self._recent: deque[float] = deque(maxlen=max(MEDIAN_STEPS, STABLE_STEPS))  # raw cents off the shown note
        self._shown: deque[float] = deque(maxlen=STABLE_STEPS)  # the smoothed cents shown, for ``stable``
        self._stable = False
        self._settled_cents = math.nan  # where the shown cents were when ``stable`` set
        self._n_off_note = 0
        self._candidate: int | None = None
        self._n_candidate = 0
        self._n_octave = 0
        self._n_unvoiced = 0

    def push(self, samples: np.ndarray) -> TunerReading | None:
        """Feed mono ``(samples,)``; the newest reading completed on the way, None if none was."""
        readings = self.feed(samples)
        return readings[-1] if readings else None

    def feed(self, samples: np.ndarray) -> list[TunerReading]:
        """Feed mono ``(samples,)``; every reading completed on the way, in order."""
        samples = np.asarray(samples)
        if samples.ndim != 1:
            raise ValueError(f"expected mono audio of shape (samples,), got {samples.shape}")
        readings = []
        start = 0
        while start < samples.size:
            n = min(self.hop_samples - self._n_staged, samples.size - start)
            self._staged[self._n_staged : self._n_staged + n] = samples[start : start + n]
            self._n_staged += n
            start += n
            if self._n_staged == self.hop_samples:
                self._n_staged = 0
                self._n_samples += self.hop_samples
                hz, confidence = self.tracker.push(self._staged)
                readings.append(self._step(hz, confidence))
        return readings

    def _step(self, hz: float, confidence: float) -> TunerReading:
        on_note = False
        if math.isfinite(hz):
            self._n_unvoiced = 0
            on_note = self._follow(hz_to_midi(hz, self._reference_hz))
        else:
            self._n_unvoiced += 1
            self._n_candidate = 0
            if self._n_unvoiced > self._hold_steps:
                self._clear_note()
        stable = self._update_stable(on_note)
        reading = TunerReading(
            index=self._index,
            time_s=self._n_samples / self.sample_rate,
            hz=float(hz),
            confidence=float(confidence),
            note=None if self._midi is None else midi_to_name(self._midi),
            midi=self._midi,
            cents=self._cents,
            stable=bool(stable),
            reference_hz=self._reference_hz,
        )
        self._index += 1
        return reading

    def _update_stable(self, on_note: bool) -> bool:
        """``stable`` with hysteresis: set at a tight spread of the shown cents, cleared at a wide one."""
        if not on_note:
            self._n_off_note += 1
            if self._n_off_note > STABLE_GRACE_STEPS:
                self._stable = False
            return self._stable
        self._n_off_note = 0
        if self._stable:
            self._stable = abs(self._cents - self._settled_cents) <= STABLE_RELEASE_CENTS
        elif len(self._shown) == STABLE_STEPS and max(self._shown) - min(self._shown) <= STABLE_SPREAD_CENTS:
            self._stable = True
            self._settled_cents = sum(self._shown) / STABLE_STEPS
        return self._stable

    def _follow(self, midi_exact: float) -> bool:
        """Update the shown note and its cents from one voiced reading, ``midi_exact`` fractional MIDI;
        False while the reading waits to confirm another note."""
        if self._midi is not None:
            octaves = round((midi_exact - self._midi) / 12.0)
            folded = midi_exact - 12.0 * octaves
            if octaves != 0 and abs(folded - self._midi) * 100.0 <= OCTAVE_TOLERANCE_CENTS:
                self._n_octave += 1
                if self._n_octave < self._octave_confirm_steps:
                    midi_exact = folded  # an octave slip for now; a lasting one is a new note below
            else:
                self._n_octave = 0
        nearest = round(midi_exact)
        if self._midi is None or abs(midi_exact - self._midi) * 100.0 > 50.0 + HYSTERESIS_CENTS:
            if nearest != self._candidate:
                self._candidate, self._n_candidate = nearest, 0
            self._n_candidate += 1
            if self._n_candidate < CONFIRM_STEPS:
                return False
            self._midi, self._n_octave = nearest, 0
            self._recent.clear()
            self._shown.clear()
            self._stable = False
        self._n_candidate = 0
        self._candidate = None
        cents = 100.0 * (midi_exact - self._midi)
        self._recent.append(cents)
        median = float(np.median(list(self._recent)[-MEDIAN_STEPS:]))
        fresh = len(self._recent) == 1 or not math.isfinite(self._cents)
        self._cents = median if fresh else self._cents + self._alpha * (median - self._cents)
        self._shown.append(self._cents)
        return True


def tune_signal(
    audio: np.ndarray, sample_rate: int = SAMPLE_RATE, reference_hz: float = A4_HZ, **options
) -> list[TunerReading]:
    """Every reading of a fresh ``Tuner`` over mono ``audio`` ``(samples,)``; ``options`` are ``Tuner``'s."""
    return Tuner(sample_rate, reference_hz=reference_hz, **options).feed(np.asarray(audio, dtype=np.float64).ravel())
