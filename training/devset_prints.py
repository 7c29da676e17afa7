"""Noise prints of the dev set's examples (format 4): the example's noise alone, from outside the example.

Every example that holds noise (mixtures, noise alone, guitar notes) gets two more takes of the
same noise source, at the same gain as the example's noise:

- the print, ``PRINT_S`` seconds (at least ``MIN_PRINT_S`` where the source allows no more):
  ``print/<id>.wav`` and the ``NoisePrint`` made from it, ``print/<id>.json``;
- the lead-in, ``LEAD_IN_S`` seconds of the noise before the music starts: ``lead_in/<id>.wav``,
  taken just before the example's own stretch of the recording where there is room, so that it
  joins the example without a seam.

Neither shares a sample with the example's noise (or with each other), except where the manifest
says ``overlaps_noise``.

Recorded noise. An example's noise is one or more *voices* (one for ambience and other instruments,
a few speakers summed for babble), each a run of pieces of recordings joined as the mixer joins them
(``fill_segment``) and played at one gain. The gains are solved from the example's noise (least
squares over its voices; exact, because the dev set's mixing is linear: no reverb, band limit or
variation). A voice's take comes, in order of preference, from:

- ``contiguous`` (lead-in only): the ``LEAD_IN_S`` of its first recording just before its first piece;
- ``stretch``: the longest run of its own recordings that nothing else uses: ``PRINT_S`` of it (a
  random stretch), or all of it when it is at least ``SHORT_SECONDS`` (2 s, under which a print
  knows its spread poorly);
- ``pool``: when its recordings are used up (short ones, a 0.5 s engine sound), other recordings of
  the same pool that the example does not use, joined as the mixer joins them;
- ``stretch`` again, shorter, down to the least the take accepts, when the pool has none left;
- ``loop``: when no free stretch is long enough, the longest free run of its own recordings (at
  least ``MIN_PRINT_S``) played over and over, as a looped recording sounds; failing that its main
  recording looped from another offset, which overlaps the example's noise and says so.

Stretches come from a recording's audible span (``audible_span``): not from the silence that pads
some files.

Generated noise (fan, hum, hiss): the same generator with the settings the example drew, another
realization. The example's draws are replayed, except the Gaussian samples and the phases, which
come from another seed; the result is scaled by the example's gain (the generator's output has unit
RMS, so the gain is the example noise's RMS). Its takes are at most as long as the example.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from livedenoise.realtime.noise_print import SHORT_SECONDS, print_from_audio
from livedenoise.training.manifest import SourceFile
from livedenoise.training.mixing import SILENCE_RMS, fill_segment

PRINT_S = 3.0
MIN_PRINT_S = 0.5
LEAD_IN_S = 3.0
PRINT_N_FFT = 1024  # the shipped models' STFT: a print made here needs no remaking to use
PRINT_HOP_SAMPLES = 128
PRINT_STREAM, LEAD_IN_STREAM = 1, 2  # appended to an example's seed: the takes never touch its own draws
TWO_PI = 2.0 * np.pi
AUDIBLE_FRAME_S = 0.05
AUDIBLE_DB = 40.0  # frames this far below a recording's level are its silent padding or the tail of a fade
MAX_RESIDUAL = 1e-3  # relative RMS: a larger one means the voices do not make the example's noise


@dataclass(frozen=True)
class Piece:
    """``n`` samples of ``record`` from sample ``start`` (at the dev set's rate); with ``loop``
    ``(start, end)``, that stretch played over and over from ``start``."""

    record: SourceFile
    start: int
    n: int
    loop: tuple[int, int] | None = None

    def intervals(self) -> list[tuple[int, int]]:
        """The samples ``(start, end)`` of the recording it uses."""
        return [self.loop] if self.loop is not None else [(self.start, self.start + self.n)]

    def describe(self, sample_rate: int) -> dict[str, Any]:
        described = {"path": self.record.path, "start_s": self.start / sample_rate}
        if self.loop is None:
            return {**described, "end_s": (self.start + self.n) / sample_rate}
        start, end = self.loop
        return {
            **described,
            "loop_start_s": start / sample_rate,
            "loop_end_s": end / sample_rate,
            "duration_s": self.n / sample_rate,
        }


@dataclass
class Voice:
    """One call of a noise sampler: the pool it draws from, the pieces it read, what it returned."""

    pool: tuple[SourceFile, ...]
    pieces: list[Piece] = field(default_factory=list)
    audio: np.ndarray | None = None

    def main_record(self) -> SourceFile:
        """The recording that gives the voice most of its samples."""
        totals: dict[SourceFile, int] = {}
        for piece in self.pieces:
            totals[piece.record] = totals.get(piece.record, 0) + piece.n
        return max(totals, key=lambda r: totals[r])


class FreshRealization:
    """A generator that replays ``replay``'s draws except a noise's realization: Gaussian samples and
    phases (uniform on 0..2 pi) come from ``fresh``. The replayed stream still makes every draw, so the
    settings drawn after the noise (a wander's rate, a tone's level) are the example's too."""

    def __init__(self, replay: np.random.Generator, fresh: np.random.Generator) -> None:
        self._replay = replay
        self._fresh = fresh

    def standard_normal(self, *args, **kwargs):
        self._replay.standard_normal(*args, **kwargs)
        return self._fresh.standard_normal(*args, **kwargs)

    def uniform(self, low=0.0, high=1.0, size=None):
        drawn = self._replay.uniform(low, high, size)
        if low == 0.0 and high == TWO_PI:
            return self._fresh.uniform(low, high, size)
        return drawn

    def __getattr__(self, name: str):
        return getattr(self._replay, name)


def _rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))


