"""``livedenoise batch IN... --out DIR``: denoise a folder of takes on every core, or on a Dask cluster.

Exit status: 0 when every take is done (or was already); otherwise the number of takes that failed
(at most 100); 125 when the batch cannot start at all (a model that does not load, an output folder
that cannot be made, a noise print that cannot be read); 128 + the signal's number after Ctrl-C or
SIGTERM. A usage mistake is status 2, before anything runs, as in every command.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from livedenoise.realtime.batch.local_pool import LocalPool
from livedenoise.realtime.batch.report import summary, write_report
from livedenoise.realtime.batch.runner import run_batch
from livedenoise.realtime.batch.take_print import PrintChoice
from livedenoise.realtime.batch.takes import AUDIO_SUFFIXES, find_takes
from livedenoise.realtime.batch.task import DONE, FAILED, INTERRUPTED, SKIPPED, TakeOptions
from livedenoise.realtime.cli.arg_types import int_in_range, positive_float
from livedenoise.realtime.cli.gate_flags import add_gate_arguments, gate_settings
from livedenoise.realtime.cli.model_flags import add_model_arguments
from livedenoise.realtime.cli.print_flags import add_print_arguments, noise_print_from_args, print_use_lines
from livedenoise.realtime.noise_print import NoisePrintError
from livedenoise.realtime.runtimes.model_choice import open_runtime
from livedenoise.realtime.runtimes.protocol import ModelLoadError

MAX_FAILED_STATUS = 100
CANNOT_START_STATUS = 125
DEFAULT_LEAD_S = 2.0


def _n_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "inputs",
        nargs="+",
        metavar="IN",
        help="audio files, folders (searched recursively) or globs ('takes/**/*.wav')",
    )
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help="output folder; the outputs mirror the inputs' folders under it",
    )
    parser.add_argument(
        "--format",
        choices=[s.lstrip(".") for s in AUDIO_SUFFIXES],
        default=None,
        help="write every output in this format (default: each input's own)",
    )
    add_model_arguments(parser)
    add_gate_arguments(parser)
    prints = add_print_arguments(parser, region=True)
    prints.add_argument(
        "--print",
        dest="print_kind",
        choices=("lead",),
        default=None,
        help="lead: learn each take's print from its opening seconds, where they hold noise alone "
        "(steady, and well below the rest); a take whose opening is not is denoised blind, with a warning",
    )
    prints.add_argument(
        "--print-lead-s",
        type=positive_float,
        default=DEFAULT_LEAD_S,
        metavar="S",
        help=f"the opening seconds --print lead learns from (default {DEFAULT_LEAD_S:g})",
    )
    workers = parser.add_argument_group("workers")
    workers.add_argument(
        "--jobs",
        type=int_in_range(1, 4096),
        default=None,
        metavar="N",
        help=f"worker processes on this machine (default: the cores, {_n_cores()} here)",
    )
    workers.add_argument(
        "--dask",
        metavar="ADDRESS",
        default=None,
        help="send the takes to this Dask scheduler (tcp://host:8786; needs the cluster extra); "
        "its workers must see the inputs and --out at the same paths",
    )
    parser.add_argument("--force", action="store_true", help="redo takes already done with the same options")
    parser.add_argument(
        "--report",
        type=Path,
        default=None,
        metavar="JSON",
        help="write a summary: per take its duration, time, real-time factor, print and error",
    )
    parser.add_argument("--no-progress", action="store_true", help="never show a progress bar")


def _print_choice(args: argparse.Namespace) -> PrintChoice:
    """Each take's print: ``--noise-print`` for all, ``--print-from`` of each, or ``--print lead``."""
    if args.print_kind == "lead":
        if args.noise_print is not None or args.print_from is not None:
            args.parser.error(
                "--print lead learns each take's own print: give it without --noise-print or --print-from"
            )
        return PrintChoice(lead_s=args.print_lead_s)
    # absolute: a Dask worker may run in another folder
    noise_print_path = None if args.noise_print is None else args.noise_print.absolute()
    return PrintChoice(noise_print_path=noise_print_path, region_s=args.print_from)


def _cannot_start(args: argparse.Namespace, message: str):
    args.parser.exit(CANNOT_START_STATUS, f"livedenoise batch: error: {message}\n")


def run(args: argparse.Namespace) -> int:
    if args.dask is not None and args.jobs is not None:
        args.parser.error("--jobs is for workers on this machine; a Dask cluster runs as many as it has")
    options = TakeOptions(args.model, args.provider, args.strength_db, gate_settings(args), _print_choice(args))
    try:
        shared_print = noise_print_from_args(args, open_runtime(args.model, provider=args.provider).card)
        args.out.mkdir(parents=True, exist_ok=True)
    except (ModelLoadError, NoisePrintError) as exc:
        _cannot_start(args, str(exc))
    except OSError as exc:
        _cannot_start(args, f"cannot make the output folder {args.out}: {exc.strerror}")
    if shared_print is not None:
        for line in print_use_lines(shared_print):
            if line:
                print(f"livedenoise batch: {line}", file=sys.stderr)
    takes, refusals = find_takes(args.inputs, args.out, args.format)
    if not takes and not refusals:
        _cannot_start(args, f"no audio files ({', '.join(AUDIO_SUFFIXES)}) in {' '.join(args.inputs)}")
    try:
        if args.dask is not None:
            from livedenoise.realtime.batch.dask_pool import DaskPool

            pool = DaskPool(args.dask)
        else:
            pool = LocalPool(args.jobs or _n_cores())
    except RuntimeError as exc:
        _cannot_start(args, str(exc))
    with pool:
        outcome = run_batch(takes, refusals, options, pool, args.out, force=args.force, progress=not args.no_progress)
    if args.report is not None:
        try:
            write_report(args.report, summary(outcome, options.identity(), pool.describe()))
        except OSError as exc:
            print(f"livedenoise batch: cannot write the report {args.report}: {exc}", file=sys.stderr)
    hours = outcome.audio_done_s / 3600.0
    rate = f" ({hours / (outcome.elapsed_s / 3600.0):.1f} audio-hours per hour)" if outcome.elapsed_s and hours else ""
    print(
        f"{outcome.count(DONE)} done, {outcome.count(SKIPPED)} skipped, {outcome.count(FAILED)} failed"
        + (f", {outcome.count(INTERRUPTED)} interrupted" if outcome.count(INTERRUPTED) else "")
        + f" of {len(outcome.results)} takes; {hours:.3f} h of audio in {outcome.elapsed_s:.1f} s{rate} "
        f"on {pool.describe()}"
    )
    if outcome.signal_number is not None:
        print("livedenoise batch: interrupted; run the same command again to go on", file=sys.stderr)
        return 128 + outcome.signal_number
    return min(outcome.count(FAILED), MAX_FAILED_STATUS)
