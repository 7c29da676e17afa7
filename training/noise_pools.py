"""Which recordings of one split feed each recorded noise type, for training and the dev set alike.

- Babble: noise recordings of the speech categories.
- Harmonic noise, "other instruments": noise recordings of tonal categories (drones, hums, chimes)
  and the split's music in the categories of ``render``'s other instruments (piano, strings, organ,
  brass, flute), renders and instrument samples alike. That music is also clean music; an example
  never takes its own music as noise. When a split holds none of these, its other music stands in.
- Ambience: every other noise category.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from livedenoise.training.manifest import SourceFile
from livedenoise.training.render import OTHER_PROGRAMS

SPEECH_CATEGORIES = frozenset({"speech", "voice", "babble"})
HARMONIC_NOISE_CATEGORIES = frozenset({"instrument", "music", "tonal", "chime", "interference"})
OTHER_INSTRUMENT_CATEGORIES = frozenset(category for _, category, *_ in OTHER_PROGRAMS.values())


@dataclass(frozen=True)
class NoisePools:
    """One split's recordings grouped by the recorded noise type they feed."""

    music: tuple[SourceFile, ...]
    speech: tuple[SourceFile, ...]
    harmonic: tuple[SourceFile, ...]
    ambience: tuple[SourceFile, ...]

    @classmethod
    def from_records(cls, music: Sequence[SourceFile], noise: Sequence[SourceFile]) -> NoisePools:
        """``music`` and ``noise`` are one split's records of those kinds."""
        return cls(
            music=tuple(music),
            speech=tuple(r for r in noise if r.category in SPEECH_CATEGORIES),
            harmonic=tuple(r for r in noise if r.category in HARMONIC_NOISE_CATEGORIES)
            + tuple(r for r in music if r.category in OTHER_INSTRUMENT_CATEGORIES),
            ambience=tuple(r for r in noise if r.category not in SPEECH_CATEGORIES | HARMONIC_NOISE_CATEGORIES),
        )

    def harmonic_for(self, clean: SourceFile | None) -> list[SourceFile]:
        """Harmonic noise for an example whose music is ``clean``: never ``clean`` itself."""
        pool = [r for r in self.harmonic if r != clean]
        return pool or [r for r in self.music if r != clean]

    def has_harmonic(self) -> bool:
        """Whether every example can get harmonic noise: from a noise recording, or from music other
        than its own."""
        return bool(set(self.harmonic) - set(self.music)) or len(self.music) >= 2
