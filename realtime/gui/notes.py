"""Equal-tempered note names (A4 = 440 Hz), for the tuner and the spectrogram's frequency axis."""

from __future__ import annotations

import math

NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
A4_HZ = 440.0
A4_MIDI = 69


def midi_to_name(midi: int) -> str:
    """``64`` -> ``"E4"`` (scientific pitch notation: C4 is middle C)."""
    return f"{NOTE_NAMES[midi % 12]}{midi // 12 - 1}"


def midi_to_hz(midi: float) -> float:
    return A4_HZ * 2.0 ** ((midi - A4_MIDI) / 12.0)


def nearest_note(hz: float) -> tuple[str, float, float]:
    """The note nearest ``hz``: ``(name, cents off it (positive: sharp), its frequency in Hz)``."""
    if not hz > 0.0 or math.isinf(hz):
        raise ValueError(f"need a positive frequency, got {hz}")
    midi_exact = A4_MIDI + 12.0 * math.log2(hz / A4_HZ)
    midi = round(midi_exact)
    return midi_to_name(midi), 100.0 * (midi_exact - midi), midi_to_hz(midi)
