"""``livedenoise bench``: one module per benchmark, each with ``configure``/``run``."""

from __future__ import annotations

import argparse
import importlib

BENCHMARKS = {
    "latency": ("livedenoise.bench.latency", "per-hop compute time and real-time factor of the denoiser"),
    "batch": (
        "livedenoise.bench.batch",
        "throughput of batch at 1 and N jobs and on a Dask LocalCluster, in audio-hours per hour",
    ),
    "e2e": ("livedenoise.bench.e2e", "round trip through an audio device: end-to-end latency, xruns"),
    "gui": ("livedenoise.bench.gui", "frame rate of the desktop app while it animates (off screen)"),
    "parts": (
        "livedenoise.bench.parts",
        "music kept and noise left, apart: a model's masks from each mixture applied to its music and its noise",
    ),
    "quality": ("livedenoise.bench.quality", "SI-SDR, LSD, transparency, attenuation and tuner hit rate on a dev set"),
    "soak": ("livedenoise.bench.soak", "a long session of the engine beside a C client: unfinished cycles and memory"),
    "stft": (
        "livedenoise.bench.stft",
        "cost of one STFT analysis and one synthesis call, warm and after a sleep (cold caches)",
    ),
    "tuner": (
        "livedenoise.bench.tuner",
        "the tuner and the noise gate on plucked guitar notes in noise, front ends side by side",
    ),
}


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="benchmark", metavar="BENCHMARK", required=True)
    for name, (module_name, help_text) in BENCHMARKS.items():
        bench_parser = sub.add_parser(name, help=help_text, description=help_text)
        bench_parser.set_defaults(module_name=module_name)
        try:
            importlib.import_module(module_name).configure(bench_parser)
        except ImportError:
            bench_parser.set_defaults(unavailable=True)


def run(args: argparse.Namespace) -> int:
    if getattr(args, "unavailable", False):
        args.parser.error(f"benchmark '{args.benchmark}' is not available in this install")
    return importlib.import_module(args.module_name).run(args)
