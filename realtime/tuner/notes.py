"""Equal-tempered note names against a settable reference pitch (A4 = 440 Hz unless told otherwise),
for the tuner and the spectrogram's frequency axis. Scientific pitch notation: C4 is middle C."""

from __future__ import annotations

import math

NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
A4_HZ = 440.0
A4_MIDI = 69
# Concert pitch today is 440; baroque ensembles tune to 415, some orchestras to 442-446, historic
# organs up to 466: the range a tuner should accept, with a little room either side.
MIN_REFERENCE_HZ = 400.0
MAX_REFERENCE_HZ = 480.0


def check_reference_hz(reference_hz: float) -> float:
    """``reference_hz`` as a float, or ValueError when it is outside the accepted range."""
    if not MIN_REFERENCE_HZ <= reference_hz <= MAX_REFERENCE_HZ:
        raise ValueError(
            f"the reference pitch (A4) must be {MIN_REFERENCE_HZ:g}-{MAX_REFERENCE_HZ:g} Hz, got {reference_hz:g}"
        )
    return float(reference_hz)


def midi_to_name(midi: int) -> str:
    """``64`` -> ``"E4"``."""
    return f"{NOTE_NAMES[midi % 12]}{midi // 12 - 1}"


def midi_to_hz(midi: float, reference_hz: float = A4_HZ) -> float:
    return reference_hz * 2.0 ** ((midi - A4_MIDI) / 12.0)


def hz_to_midi(hz: float, reference_hz: float = A4_HZ) -> float:
    """The fractional MIDI number of ``hz`` (``69.1``: 10 cents above A4)."""
    return A4_MIDI + 12.0 * math.log2(hz / reference_hz)


def nearest_note(hz: float, reference_hz: float = A4_HZ) -> tuple[str, float, float]:
    """The note nearest ``hz``: ``(name, cents off it (positive: sharp), its frequency in Hz)``."""
    if not hz > 0.0 or math.isinf(hz):
        raise ValueError(f"need a positive frequency, got {hz}")
    midi_exact = hz_to_midi(hz, reference_hz)
    midi = round(midi_exact)
    return midi_to_name(midi), 100.0 * (midi_exact - midi), midi_to_hz(midi, reference_hz)
