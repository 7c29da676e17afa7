"""The live device flags, declared once for ``run`` and ``tune``: ``--input``, ``--output``, ``--blocksize``."""

from __future__ import annotations

import argparse

from livedenoise.realtime.cli.arg_types import int_in_range

MAX_BLOCKSIZE = 8192  # JACK's largest period; anything longer is not live


def add_device_arguments(
    parser: argparse.ArgumentParser, output_help: str = "output device: index or name substring"
) -> None:
    parser.add_argument("--input", default=None, metavar="DEV", help="input device: index or name substring")
    parser.add_argument("--output", default=None, metavar="DEV", help=output_help)
    parser.add_argument(
        "--blocksize",
        type=int_in_range(1, MAX_BLOCKSIZE),
        default=128,
        help=f"device block in samples, 1-{MAX_BLOCKSIZE} (default 128)",
    )
