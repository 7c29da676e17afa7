"""``livedenoise file IN OUT``: denoise a file offline, aligned with its input.

Both paths are checked before any work; an existing OUT is replaced only with ``--overwrite``.

With ``--noise-print NOISE`` (a recording of the room alone, or a saved print) or ``--print-from
START:END`` (seconds of IN itself), the model runs with that noise print; one line says which, and
a print under 2 s adds a warning.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from livedenoise.realtime.cli.gate_flags import add_gate_arguments, gate_settings
from livedenoise.realtime.cli.model_flags import add_model_arguments
from livedenoise.realtime.cli.print_flags import add_print_arguments, noise_print_from_args, print_use_lines
from livedenoise.realtime.file_mode import AudioFileError, check_paths, denoise_file
from livedenoise.realtime.noise_print import NoisePrintError
from livedenoise.realtime.runtimes.model_choice import open_runtime, with_noise_print
from livedenoise.realtime.runtimes.protocol import ModelLoadError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", type=Path, help="audio file to denoise (WAV, FLAC, OGG, Opus, AIFF, MP3; any rate)")
    parser.add_argument(
        "output", type=Path, help="where to write the result (never the input); its extension picks the format"
    )
    add_model_arguments(parser)
    add_print_arguments(parser, region=True)
    add_gate_arguments(parser)
    parser.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    parser.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists (default: refuse)")


def run(args: argparse.Namespace) -> int:
    gate = gate_settings(args)
    try:
        check_paths(args.input, args.output)  # before any work: the paths, then an existing output
        if args.output.exists() and not args.overwrite:
            raise AudioFileError(
                f"{args.output} exists; give --overwrite to replace it (a swapped INPUT and OUTPUT "
                "would otherwise lose a take)"
            )
        runtime = open_runtime(args.model, provider=args.provider)
        noise_print = noise_print_from_args(args, runtime.card, args.input)
        runtime = with_noise_print(runtime, noise_print)
        if noise_print is not None:
            used, warning = print_use_lines(noise_print)
            if warning is not None:
                print(warning, file=sys.stderr)
            print(used, flush=True)
        report = denoise_file(
            args.input,
            args.output,
            runtime,
            strength_db=args.strength_db,
            progress=False if args.no_progress else None,
            gate=gate,
        )
    except (AudioFileError, ModelLoadError, NoisePrintError) as exc:
        args.parser.exit(1, f"livedenoise file: error: {exc}\n")
    resampled = f", resampled {report.sample_rate} Hz <-> {runtime.card.sample_rate} Hz" if report.resampled else ""
    print(
        f"{report.output_path}: {report.duration_s:.2f} s, {report.n_channels} ch, {report.sample_rate} Hz, "
        f"model {report.model}{resampled}; real-time factor {report.real_time_factor:.3f}"
        + (f"; {report.n_sanitized_samples} bad samples replaced" if report.n_sanitized_samples else "")
        + (
            f"; the safety limit turned {report.n_limited_samples} samples down (they would have clipped)"
            if report.n_limited_samples
            else ""
        )
        + (
            ""
            if gate is None
            else f"; gate {gate.kind} opened {report.n_gate_opens} time{'' if report.n_gate_opens == 1 else 's'}"
        )
    )
    print(f"{report.latency.describe()}; compensated: the output lines up with the input")
    return 0
