"""``livedenoise demo``: denoise the bundled demo clip and say what happened.

The clip is a real guitar with real vinyl hiss (see ``realtime/data/README.md``). Both the noisy
input and the denoised result are written, so they can be compared by ear.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from livedenoise.realtime.cli.model_flags import add_model_arguments
from livedenoise.realtime.file_mode import AudioFileError, denoise_file
from livedenoise.realtime.runtimes.model_choice import open_runtime
from livedenoise.realtime.runtimes.protocol import ModelLoadError

DEMO_CLIP = Path(__file__).resolve().parent.parent / "data" / "demo-guitar-vinyl.flac"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output-dir", type=Path, default=Path("out"), help="where to write the clips (default ./out)")
    add_model_arguments(parser)


def run(args: argparse.Namespace) -> int:
    noisy = args.output_dir / "demo-noisy.flac"
    denoised = args.output_dir / "demo-denoised.flac"
    try:
        args.output_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(DEMO_CLIP, noisy)
        runtime = open_runtime(args.model, provider=args.provider)
        report = denoise_file(noisy, denoised, runtime, strength_db=args.strength_db, progress=False)
    except OSError as exc:
        args.parser.exit(1, f"livedenoise demo: error: cannot write into {args.output_dir}: {exc.strerror}\n")
    except (AudioFileError, ModelLoadError) as exc:
        args.parser.exit(1, f"livedenoise demo: error: {exc}\n")
    print(f"model:     {runtime.card.name} (hop {runtime.card.hop_samples} samples at {runtime.card.sample_rate} Hz)")
    print(f"input:     {noisy} ({report.duration_s:.1f} s, {report.n_channels} ch, {report.sample_rate} Hz)")
    print(f"output:    {denoised} (same length, aligned with the input)")
    print(f"latency:   {report.latency.describe().removeprefix('latency ')}")
    print(f"speed:     real-time factor {report.real_time_factor:.3f} (file mode, resampling included)")
    return 0
