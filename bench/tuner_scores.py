"""What the tuner bench reads off one front end's output: the tuner's figures and the gate's.

Times are in the output aligned with the input (the front end's delay taken out); the bench adds the
front end's algorithmic latency for what a player waits live.

Tuner, on one note (``tuner_scores``): the ``Tuner`` runs over the output from its start;
- ``lock_s``: from the pluck to the first reading that is stable and shows the true pitch within
  ``IN_TUNE_CENTS`` (NaN: never while the note sounds);
- ``hit_rate``: the tracker's frames within ``IN_TUNE_CENTS`` of the true pitch, over the frames
  that lie wholly in the sounding note after ``SETTLE_S`` (no pitch counts as a miss);
- ``octave_error_rate``: of those frames, the share read a whole number of octaves off (within
  ``OCTAVE_TOLERANCE_CENTS``);
- ``abs_cents``: the absolute errors of those frames that have a pitch and are not octave errors.

Gate, from the gate's open/shut decision per sample (``pluck_gate_scores``, ``false_open_scores``):
- ``open_delay_s``: from the pluck to the first open sample within ``MAX_OPEN_DELAY_S`` (already
  open at the pluck: 0; never: missed);
- ``tail_clipped_s``: from the gate's first close after that open to the note's end (0: it held);
- on noise alone, after ``WARM_UP_S`` (a fresh model's first hops are not the room): opens per
  minute and the share of time open.
"""

from __future__ import annotations

import math

import numpy as np

from livedenoise.bench.tuner_notes import SETTLE_S, PluckedNote
from livedenoise.realtime.gate import GateSettings, NoiseGate
from livedenoise.realtime.tuner.pitch_tracker import cents_off
from livedenoise.realtime.tuner.tuner import IN_TUNE_CENTS, Tuner

OCTAVE_TOLERANCE_CENTS = 50.0
MAX_OPEN_DELAY_S = 0.2  # a gate later than this missed the pluck
WARM_UP_S = 0.5


def tuner_scores(audio: np.ndarray, note: PluckedNote, sample_rate: int) -> dict:
    """The tuner's figures on mono ``audio`` ``(samples,)``, aligned with ``note``."""
    tuner = Tuner(sample_rate)
    readings = tuner.feed(np.asarray(audio, dtype=np.float64))
    frame_s = tuner.tracker.frame_samples / sample_rate
    lock_s = math.nan
    for reading in readings:
        if (
            note.onset_s < reading.time_s <= note.end_s
            and reading.stable
            and abs(cents_off(reading.shown_hz, note.hz)) <= IN_TUNE_CENTS
        ):
            lock_s = reading.time_s - note.onset_s
            break
    times_s = np.array([r.time_s for r in readings])
    hz = np.array([r.hz for r in readings])
    inside = (times_s - frame_s >= note.onset_s + SETTLE_S) & (times_s <= note.end_s)
    cents = cents_off(hz[inside], note.hz)
    voiced = np.isfinite(cents)
    octaves = np.round(np.where(voiced, cents, 0.0) / 1200.0)
    octave_error = (
        voiced & (octaves != 0) & (np.abs(np.where(voiced, cents, 0.0) - 1200.0 * octaves) <= OCTAVE_TOLERANCE_CENTS)
    )
    n = max(1, cents.size)
    return {
        "lock_s": lock_s,
        "hit_rate": float(np.sum(voiced & (np.abs(np.nan_to_num(cents, nan=1e9)) <= IN_TUNE_CENTS)) / n),
        "octave_error_rate": float(np.sum(octave_error) / n),
        "abs_cents": np.abs(cents[voiced & ~octave_error]),
        "n_frames": int(cents.size),
    }


def gate_decisions(
    stream: np.ndarray,
    hop_samples: int,
    sample_rate: int,
    settings: GateSettings,
    masks: np.ndarray | None = None,
    spectra: np.ndarray | None = None,
) -> np.ndarray:
    """The gate's open flag per sample of ``stream`` ``(samples,)``, decided hop by hop as the engine
    decides it; ``masks`` ``(hops, 2, freqs)`` and ``spectra`` ``(hops, freqs)``: the model's, per hop
    (a mask gate needs them)."""
    n_hops = stream.size // hop_samples
    if settings.kind == "mask" and masks is None:
        raise ValueError("a mask gate needs the model's masks")
    n_freqs = hop_samples + 1 if masks is None else masks.shape[-1]  # a level gate reads no spectrum: the smallest STFT
    gate = NoiseGate(sample_rate, hop_samples, 1, n_freqs, settings)
    no_mask = np.zeros((2, n_freqs), dtype=np.float32)
    no_spectrum = np.zeros((1, n_freqs), dtype=np.complex64)
    hop = np.empty((1, hop_samples), dtype=np.float32)
    flags = np.zeros(n_hops, dtype=bool)
    for k in range(n_hops):
        hop[0] = stream[k * hop_samples : (k + 1) * hop_samples]
        if masks is None:
            gate.process_into(hop, no_mask, no_spectrum)
        else:
            gate.process_into(hop, masks[k], spectra[k][np.newaxis])
        flags[k] = gate.is_open
    return np.repeat(flags, hop_samples)


def pluck_gate_scores(is_open: np.ndarray, note: PluckedNote, sample_rate: int) -> dict:
    """Open delay and clipped tail from per-sample flags aligned with ``note``."""
    onset = int(round(note.onset_s * sample_rate))
    end = min(is_open.size, int(round(note.end_s * sample_rate)))
    window = is_open[onset : onset + int(MAX_OPEN_DELAY_S * sample_rate) + 1]
    if not window.any():
        return {"open_delay_s": math.nan, "tail_clipped_s": math.nan}
    opened = onset + int(np.argmax(window))
    shut = np.flatnonzero(~is_open[opened:end])
    tail = 0.0 if shut.size == 0 else (end - opened - shut[0]) / sample_rate
    return {"open_delay_s": (opened - onset) / sample_rate, "tail_clipped_s": tail}


def false_open_scores(is_open: np.ndarray, sample_rate: int) -> dict:
    """Opens (being open at the start counts as one) and time open, on noise alone, after ``WARM_UP_S``."""
    flags = is_open[int(WARM_UP_S * sample_rate) :].astype(np.int8)
    return {
        "n_opens": int(np.sum(np.diff(flags, prepend=0) == 1)),
        "minutes": flags.size / sample_rate / 60.0,
        "open_share": float(flags.mean()) if flags.size else 0.0,
    }
