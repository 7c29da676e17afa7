"""Argument types for the command line: a bad value is refused by the parser, in one line naming the flag.

argparse reports an ``ArgumentTypeError`` as ``argument --flag: <message>``, so each message says
only what the value must be and what was given.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable


def _number(text: str, kind: type) -> float | int:
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected {'an integer' if kind is int else 'a number'}, got {text!r}"
        ) from None


def positive_float(text: str) -> float:
    """A finite number > 0 (a duration)."""
    value = _number(text, float)
    if not (math.isfinite(value) and value > 0.0):
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {text}")
    return value


def non_negative_float(text: str) -> float:
    """A number >= 0; ``inf`` allowed (no limit)."""
    value = _number(text, float)
    if math.isnan(value) or value < 0.0:
        raise argparse.ArgumentTypeError(f"must be >= 0 (inf: no limit), got {text}")
    return value


def _in_range(kind: type, low: float, high: float) -> Callable[[str], float | int]:
    shown = str if kind is int else "{:g}".format

    def parse(text: str) -> float | int:
        value = _number(text, kind)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {shown(low)} to {shown(high)}, got {text.strip()}")
        return value

    return parse


def int_in_range(low: int, high: int) -> Callable[[str], int]:
    """An integer within ``[low, high]``."""
    return _in_range(int, low, high)


def float_in_range(low: float, high: float) -> Callable[[str], float]:
    """A number within ``[low, high]`` (``high`` may be ``inf``)."""
    return _in_range(float, low, high)
