"""The tuner bench's set: single plucked guitar notes, each after silence, clean and in room noise.

A ``PluckedNote`` is one note alone: ``PRE_S`` of silence, the pluck at ``onset_s`` (known to the
sample), the note ringing out, then silence. Its ``end_s`` is where it has decayed ``TAIL_FLOOR_DB``
below its peak, so "while the note sounds" is read from the audio, not from the MIDI note-off.
Every note is brought to ``NOTE_RMS_DBFS`` while it sounds (a guitar into an audio interface).
A rendered note's true pitch is the one it plays, not the MIDI number's: FluidR3_GM's samples sit a
few cents off equal temperament (and some drift by a few cents as they ring), so ``hz`` is the
pitch the tracker reads on the clean render (``played_hz``) and ``nominal_hz`` the MIDI note's.
Noise and denoising are then judged by how far they move the tuner from what it reads clean.

``render_notes`` renders the strings of a guitar (E2 A2 D3 G3 B3 E4 by default) with fluidsynth and
FluidR3_GM through ``training/render.py``, on the nylon, steel and electric programs. ``room_noises``
reads each noise type's noise-only inputs of a dev set (for the unseen-source set: noise from
packages training never saw). ``noisy_examples`` mixes, seeded, every note into a stretch of each
noise at each SNR (noise power against the note's power while it sounds); ``noise_alone`` gives, per
noise type and SNR, the same noise at the same gain with no note, for a gate's false opens.

With prints (``room_prints``: each noise type's prints from a dev set of format 4, made from
stretches of its recordings the noise-only inputs do not use), every example in noise also carries
``print_audio``: ``PRINT_S`` of that noise type's prints at the example's noise gain, the noise a
user would have learned the room from. Those stretches are drawn apart, so the examples are the
same with prints or without.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import soundfile as sf

from livedenoise.models.errors import LivedenoiseError
from livedenoise.models.stft_geometry import SAMPLE_RATE

STRINGS_MIDI = (40, 45, 50, 55, 59, 64)  # E2 A2 D3 G3 B3 E4
GUITAR_PROGRAMS = {"nylon": 24, "steel": 25, "electric": 27}  # General MIDI: nylon, steel, clean electric
SNRS_DB = (-5.0, 0.0, 5.0, 10.0)
PRE_S = 0.5  # silence before the pluck
HELD_S = 1.5  # MIDI note length
EXAMPLE_S = 3.0
NOTE_RMS_DBFS = -24.0
TAIL_FLOOR_DB = -40.0
VELOCITY = 90
SETTLE_S = 0.15  # after the pluck's attack
PRINT_S = 3.0
PRINT_STREAM = 2  # seeds the print stretches apart from the examples' own draws


class NoteSetError(LivedenoiseError, ValueError):
    """The note set or its noise cannot be built; the message says from what."""


@dataclass(frozen=True)
class PluckedNote:
    """One note alone, mono float32 ``(samples,)`` at ``SAMPLE_RATE``; ``hz`` is its true pitch."""

    name: str
    instrument: str
    midi: int
    hz: float
    audio: np.ndarray
    onset_s: float
    end_s: float

    @property
    def nominal_hz(self) -> float:
        return midi_to_hz(self.midi)


@dataclass(frozen=True)
class NoisyExample:
    """A note in noise (``noise_type`` None and ``snr_db`` inf: clean). ``audio`` is what the front end hears."""

    note: PluckedNote | None  # None: noise alone
    noise_type: str | None
    snr_db: float
    audio: np.ndarray
    print_audio: np.ndarray | None = None  # noise alone to learn a print from, at the noise's gain


def midi_to_hz(midi: float, reference_hz: float = 440.0) -> float:
    return reference_hz * 2.0 ** ((midi - 69.0) / 12.0)


def rms_db(audio: np.ndarray) -> float:
    return 10.0 * np.log10(max(np.mean(np.square(audio, dtype=np.float64)), 1e-30))


def plucked_note(name: str, instrument: str, midi: int, hz: float, audio: np.ndarray, onset_s: float) -> PluckedNote:
    """A ``PluckedNote`` from mono ``audio`` with the pluck at ``onset_s``: its end found, its level set."""
    audio = np.asarray(audio, dtype=np.float64).ravel()
    onset = int(round(onset_s * SAMPLE_RATE))
    hop = SAMPLE_RATE // 100
    n_hops = audio.size // hop
    envelope = np.sqrt(np.mean(np.square(audio[: n_hops * hop].reshape(n_hops, hop)), axis=1))
    if not np.any(envelope[onset // hop :] > 0.0):
        raise NoteSetError(f"note {name} is silent after its onset")
    loud = np.flatnonzero(envelope >= envelope.max() * 10.0 ** (TAIL_FLOOR_DB / 20.0))
    end = min(audio.size, (loud[-1] + 1) * hop)
    gain = 10.0 ** ((NOTE_RMS_DBFS - rms_db(audio[onset:end])) / 20.0)
    return PluckedNote(
        name, instrument, midi, float(hz), (gain * audio).astype(np.float32), onset / SAMPLE_RATE, end / SAMPLE_RATE
    )


def played_hz(audio: np.ndarray, onset_s: float, end_s: float) -> float:
    """The pitch a clean note plays: the median of the pitch tracker over its settled part."""
    from livedenoise.realtime.tuner.pitch_tracker import track_pitch

    times_s, hz, _ = track_pitch(audio)
    settled = (times_s >= onset_s + SETTLE_S) & (times_s <= end_s) & np.isfinite(hz)
    if not settled.any():
        raise NoteSetError("the clean note has no pitch")
    return float(np.median(hz[settled]))


def render_notes(
    soundfont: Path, programs: dict[str, int] = GUITAR_PROGRAMS, strings_midi: tuple[int, ...] = STRINGS_MIDI
) -> list[PluckedNote]:
    """Every string on every program, rendered alone by fluidsynth with ``soundfont``; ``NoteSetError`` if it cannot."""
    from livedenoise.training.render import Note, RenderError, render_midi, write_midi

    notes = []
    with tempfile.TemporaryDirectory(prefix="livedenoise-tuner-notes-") as folder:
        for instrument, program in programs.items():
            for midi in strings_midi:
                midi_path = Path(folder) / f"{instrument}_{midi}.mid"
                labels = write_midi(midi_path, program, [Note(PRE_S, PRE_S + HELD_S, midi, VELOCITY)])
                try:
                    flac = render_midi(soundfont, midi_path, midi_path.with_suffix(".flac"))
                except RenderError as exc:
                    raise NoteSetError(str(exc)) from exc
                audio, sample_rate = sf.read(str(flac), dtype="float32", always_2d=True)
                if sample_rate != SAMPLE_RATE:
                    raise NoteSetError(f"fluidsynth rendered {sample_rate} Hz, expected {SAMPLE_RATE}")
                audio = np.pad(audio.mean(axis=1), (0, max(0, int(EXAMPLE_S * SAMPLE_RATE) - len(audio))))
                label = labels[0]
                note = plucked_note(
                    f"{instrument} {midi}",
                    instrument,
                    midi,
                    label.hz,
                    audio[: int(EXAMPLE_S * SAMPLE_RATE)],
                    label.onset_s,
                )
                notes.append(replace(note, hz=played_hz(note.audio, note.onset_s, note.end_s)))
    return notes


def room_noises(devset_folder: Path) -> dict[str, np.ndarray]:
    """Each noise type's noise-only inputs of the dev set in ``devset_folder``, end to end, float32."""
    return _noise_only_audio(devset_folder, lambda example: example["input"])


