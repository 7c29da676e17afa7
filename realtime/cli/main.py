"""The ``livedenoise`` command: one entry point, one module per subcommand.

Each subcommand module exposes ``configure(parser)`` and ``run(args) -> int`` and is imported only
when its command runs, so ``livedenoise file`` never loads Qt and ``livedenoise run`` never loads torch.

A mistake on the command line ends in one line that names the flag, with exit status 2; a
``LivedenoiseError`` that a command does not catch itself, in one line with exit status 1. SIGTERM
is handled as Ctrl-C is: the command cleans up (no half-written file is left), says
"interrupted", and exits with 128 + the signal's number. A reader that closes the pipe the output
goes to (`| head`) ends the command quietly, with 128 + SIGPIPE.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys

from livedenoise.models.errors import LivedenoiseError
from livedenoise.realtime import __version__

# name -> (module, one-line help)
SUBCOMMANDS = {
    "demo": ("livedenoise.realtime.cli.demo", "denoise the bundled demo clip and report what happened"),
    "file": ("livedenoise.realtime.cli.file", "denoise an audio file"),
    "batch": ("livedenoise.realtime.cli.batch", "denoise a folder of takes on every core, or on a Dask cluster"),
    "run": ("livedenoise.realtime.cli.run", "denoise live audio from an input device to an output device"),
    "tune": (
        "livedenoise.realtime.cli.tune",
        "a tuner on the denoised signal: live in the terminal, or over a recording",
    ),
    "devices": ("livedenoise.realtime.cli.devices", "list audio devices"),
    "print": ("livedenoise.realtime.cli.print", "learn, make and show noise prints: what the room sounds like"),
    "gui": ("livedenoise.realtime.gui.cli", "the desktop app: live spectrograms, meters, tuner and controls"),
    "bench": ("livedenoise.bench.cli", "measure latency, end-to-end timing and quality"),
    "data": ("livedenoise.training.data_cli", "fetch and manage training data (needs the [train] extra)"),
    "train": ("livedenoise.training.train_cli", "train a model from a TOML config (needs the [train] extra)"),
    "export": ("livedenoise.training.export_cli", "export a checkpoint to an ONNX step model (needs [train])"),
}


class OneLineErrorParser(argparse.ArgumentParser):
    """A usage mistake is one line naming the flag and a pointer to ``--help``, not the usage block."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class _Interrupted(KeyboardInterrupt):
    """SIGTERM, raised where the program is, so that the same cleanup as Ctrl-C runs."""

    def __init__(self, signal_number: int) -> None:
        super().__init__(signal_number)
        self.signal_number = signal_number


def _raise_interrupted(signal_number: int, _frame) -> None:
    raise _Interrupted(signal_number)


def get_parser() -> argparse.ArgumentParser:
    parser = OneLineErrorParser(prog="livedenoise", description="Real-time music denoiser.")
    parser.add_argument("--version", action="version", version=f"livedenoise {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_text) in SUBCOMMANDS.items():
        sub.add_parser(name, help=help_text, description=help_text, add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = get_parser()
    args, rest = parser.parse_known_args(argv[:1] if argv and argv[0] in SUBCOMMANDS else argv)
    if args.command is None:
        parser.print_help()
        return 2
    module_name, help_text = SUBCOMMANDS[args.command]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        parser.exit(
            1,
            f"livedenoise {args.command}: error: not available in this install ({exc.name} is missing): {help_text}\n",
        )
    sub_parser = OneLineErrorParser(prog=f"livedenoise {args.command}", description=help_text)
    module.configure(sub_parser)
    sub_args = sub_parser.parse_args(argv[1:])
    sub_args.parser = sub_parser
    signal.signal(signal.SIGTERM, _raise_interrupted)
    try:
        return int(module.run(sub_args) or 0)
    except LivedenoiseError as exc:  # what a command did not word itself still ends in one line
        print(f"livedenoise {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:
        print(f"\nlivedenoise {args.command}: interrupted", file=sys.stderr)
        return 128 + getattr(exc, "signal_number", signal.SIGINT)
    except BrokenPipeError:  # the reader went away (`| head`): end quietly, as a Unix tool does on SIGPIPE
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so that the exit's flush cannot fail
        return 128 + signal.SIGPIPE


if __name__ == "__main__":
    sys.exit(main())
