"""The noise print each dev-set example is denoised with, under ``bench quality --print MODE``.

A dev set of format 4 (``training/devset_prints.py``) holds, beside every example with noise, a
print of that noise from outside the example (``print/<id>.json``, made from ``print/<id>.wav``) and
a lead-in of the same noise (``lead_in/<id>.wav``). The modes:

- ``none``: blind, as every model ran before prints existed;
- ``given``: the example's own print;
- ``lead-in``: the example is played after its lead-in (noise alone, the music not yet begun), and
  the print is learned from that lead-in while it plays, by the code ``--learn-seconds`` runs live;
  only the music part is scored;
- ``mismatched``: the print of another example, whose noise is of another type (so from another
  source): the next example of the same part and SNR, in the manifest's order, of another noise
  type. What a wrong print costs.
- ``oracle``: a print of the very noise mixed into the example (``noise/<id>.wav``), which no user
  has: how much a print can carry at all, against which ``given`` reads as what a print from outside
  the example keeps of it.

Clean music has no noise of its own: in every mode but ``none`` it is denoised with the print (or
after the lead-in) of a noise-alone example, the k-th clean example with the k-th one, which says
what holding a print costs music (transparency).

A front end is handed a ``GivenPrint``: the print, the noise it was made from (for peers that learn
their own print from audio, such as noisereduce's ``y_noise``), or the lead-in to learn from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from livedenoise.realtime.noise_print import NoisePrint, NoisePrintError, print_from_audio

PRINT_MODES = ("none", "given", "lead-in", "mismatched", "oracle")
DEVSET_PRINT_FORMAT = 4  # the first dev-set format with prints


@dataclass(frozen=True)
class GivenPrint:
    """What a front end denoises one example with. Arrays are mono ``(samples,)`` at the dev set's rate."""

    noise_print: NoisePrint | None = None
    audio: np.ndarray | None = None  # the noise alone the print was made from
    lead_in: np.ndarray | None = None  # lead-in mode: noise alone, played before the example and learned live
    source: str = ""  # the example whose print (or lead-in) it is
    sample_rate: int = 48000  # of ``audio`` and ``lead_in``


def parse_print_modes(text: str) -> list[str]:
    """``--print`` as given (comma-separated) -> the modes, in order, each once; ValueError naming the known ones."""
    modes = list(dict.fromkeys(m.strip() for m in text.split(",") if m.strip()))
    unknown = [m for m in modes if m not in PRINT_MODES]
    if unknown or not modes:
        raise ValueError(f"unknown print mode {', '.join(unknown) or repr(text)}: choose from {', '.join(PRINT_MODES)}")
    return modes


def has_prints(devset: dict[str, Any]) -> bool:
    """Whether the dev set holds a print and a lead-in for its examples with noise."""
    return bool(devset.get("prints")) and all(
        "print" in e and "lead_in" in e for e in devset["examples"] if e["part"] != "clean"
    )


def print_files(example: dict[str, Any]) -> list[str]:
    """The files an example's print and lead-in name (relative to the dev-set folder)."""
    files = []
    if "print" in example:
        files += [example["print"]["audio"], example["print"]["print"]]
    if "lead_in" in example:
        files.append(example["lead_in"]["audio"])
    return files


def _read_mono(path: Path) -> np.ndarray:
    audio, _ = sf.read(path, dtype="float32", always_2d=True)
    return audio.mean(axis=1)


class ExamplePrints:
    """Which print (or lead-in) each example of a dev set gets in each mode; the examples are those the
    bench runs (after ``--per-cell``), so a mismatched print always comes from one of them."""

    def __init__(self, folder: Path, examples: Sequence[dict[str, Any]], sample_rate: int) -> None:
        self.folder = Path(folder)
        self.sample_rate = sample_rate
        noisy = [e for e in examples if e["part"] != "clean" and "print" in e]
        self._partner: dict[str, dict[str, Any]] = {}
        for example in noisy:
            self._partner[example["id"]] = self._mismatched(example, noisy)
        stand_ins = [e for e in noisy if e["part"] == "noise_only"] or noisy
        clean = [e for e in examples if e["part"] == "clean"]
        self._stand_in = {e["id"]: stand_ins[k % len(stand_ins)] for k, e in enumerate(clean)} if stand_ins else {}

    @staticmethod
    def _mismatched(example: dict[str, Any], noisy: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """The next example of the same part and SNR (else any) with another noise type, cyclically."""
        start = noisy.index(example)
        order = noisy[start + 1 :] + noisy[:start]
        for same_cell in (True, False):
            for other in order:
                cell = (other["part"], other.get("snr_db")) == (example["part"], example.get("snr_db"))
                if (cell or not same_cell) and other.get("noise_type") != example.get("noise_type"):
                    return other
        raise NoisePrintError("a mismatched print needs examples of two noise types; the dev set has one")

    def for_example(self, example: dict[str, Any], mode: str) -> GivenPrint | None:
        """The print ``example`` is denoised with in ``mode`` (None: blind)."""
        if mode == "none":
            return None
        owner = example
        if example["part"] == "clean":
            if example["id"] not in self._stand_in:
                raise NoisePrintError("clean music takes a noise-alone example's print; the dev set has none")
            owner = self._stand_in[example["id"]]
        elif mode == "mismatched":
            owner = self._partner[example["id"]]
        if mode == "lead-in":
            lead_in = _read_mono(self.folder / owner["lead_in"]["audio"])
            return GivenPrint(lead_in=lead_in, source=owner["id"], sample_rate=self.sample_rate)
        if mode == "oracle":
            audio = _read_mono(self.folder / owner["noise"])
            noise_print = print_from_audio(audio, self.sample_rate, source=f"{owner['id']} (its own noise)")
            return GivenPrint(noise_print, audio, source=owner["id"], sample_rate=self.sample_rate)
        take = owner["print"]
        noise_print = NoisePrint.load(self.folder / take["print"])
        audio = _read_mono(self.folder / take["audio"])
        return GivenPrint(noise_print, audio, source=owner["id"], sample_rate=self.sample_rate)
