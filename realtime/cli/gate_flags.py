"""The ``--gate`` flags, declared once for ``run`` and ``file``: the noise gate's kind and parameters."""

from __future__ import annotations

import argparse
import math

from livedenoise.realtime.cli.arg_types import float_in_range
from livedenoise.realtime.gate import DEFAULT_THRESHOLD_DB, GATE_KINDS, MAX_TIME_MS, GateSettings

# GateSettings field -> (flag, type, help)
GATE_FLAGS = {
    "threshold_db": (
        "--gate-threshold-db",
        float_in_range(-200.0, 200.0),
        "opens at this level: peak dBFS of the denoised signal (level; default "
        f"{DEFAULT_THRESHOLD_DB['level']:g}) or dB of music kept over noise removed (mask; default "
        f"{DEFAULT_THRESHOLD_DB['mask']:g})",
    ),
    "hysteresis_db": (
        "--gate-hysteresis-db",
        float_in_range(0.0, 100.0),
        f"closes only below threshold minus this (default {GateSettings.hysteresis_db:g})",
    ),
    "attack_ms": (
        "--gate-attack-ms",
        float_in_range(0.0, MAX_TIME_MS),
        f"fade-in time when it opens (default {GateSettings.attack_ms:g})",
    ),
    "hold_ms": (
        "--gate-hold-ms",
        float_in_range(0.0, MAX_TIME_MS),
        f"stays open this long after the signal falls below the closing level (default {GateSettings.hold_ms:g})",
    ),
    "release_ms": (
        "--gate-release-ms",
        float_in_range(0.0, MAX_TIME_MS),
        f"fade-out time when it closes (default {GateSettings.release_ms:g})",
    ),
    "range_db": (
        "--gate-range-db",
        float_in_range(1.0, math.inf),
        f"attenuation when shut; inf for silence (default {GateSettings.range_db:g})",
    ),
}


def add_gate_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("noise gate")
    group.add_argument(
        "--gate",
        choices=GATE_KINDS,
        default=None,
        help="gate the denoised signal: level (a classic gate on its level) or mask (opens when the "
        "model hears music, whatever the noise level); default: no gate",
    )
    for name, (flag, kind, help_text) in GATE_FLAGS.items():
        group.add_argument(flag, dest=f"gate_{name}", type=kind, default=None, metavar="X", help=help_text)


def gate_settings(args: argparse.Namespace) -> GateSettings | None:
    """The gate the flags ask for, or None; a parameter without ``--gate`` is a usage error."""
    given = {name: getattr(args, f"gate_{name}") for name in GATE_FLAGS if getattr(args, f"gate_{name}") is not None}
    if args.gate is None:
        if given:
            args.parser.error(f"{GATE_FLAGS[next(iter(given))][0]} needs --gate level or --gate mask")
        return None
    try:
        return GateSettings(kind=args.gate, **given)
    except ValueError as exc:
        args.parser.error(f"--gate: {exc}")
