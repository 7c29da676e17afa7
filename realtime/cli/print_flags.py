"""The noise-print flags, declared once for every command that takes a print.

``--noise-print PATH``: a recording of the room's noise alone, or a print saved by ``livedenoise
print``. Commands that read a file add ``--print-from START:END``: the print is made from those
seconds of the input itself (a take that starts with room noise). The two are exclusive. Live
commands add their own ways to learn one (the first seconds of the input) to the same group through
``add_print_arguments``.

``noise_print_from_args`` resolves the flags into a ``NoisePrint`` made at the model's STFT (or
None), and ``print_use_lines`` says which print is used and warns when it is short.

The live commands (``run``, ``tune``, ``gui``) take ``add_live_print_arguments``: ``--noise-print``,
``--learn-seconds S`` (learn the room from the input's first S seconds) and ``--print auto|freeze``
(refine the print from moments of noise alone, or keep it). ``live_print_settings`` turns them into
the engine's settings; the engine opens its model in its own process, so a print from a file is made
at the STFT every shipped model runs at, and the engine refuses one that does not fit its model.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from livedenoise.models.card import ModelCard
from livedenoise.models.stft_geometry import SAMPLE_RATE, StftConfig
from livedenoise.realtime.cli.arg_types import float_in_range
from livedenoise.realtime.engine.print_learner import MAX_SECONDS as MAX_LEARN_SECONDS
from livedenoise.realtime.engine.print_refiner import PRINT_MODES
from livedenoise.realtime.noise_print import (
    MIN_SECONDS,
    SHORT_SECONDS,
    NoisePrint,
    NoisePrintError,
    load_noise_print,
    print_from_file,
)


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


def add_live_print_arguments(parser: argparse.ArgumentParser, remembered: bool = False) -> None:
    """``--noise-print``, ``--learn-seconds`` and ``--print`` for a live command; ``remembered``: the app, whose
    defaults are what it used last time."""
    group = add_print_arguments(parser)
    group.add_argument(
        "--learn-seconds",
        type=float_in_range(MIN_SECONDS, MAX_LEARN_SECONDS),
        default=None,
        metavar="S",
        help=f"learn the room from the first S seconds of the input ({MIN_SECONDS:g}-{MAX_LEARN_SECONDS:g}; 3 is "
        "plenty; play nothing meanwhile), then denoise with that print",
    )
    default = "as last time" if remembered else "freeze"
    group.add_argument(
        "--print",
        dest="print_mode",
        choices=PRINT_MODES,
        default=None,
        help="auto: keep refining the print from moments that hold the room's noise alone (never from a note), "
        f"with a time constant of seconds; freeze: keep it as it is (default: {default})",
    )


def live_print_settings(args: argparse.Namespace, needs_print_for_auto: bool = True) -> dict:
    """The ``EngineSettings`` fields the live flags ask for: ``noise_print``, ``print_made_at``,
    ``learn_seconds``, ``print_mode``. A print that cannot be made, or a mistake, ends through the parser."""
    if args.noise_print is not None and args.learn_seconds is not None:
        args.parser.error("--noise-print and --learn-seconds: give one (a print, or learn one now)")
    mode = args.print_mode or "freeze"
    if needs_print_for_auto and mode == "auto" and args.noise_print is None and args.learn_seconds is None:
        args.parser.error(
            "--print auto refines a print: give one with --noise-print PATH or learn one with --learn-seconds S"
        )
    noise_print, made_at = None, None
    if args.noise_print is not None:
        config = StftConfig()
        try:
            noise_print = load_noise_print(args.noise_print, SAMPLE_RATE, config.n_fft, config.hop_samples)
        except NoisePrintError as exc:
            args.parser.exit(1, f"{args.parser.prog}: error: --noise-print {args.noise_print}: {exc}\n")
        made_at = args.noise_print.stat().st_mtime  # a saved print, or the noise's recording: made when written
    return {
        "noise_print": noise_print,
        "print_made_at": made_at,
        "learn_seconds": args.learn_seconds,
        "print_mode": mode,
    }
