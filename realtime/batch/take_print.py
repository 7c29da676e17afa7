"""Which noise print each take of a batch is denoised with.

One of: none (blind), one print for every take (``--noise-print``: a saved print or a recording of
the noise), a region of each take (``--print-from START:END``), or each take's lead (``--print
lead``: its opening seconds, where they hold noise alone, see ``lead_noise``). A region that a take
cannot give is that take's error (nothing is written); a lead that is not noise alone is a warning,
and that take is denoised blind.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from livedenoise.realtime.batch.lead_noise import LeadNotNoise, lead_print
from livedenoise.realtime.noise_print import NoisePrint, load_noise_print, print_from_file


@dataclass(frozen=True)
class TakePrint:
    """The print a take got (or None) and, where one was asked for but refused, why."""

    noise_print: NoisePrint | None
    warning: str | None = None


@dataclass(frozen=True)
class PrintChoice:
    """Where the takes' prints come from; at most one of the three is set."""

    noise_print_path: Path | None = None
    region_s: tuple[float, float] | None = None  # (start, end) in each take
    lead_s: float | None = None

    def __post_init__(self) -> None:
        given = [self.noise_print_path is not None, self.region_s is not None, self.lead_s is not None]
        if sum(given) > 1:
            raise ValueError("a batch takes one of: a noise print for all, a region of each take, or each take's lead")

    @property
    def blind(self) -> bool:
        return self.noise_print_path is None and self.region_s is None and self.lead_s is None

    def identity(self) -> dict:
        """What decides the prints, for telling whether an output was made the same way."""
        if self.noise_print_path is not None:
            digest = hashlib.sha256(Path(self.noise_print_path).read_bytes()).hexdigest()
            return {"noise_print": str(self.noise_print_path), "sha256": digest}
        if self.region_s is not None:
            return {"print_from": list(self.region_s)}
        if self.lead_s is not None:
            return {"print_lead_s": self.lead_s}
        return {}

    def for_take(self, input_path: Path, sample_rate: int, n_fft: int, hop_samples: int) -> TakePrint:
        """The print for ``input_path`` in the model's geometry; raises ``NoisePrintError`` for a region it lacks."""
        geometry = {"sample_rate": sample_rate, "n_fft": n_fft, "hop_samples": hop_samples}
        if self.noise_print_path is not None:
            return TakePrint(load_noise_print(self.noise_print_path, **geometry))
        if self.region_s is not None:
            return TakePrint(print_from_file(input_path, *self.region_s, **geometry))
        if self.lead_s is not None:
            try:
                return TakePrint(lead_print(input_path, self.lead_s, **geometry))
            except LeadNotNoise as exc:
                return TakePrint(None, f"no print from its lead: {exc}; denoised blind")
        return TakePrint(None)