def voice_gains(voices: Sequence[Voice], noise: np.ndarray) -> list[tuple[Voice, float]]:
    """The voices that make ``noise`` ``(samples,)`` and the gain each is played at."""
    used = [v for v in voices if v.audio is not None and _rms(v.audio) > SILENCE_RMS]
    if not used:
        return []
    columns = np.stack([np.asarray(v.audio, dtype=np.float64) for v in used], axis=1)
    target = np.asarray(noise, dtype=np.float64)
    gains, *_ = np.linalg.lstsq(columns, target, rcond=None)
    residual = _rms(columns @ gains - target) / max(_rms(target), SILENCE_RMS)
    if residual > MAX_RESIDUAL:
        raise RuntimeError(f"the drawn recordings do not make the example's noise (residual {residual:.2e})")
    return list(zip(used, (float(g) for g in gains), strict=True))


def audible_span(audio: np.ndarray, sample_rate: int) -> tuple[int, int]:
    """The samples ``(start, end)`` of a recording ``(samples,)`` from its first to its last frame
    within ``AUDIBLE_DB`` of its level: a take from the silence padding a file is no print of it."""
    n_frame = int(AUDIBLE_FRAME_S * sample_rate)
    n_frames = max(audio.size // n_frame, 1)
    frames = np.asarray(audio[: n_frames * n_frame], dtype=np.float64).reshape(n_frames, -1)
    power = np.mean(frames**2, axis=1)
    loud = np.flatnonzero(power > np.mean(power) * 10.0 ** (-AUDIBLE_DB / 10.0))
    if loud.size == 0:
        return 0, audio.size
    return int(loud[0] * n_frame), int(min((loud[-1] + 1) * n_frame, audio.size))


def _free_runs(span: tuple[int, int], used: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Runs ``(start, end)`` within ``span`` that no used interval ``(start, end)`` touches."""
    runs, position = [], span[0]
    for start, end in sorted(used):
        if start > position:
            runs.append((position, min(start, span[1])))
        position = max(position, end)
    if position < span[1]:
        runs.append((position, span[1]))
    return [(a, b) for a, b in runs if b > a]


Found = tuple[str, list[Piece]]  # how a voice's take was found (the module's kinds) and the pieces it reads


class TakeMaker:
    """Finds and reads the takes (print, lead-in) of one example's voices, keeping track of every
    stretch used so far, so that no take overlaps the example's noise or another take."""

    def __init__(
        self,
        voices: Sequence[Voice],
        n_samples_of: Callable[[SourceFile], int],
        read: Callable[[SourceFile, int, int], np.ndarray],
        span_of: Callable[[SourceFile], tuple[int, int]],
        sample_rate: int,
    ) -> None:
        self.n_samples_of = n_samples_of
        self.read = read
        self.span_of = span_of  # a recording's ``audible_span``
        self.sample_rate = sample_rate
        self.used: dict[str, list[tuple[int, int]]] = {}
        for voice in voices:
            self._claim(voice.pieces)
        self.noise = {path: list(intervals) for path, intervals in self.used.items()}  # the example's own

    def _claim(self, pieces: Sequence[Piece]) -> None:
        for piece in pieces:
            self.used.setdefault(piece.record.path, []).extend(piece.intervals())

    def overlaps_noise(self, pieces: Sequence[Piece]) -> bool:
        """Whether any piece uses a sample of the example's noise."""
        return any(
            start < b and end > a
            for piece in pieces
            for start, end in piece.intervals()
            for a, b in self.noise.get(piece.record.path, ())
        )

    def before(self, voice: Voice, n_samples: int) -> Found | None:
        """The ``n_samples`` of the voice's first recording just before its first piece, when free."""
        first = voice.pieces[0]
        start, end = first.start - n_samples, first.start
        if start < self.span_of(first.record)[0] or not all(
            end <= a or start >= b for a, b in self.used.get(first.record.path, ())
        ):
            return None
        pieces = [Piece(first.record, start, n_samples)]
        self._claim(pieces)
        return "contiguous", pieces

    def find(self, voice: Voice, n_wanted: int, n_least: int, rng: np.random.Generator) -> Found:
        """``n_least`` to ``n_wanted`` samples of the voice's source that nothing uses yet, found as the
        module says: a stretch of its own recordings, other recordings of its pool, a shorter stretch, a
        free stretch looped, its main recording looped."""
        found = self._find(voice, n_wanted, n_least, rng)
        self._claim(found[1])
        return found

    def _find(self, voice: Voice, n_wanted: int, n_least: int, rng: np.random.Generator) -> Found:
        best = None
        for record in dict.fromkeys(p.record for p in voice.pieces):
            for a, b in _free_runs(self.span_of(record), self.used.get(record.path, ())):
                if best is None or b - a > best[2] - best[1]:
                    best = (record, a, b)
        n_free = 0 if best is None else best[2] - best[1]
        # A print shorter than SHORT_SECONDS knows its spread poorly: 3 s of the same pool beat it.
        if n_free >= max(n_least, min(n_wanted, int(SHORT_SECONDS * self.sample_rate))):
            return "stretch", [self._stretch(best, n_wanted, rng)]
        unused = [r for r in voice.pool if r.path not in self.used]
        if unused:
            # As the mixer fills a segment: random recordings one after another, a random stretch of a long one.
            pieces: list[Piece] = []
            n_filled = 0
            while n_filled < n_wanted:
                record = unused[int(rng.integers(len(unused)))]
                n_file, n_max = max(self.n_samples_of(record), 1), n_wanted - n_filled
                start = int(rng.integers(0, n_file - n_max + 1)) if n_file > n_max else 0
                pieces.append(Piece(record, start, min(n_max, n_file)))
                n_filled += pieces[-1].n
            return "pool", pieces
        if n_free >= n_least:
            return "stretch", [self._stretch(best, n_wanted, rng)]
        if n_free >= int(MIN_PRINT_S * self.sample_rate):
            record, a, b = best
        else:
            record = voice.main_record()
            a, b = self.span_of(record)
        return "loop", [Piece(record, a + int(rng.integers(0, b - a)), n_wanted, loop=(a, b))]

    @staticmethod
    def _stretch(run: tuple[SourceFile, int, int], n_wanted: int, rng: np.random.Generator) -> Piece:
        """A random stretch of ``n_wanted`` samples (all of it, if shorter) of a free ``run``."""
        record, a, b = run
        n = min(n_wanted, b - a)
        return Piece(record, a + int(rng.integers(0, b - a - n + 1)), n)

    def _read(self, piece: Piece) -> np.ndarray:
        if piece.loop is None:
            return self.read(piece.record, piece.start, piece.n)
        start, end = piece.loop
        period = self.read(piece.record, start, end - start)
        return np.take(period, np.arange(piece.start - start, piece.start - start + piece.n) % period.size)

    def assemble(
        self, gains: Sequence[tuple[Voice, float]], found: Sequence[Found]
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """The take: each voice's pieces joined as the mixer joins them, at the voice's gain, summed
        (cut to the shortest); and its record for the manifest."""
        takes, records = [], []
        for (_, gain), (kind, pieces) in zip(gains, found, strict=True):
            queue = list(pieces)

            def draw_piece(n_max: int, rng: np.random.Generator, queue=queue) -> tuple[np.ndarray, str]:
                piece = queue.pop(0)
                return self._read(piece), piece.record.path

            audio, _ = fill_segment(sum(p.n for p in pieces), np.random.default_rng(0), draw_piece, self.sample_rate)
            takes.append(np.asarray(audio, dtype=np.float64) * gain)
            records.append({"kind": kind, "gain": gain, "stretches": [p.describe(self.sample_rate) for p in pieces]})
        n = min(t.size for t in takes)
        audio = np.sum([t[:n] for t in takes], axis=0).astype(np.float32)
        kinds = [r["kind"] for r in records]
        kind = kinds[0] if len(set(kinds)) == 1 else "mixed"
        overlaps = self.overlaps_noise([piece for _, pieces in found for piece in pieces])
        return audio, {"kind": kind, "overlaps_noise": overlaps, "voices": records}


def noise_record(gains: Sequence[tuple[Voice, float]], sample_rate: int) -> list[dict[str, Any]]:
    """The example's own noise: per voice, its gain and the stretches of recordings it is made of."""
    return [{"gain": gain, "stretches": [p.describe(sample_rate) for p in voice.pieces]} for voice, gain in gains]


def generated_take(
    replayed_noise: np.ndarray, noise: np.ndarray, n_wanted: int, seed: Sequence[int]
) -> tuple[np.ndarray, dict[str, Any]]:
    """A take of generated noise: ``replayed_noise`` (the example's generator replayed by
    ``FreshRealization``, at any scale) at the gain of the example's ``noise``, its first ``n_wanted`` samples."""
    gain = _rms(noise)
    audio = np.asarray(replayed_noise, dtype=np.float64) * (gain / _rms(replayed_noise))
    record = {"kind": "generated", "gain": gain, "overlaps_noise": False, "seed": list(seed)}
    return audio[:n_wanted].astype(np.float32), record


def make_print(audio: np.ndarray, sample_rate: int, source: str):
    """The ``NoisePrint`` of a print's audio, in the shipped models' STFT."""
    return print_from_audio(audio, sample_rate, PRINT_N_FFT, PRINT_HOP_SAMPLES, source=source)
