"""The live output flags, declared once for ``run`` and ``tune``: input channels, output gain, the safety
limit, and (``run``) recording.

``--input-channels 2`` or ``1,2``: which of the input device's channels to hear, numbered from 1 (a
guitar on input 2 of a two-input interface); their count is the engine's channel count. ``--gain-db``
sets the output's level; the safety limit after it (on unless ``--no-limiter``) lets no sample leave
above -0.1 dBFS, with no latency, and counts the samples it turns down. ``--record OUT.flac`` writes
the denoised signal to a file from this process (``TapRecorder``), never from the audio callback.
"""

from __future__ import annotations

import argparse

from livedenoise.realtime.cli.arg_types import float_in_range
from livedenoise.realtime.limiter import MAX_GAIN_DB
from livedenoise.realtime.output_files import output_path

MAX_CHANNEL = 64
RECORDING_SUFFIXES = (".flac", ".wav", ".aiff", ".aif", ".ogg", ".oga")


def channel_list(text: str) -> tuple[int, ...]:
    """``2`` or ``1,2``: channel numbers from 1, each once."""
    try:
        channels = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected channel numbers such as 2 or 1,2, got {text!r}") from None
    if not all(1 <= c <= MAX_CHANNEL for c in channels) or len(set(channels)) != len(channels):
        raise argparse.ArgumentTypeError(f"channels are numbered 1-{MAX_CHANNEL}, each once; got {text}")
    return channels


def new_recording_path(text: str):
    """A file that does not exist yet (a recording never replaces a take), in a folder that can be written."""
    path = output_path(text)
    if path.suffix.lower() not in RECORDING_SUFFIXES:
        raise argparse.ArgumentTypeError(f"cannot record to {path}: use {', '.join(RECORDING_SUFFIXES)}")
    if path.exists():
        raise argparse.ArgumentTypeError(f"{path} exists; choose another name (a recording never replaces a file)")
    return path


def add_output_arguments(parser: argparse.ArgumentParser, record: bool = False) -> None:
    group = parser.add_argument_group("input channels and output")
    group.add_argument(
        "--input-channels",
        type=channel_list,
        default=None,
        metavar="N[,N...]",
        help="the input device's channels to denoise, from 1 (such as 2, or 1,2 for a linked pair); "
        "default: the first ones",
    )
    group.add_argument(
        "--gain-db",
        type=float_in_range(-120.0, MAX_GAIN_DB),
        default=0.0,
        metavar="DB",
        help=f"output gain in dB, up to +{MAX_GAIN_DB:g} (default 0), before the safety limit",
    )
    group.add_argument(
        "--no-limiter",
        action="store_true",
        help="no safety limit on the output (default: on; nothing leaves above -0.1 dBFS, no latency "
        "added, and the status line counts the samples it turns down)",
    )
    if record:
        group.add_argument(
            "--record",
            type=new_recording_path,
            default=None,
            metavar="OUT",
            help="also write the denoised signal to OUT (.flac, .wav, .ogg; a new file), from this "
            "process: the channels' mean, before the output gain (an integer format is kept under full "
            "scale by the same safety limit)",
        )


def output_settings(args: argparse.Namespace, channels: int) -> dict:
    """``EngineSettings`` fields for the flags; ``channels``: what the command asks for otherwise (``--channels``)."""
    input_channels = args.input_channels
    if input_channels is not None and channels not in (1, len(input_channels)):  # 1: --channels left as it was
        args.parser.error(
            f"--input-channels {','.join(map(str, input_channels))} is {len(input_channels)} channel(s) "
            f"and --channels {channels}: give one of them"
        )
    return {
        "input_channels": input_channels,
        "channels": channels if input_channels is None else len(input_channels),
        "output_gain_db": args.gain_db,
        "limiter": not args.no_limiter,
    }
