"""``livedenoise demo``: denoise the bundled demo clip and say what happened.

The clip is a real guitar with real vinyl hiss (see ``realtime/data/README.md``). Both the noisy
input and the denoised result are written, so they can be compared by ear.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from livedenoise.realtime.file_cli import add_model_arguments
from livedenoise.realtime.file_mode import denoise_file
from livedenoise.realtime.model_choice import open_runtime

DEMO_CLIP = Path(__file__).resolve().parent / "data" / "demo-guitar-vinyl.flac"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output-dir", type=Path, default=Path("out"), help="where to write the clips (default ./out)")
    add_model_arguments(parser)


def run(args: argparse.Namespace) -> int:
    args.output_dir.mkdir(parents=True, exist_ok=True)
    noisy = args.output_dir / "demo-noisy.flac"
    denoised = args.output_dir / "demo-denoised.flac"
    shutil.copyfile(DEMO_CLIP, noisy)
    runtime = open_runtime(args.model, provider=args.provider)
    report = denoise_file(noisy, denoised, runtime, strength_db=args.strength_db, progress=False)
    latency_ms = 1e3 * report.latency_samples / runtime.card.sample_rate
    hop_ms = 1e3 * runtime.card.hop_samples / runtime.card.sample_rate
    print(f"model:     {runtime.card.name} (hop {runtime.card.hop_samples} samples at {runtime.card.sample_rate} Hz)")
    print(f"input:     {noisy} ({report.duration_s:.1f} s, {report.n_channels} ch, {report.sample_rate} Hz)")
    print(f"output:    {denoised} (same length, aligned with the input)")
    print(f"latency:   {hop_ms + latency_ms:.2f} ms algorithmic ({hop_ms:.2f} ms framing + {latency_ms:.2f} ms overlap-add)")
    print(f"speed:     real-time factor {report.real_time_factor:.3f} (file mode, resampling included)")
    return 0
