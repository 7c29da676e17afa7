"""The noise-print flags, declared once for every command that takes a print.

``--noise-print PATH``: a recording of the room's noise alone, or a print saved by ``livedenoise
print``. Commands that read a file add ``--print-from START:END``: the print is made from those
seconds of the input itself (a take that starts with room noise). The two are exclusive. Live
commands add their own ways to learn one (the first seconds of the input) to the same group through
``add_print_arguments``.

``noise_print_from_args`` resolves the flags into a ``NoisePrint`` made at the model's STFT (or
None), and ``print_use_lines`` says which print is used and warns when it is short.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from livedenoise.models.card import ModelCard
from livedenoise.realtime.noise_print import SHORT_SECONDS, NoisePrint, load_noise_print, print_from_file


def seconds_region(text: str) -> tuple[float, float]:
    """``START:END`` in seconds, ``0 <= START < END``."""
    start, colon, end = text.partition(":")
    try:
        region = (float(start), float(end)) if colon else None
    except ValueError:
        region = None
    if region is None or not all(math.isfinite(v) for v in region):
        raise argparse.ArgumentTypeError(f"expected START:END in seconds (such as 0:3), got {text!r}")
    if not 0.0 <= region[0] < region[1]:
        raise argparse.ArgumentTypeError(f"START must be >= 0 and END after it, got {text}")
    return region


def add_print_arguments(parser: argparse.ArgumentParser, region: bool = False) -> argparse._ArgumentGroup:
    """Add ``--noise-print`` (and with ``region``, ``--print-from``); returns the group, for a command's own ways."""
    group = parser.add_argument_group("noise print (what the room sounds like)")
    exclusive = group.add_mutually_exclusive_group()
    exclusive.add_argument(
        "--noise-print",
        type=Path,
        default=None,
        metavar="PATH",
        help="a recording of the room's noise alone (any audio file, at least 0.5 s; 2 s or more is better) or a "
        "print saved by `livedenoise print`: dsp removes that noise instead of tracking the floor, the default "
        "model joins its gain with it",
    )
    if region:
        exclusive.add_argument(
            "--print-from",
            type=seconds_region,
            default=None,
            metavar="START:END",
            help="make the print from these seconds of the input itself, where only the room is heard",
        )
    return group


def noise_print_from_args(
    args: argparse.Namespace, card: ModelCard, input_path: Path | None = None
) -> NoisePrint | None:
    """The print the flags ask for, made at ``card``'s STFT, or None; ``NoisePrintError`` when it cannot be made."""
    geometry = {"sample_rate": card.sample_rate, "n_fft": card.n_fft, "hop_samples": card.hop_samples}
    if args.noise_print is not None:
        return load_noise_print(args.noise_print, **geometry)
    region = getattr(args, "print_from", None)
    if region is not None and input_path is not None:
        return print_from_file(input_path, region[0], region[1], **geometry)
    return None


def print_use_lines(noise_print: NoisePrint) -> tuple[str, str | None]:
    """The line saying which print is used, and a warning line when it is short (else None)."""
    warning = None
    if noise_print.is_short:
        warning = (
            f"warning: the noise print is {noise_print.duration_s:.1f} s long; {SHORT_SECONDS:g} s or more of the "
            "noise alone give a steadier print"
        )
    return f"using {noise_print.describe()}", warning
