"""``livedenoise file IN OUT``: denoise a file offline, aligned with its input."""

from __future__ import annotations

import argparse
from pathlib import Path

from livedenoise.realtime.file_mode import AudioFileError, denoise_file
from livedenoise.realtime.model_choice import open_runtime
from livedenoise.realtime.runtime import ModelLoadError


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags every command that runs a model shares."""
    group = parser.add_argument_group("model")
    group.add_argument("--model", default="default", help="default, dsp, identity, or a path to a .onnx model")
    group.add_argument("--provider", default="cpu", choices=("cpu", "cuda"), help="ONNX Runtime provider")
    group.add_argument("--strength-db", type=float, default=40.0, help="maximum attenuation in dB (default 40)")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", type=Path, help="audio file to denoise (WAV, FLAC, OGG, Opus, AIFF; any rate)")
    parser.add_argument("output", type=Path, help="where to write the result (never the input)")
    add_model_arguments(parser)
    parser.add_argument("--no-progress", action="store_true", help="never show a progress bar")


def run(args: argparse.Namespace) -> int:
    try:
        runtime = open_runtime(args.model, provider=args.provider)
        report = denoise_file(
            args.input, args.output, runtime, strength_db=args.strength_db,
            progress=False if args.no_progress else None,
        )
    except (AudioFileError, ModelLoadError, ValueError) as exc:
        args.parser.exit(1, f"livedenoise file: error: {exc}\n")
    resampled = f", resampled {report.sample_rate} Hz <-> {runtime.card.sample_rate} Hz" if report.resampled else ""
    print(
        f"{report.output_path}: {report.duration_s:.2f} s, {report.n_channels} ch, {report.sample_rate} Hz, "
        f"model {report.model}{resampled}; latency {1e3 * report.latency_samples / runtime.card.sample_rate:.2f} ms "
        f"(compensated), real-time factor {report.real_time_factor:.3f}"
        + (f"; {report.n_sanitized_samples} bad samples replaced" if report.n_sanitized_samples else "")
    )
    return 0
