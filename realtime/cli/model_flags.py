"""The ``--model``, ``--provider`` and ``--strength-db`` flags, declared once for every command, and
the live engine's ``--same-hop-mask``.

Every command that runs a model takes the same three flags with the same defaults: the shipped
model, the CPU, 40 dB. Benchmarks that compare models side by side take a comma-separated list in
the same ``--model`` flag (``--models`` is kept as its other spelling), the shipped model first,
with the references they are measured against by default.
"""

from __future__ import annotations

import argparse

from livedenoise.realtime.cli.arg_types import non_negative_float
from livedenoise.realtime.runtimes.model_choice import BUILTIN_MODELS, PROVIDER_CHOICES

DEFAULT_STRENGTH_DB = 40.0
MODEL_HELP = (
    "default (the shipped trained model), dsp (noise-floor baseline: without a noise print it takes a note held "
    "longer than 2 s for noise, 35-40 dB down after 3 s; with --noise-print it keeps held notes), identity "
    "(pass-through), "
    "a path to an exported .onnx step model, or a .pt training checkpoint (needs the [train] extra)"
)


def add_model_arguments(parser: argparse.ArgumentParser, several: tuple[str, ...] = (), also: str = "") -> None:
    """Add the shared model flags; with ``several`` (the default list), ``--model`` takes a comma-separated list;
    ``also`` names what else this command's ``--model`` accepts."""
    group = parser.add_argument_group("model")
    if several:
        group.add_argument(
            "--model",
            "--models",
            dest="model",
            default=",".join(several),
            metavar="MODEL[,MODEL...]",
            help=f"comma-separated, measured side by side; each one of: {MODEL_HELP}{'; ' + also if also else ''} "
            f"(default: {','.join(several)})",
        )
    else:
        group.add_argument(
            "--model", default=BUILTIN_MODELS[0], metavar="MODEL", help=f"{MODEL_HELP} (default: default)"
        )
    group.add_argument(
        "--provider",
        default="cpu",
        choices=PROVIDER_CHOICES,
        help="ONNX Runtime device: cpu (default), cuda (an error if no usable GPU), or auto (CUDA when it loads, "
        "else the CPU, said in one line)",
    )
    group.add_argument(
        "--strength-db",
        type=non_negative_float,
        default=DEFAULT_STRENGTH_DB,
        help=f"maximum attenuation in dB, >= 0; inf for no limit (default {DEFAULT_STRENGTH_DB:g})",
    )


def add_mask_timing_argument(parser: argparse.ArgumentParser) -> None:
    """``--same-hop-mask``, for the commands that run the live engine."""
    parser.add_argument(
        "--same-hop-mask",
        action="store_true",
        help="filter each hop with its own frame's mask, the model stepping inside the audio callback, as in file "
        "mode (default: the mask the model made from the frames before, on its own thread, so the callback never "
        "waits for it)",
    )


def model_list(args: argparse.Namespace) -> list[str]:
    """The models a ``several`` command was given, in order."""
    return [m.strip() for m in args.model.split(",") if m.strip()]
