"""``livedenoise bench latency``: per-hop compute time of the whole StreamingDenoiser on one thread.

Runs each model at each hop over a stretch of noisy test audio, hop by hop through
``process_into`` (the audio callback's path), and reports p50/p99/max per-hop time, the real-time
factor (compute time / audio time) and the latency (``Latency``). Figures are printed and written as JSON.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path

import numpy as np

from livedenoise.realtime import __version__
from livedenoise.realtime.cli.arg_types import int_in_range, positive_float
from livedenoise.realtime.cli.model_flags import add_model_arguments, model_list
from livedenoise.realtime.denoiser import StreamingDenoiser
from livedenoise.realtime.latency import Latency
from livedenoise.realtime.output_files import output_path
from livedenoise.realtime.runtimes.model_choice import open_runtime
from livedenoise.realtime.runtimes.protocol import ModelLoadError


def test_signal(sample_rate: int, n_channels: int, seconds: float) -> np.ndarray:
    """A chord in pink-ish noise, ``(channels, samples)``: the bench needs audio, not silence."""
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    chord = sum(np.sin(2 * np.pi * f * t) for f in (82.4, 110.0, 146.8, 196.0)) * 0.1
    noise = np.cumsum(rng.standard_normal((n_channels, t.size)), axis=1)
    noise -= np.convolve(noise[0], np.ones(64) / 64, mode="same")
    return (chord + 0.01 * noise).astype(np.float32)


def measure(
    model: str, hop_samples: int, seconds: float, n_channels: int, provider: str, strength_db: float
) -> tuple[dict, Latency]:
    runtime = open_runtime(model, provider=provider, hop_samples=hop_samples)
    denoiser = StreamingDenoiser(runtime, n_channels=n_channels, strength_db=strength_db)
    audio = test_signal(runtime.card.sample_rate, n_channels, seconds)
    out = np.zeros((n_channels, hop_samples), dtype=np.float32)
    for k in range(audio.shape[1] // hop_samples):
        denoiser.process_into(audio[:, k * hop_samples : (k + 1) * hop_samples], out)
    stats = denoiser.timing_stats()
    hop_us = 1e6 * hop_samples / runtime.card.sample_rate
    latency = Latency.of_denoiser(denoiser)
    return {
        "model": model,
        "runtime": runtime.card.name,
        "provider": getattr(runtime, "provider", "cpu"),
        "hop_samples": hop_samples,
        "n_channels": n_channels,
        "latency": latency.to_dict(),
        "hop_us": hop_us,
        **stats,
        "p99_share_of_hop": stats["p99_us"] / hop_us,
    }, latency


def configure(parser: argparse.ArgumentParser) -> None:
    add_model_arguments(parser, several=("default", "dsp", "identity"))
    parser.add_argument(
        "--hops",
        default="128",
        help="comma-separated hop sizes in samples (default 128; a trained model runs at its own hop only)",
    )
    parser.add_argument("--seconds", type=positive_float, default=20.0, help="audio per measurement")
    parser.add_argument("--channels", type=int_in_range(1, 64), default=1)
    parser.add_argument(
        "--json", type=output_path, default=Path("bench-latency.json"), help="where to write the figures"
    )


def run(args: argparse.Namespace) -> int:
    try:
        hops = [int(h) for h in args.hops.split(",")]
    except ValueError:
        args.parser.error(f"argument --hops: expected comma-separated integers, got {args.hops!r}")
    rows, skipped, latencies = [], [], {}
    for model in model_list(args):
        for hop in hops:
            try:
                row, latencies[hop] = measure(model, hop, args.seconds, args.channels, args.provider, args.strength_db)
                rows.append(row)
            except ModelLoadError as exc:
                skipped.append({"model": model, "hop_samples": hop, "reason": str(exc)})
    print(f"{'model':<22}{'hop':>5}{'latency ms':>12}{'p50 us':>9}{'p99 us':>9}{'max us':>9}{'RTF':>8}{'p99/hop':>9}")
    for r in rows:
        print(
            f"{r['runtime']:<22}{r['hop_samples']:>5}{r['latency']['algorithmic_ms']:>12.2f}{r['p50_us']:>9.1f}"
            f"{r['p99_us']:>9.1f}{r['max_us']:>9.1f}{r['real_time_factor']:>8.3f}{r['p99_share_of_hop']:>9.1%}"
        )
    for hop, latency in latencies.items():
        print(f"hop {hop}: {latency.describe()}")
    for s in skipped:
        print(f"{s['model']} at hop {s['hop_samples']}: skipped ({s['reason']})")
    report = {
        "livedenoise": __version__,
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "processor": platform.processor(),
        "seconds_per_measurement": args.seconds,
        "results": rows,
        "skipped": skipped,
    }
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.json}")
    return 0 if rows else 1