def room_prints(devset_folder: Path) -> dict[str, np.ndarray]:
    """Each noise type's prints (the noise they were made from) of the dev set's noise-only inputs, end
    to end, float32, at the gain of those inputs; ``NoteSetError`` for a dev set without prints."""

    def print_audio(example: dict) -> str:
        if "print" not in example:
            raise NoteSetError(
                f"{devset_folder} has no noise prints: build it in format 4 with "
                "`livedenoise data devset --sources unseen --overwrite`"
            )
        return example["print"]["audio"]

    return _noise_only_audio(devset_folder, print_audio)


def _noise_only_audio(devset_folder: Path, file_of) -> dict[str, np.ndarray]:
    index = Path(devset_folder) / "devset.json"
    try:
        devset = json.loads(index.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise NoteSetError(f"cannot read {index}: {exc}") from exc
    if devset.get("sample_rate") != SAMPLE_RATE:
        raise NoteSetError(f"{index}: sample rate {devset.get('sample_rate')}, expected {SAMPLE_RATE}")
    pieces: dict[str, list[np.ndarray]] = {}
    for example in devset.get("examples", []):
        if example.get("part") != "noise_only":
            continue
        audio, _ = sf.read(str(Path(devset_folder) / file_of(example)), dtype="float32", always_2d=True)
        pieces.setdefault(example["noise_type"], []).append(audio.mean(axis=1))
    if not pieces:
        raise NoteSetError(f"{index} has no noise_only examples")
    return {kind: np.concatenate(parts) for kind, parts in pieces.items()}


def _noise_gain(noise: np.ndarray, snr_db: float) -> float:
    return 10.0 ** ((NOTE_RMS_DBFS - snr_db - rms_db(noise)) / 20.0)


def _stretch(noise: np.ndarray, n_samples: int, rng: np.random.Generator) -> np.ndarray:
    if noise.size < n_samples:
        noise = np.tile(noise, -(-n_samples // noise.size))
    start = int(rng.integers(0, noise.size - n_samples + 1))
    return noise[start : start + n_samples]


def _print_of(
    prints: dict[str, np.ndarray] | None, noise_type: str, gain: float, rng: np.random.Generator
) -> np.ndarray | None:
    if prints is None:
        return None
    return (gain * _stretch(prints[noise_type], int(round(PRINT_S * SAMPLE_RATE)), rng)).astype(np.float32)


def noisy_examples(
    notes: list[PluckedNote],
    noises: dict[str, np.ndarray],
    snrs_db=SNRS_DB,
    per_cell: int | None = None,
    seed: int = 0,
    prints: dict[str, np.ndarray] | None = None,
) -> list[NoisyExample]:
    """Every note clean, then in each noise at each SNR; ``per_cell`` N: N notes per (noise, SNR),
    taken in turn so that every note and instrument appears across the cells. With ``prints``
    (``room_prints``), each example in noise carries a print's noise at its noise's gain."""
    rng = np.random.default_rng(seed)
    print_rng = np.random.default_rng([seed, PRINT_STREAM])
    examples = [NoisyExample(note, None, float("inf"), note.audio) for note in notes]
    order = [int(i) for i in rng.permutation(len(notes))]
    taken = 0
    for noise_type, noise in noises.items():
        for snr_db in snrs_db:
            if per_cell is None:
                chosen = range(len(notes))
            else:
                chosen = [order[(taken + k) % len(order)] for k in range(min(per_cell, len(notes)))]
                taken += len(chosen)
            for i in chosen:
                note = notes[i]
                stretch = _stretch(noise, note.audio.size, rng)
                gain = _noise_gain(stretch, snr_db)
                audio = (note.audio + gain * stretch).astype(np.float32)
                examples.append(
                    NoisyExample(note, noise_type, float(snr_db), audio, _print_of(prints, noise_type, gain, print_rng))
                )
    return examples


def noise_alone(
    noises: dict[str, np.ndarray],
    seconds: float,
    snrs_db=SNRS_DB,
    seed: int = 0,
    prints: dict[str, np.ndarray] | None = None,
) -> list[NoisyExample]:
    """Per noise type and SNR, ``seconds`` of that noise at the level it has in those mixtures, no note;
    with ``prints``, a print's noise at the same gain."""
    rng = np.random.default_rng(seed + 1)
    print_rng = np.random.default_rng([seed + 1, PRINT_STREAM])
    n_samples = int(round(seconds * SAMPLE_RATE))
    examples = []
    for noise_type, noise in noises.items():
        for snr_db in snrs_db:
            stretch = _stretch(noise, n_samples, rng)
            gain = _noise_gain(stretch, snr_db)
            examples.append(
                NoisyExample(
                    None,
                    noise_type,
                    float(snr_db),
                    (gain * stretch).astype(np.float32),
                    _print_of(prints, noise_type, gain, print_rng),
                )
            )
    return examples
