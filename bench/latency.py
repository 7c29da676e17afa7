"""``livedenoise bench latency``: per-hop compute time of the whole StreamingDenoiser on one thread.

Runs each model at each hop over a stretch of noisy test audio, hop by hop through
``process_into`` (the audio callback's path), and reports p50/p99/max per-hop time, the real-time
factor (compute time / audio time) and the algorithmic latency. Figures are printed and written as JSON.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path

import numpy as np

from livedenoise.realtime import __version__
from livedenoise.realtime.denoiser import StreamingDenoiser
from livedenoise.realtime.model_choice import open_runtime
from livedenoise.realtime.runtime import ModelLoadError


def test_signal(sample_rate: int, n_channels: int, seconds: float) -> np.ndarray:
    """A chord in pink-ish noise, ``(channels, samples)``: the bench needs audio, not silence."""
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    chord = sum(np.sin(2 * np.pi * f * t) for f in (82.4, 110.0, 146.8, 196.0)) * 0.1
    noise = np.cumsum(rng.standard_normal((n_channels, t.size)), axis=1)
    noise -= np.convolve(noise[0], np.ones(64) / 64, mode="same")
    return (chord + 0.01 * noise).astype(np.float32)


def measure(model: str, hop_samples: int, seconds: float, n_channels: int, provider: str) -> dict:
    runtime = open_runtime(model, provider=provider, hop_samples=hop_samples)
    denoiser = StreamingDenoiser(runtime, n_channels=n_channels)
    audio = test_signal(runtime.card.sample_rate, n_channels, seconds)
    out = np.zeros((n_channels, hop_samples), dtype=np.float32)
    for k in range(audio.shape[1] // hop_samples):
        denoiser.process_into(audio[:, k * hop_samples : (k + 1) * hop_samples], out)
    stats = denoiser.timing_stats()
    hop_us = 1e6 * hop_samples / runtime.card.sample_rate
    return {
        "model": model,
        "runtime": runtime.card.name,
        "provider": provider,
        "hop_samples": hop_samples,
        "n_channels": n_channels,
        "latency_samples": denoiser.latency_samples,
        "algorithmic_latency_ms": 1e3 * (hop_samples + denoiser.latency_samples) / runtime.card.sample_rate,
        "hop_us": hop_us,
        **stats,
        "p99_share_of_hop": stats["p99_us"] / hop_us,
    }


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--models", default="default,dsp,identity", help="comma-separated models (names or .onnx paths)")
    parser.add_argument("--hops", default="128,256", help="comma-separated hop sizes in samples")
    parser.add_argument("--seconds", type=float, default=20.0, help="audio per measurement")
    parser.add_argument("--channels", type=int, default=1)
    parser.add_argument("--provider", default="cpu", choices=("cpu", "cuda"))
    parser.add_argument("--json", type=Path, default=Path("bench-latency.json"), help="where to write the figures")


def run(args: argparse.Namespace) -> int:
    rows, skipped = [], []
    for model in args.models.split(","):
        for hop in (int(h) for h in args.hops.split(",")):
            try:
                rows.append(measure(model, hop, args.seconds, args.channels, args.provider))
            except ModelLoadError as exc:
                skipped.append({"model": model, "hop_samples": hop, "reason": str(exc)})
    print(f"{'model':<22}{'hop':>5}{'latency ms':>12}{'p50 us':>9}{'p99 us':>9}{'max us':>9}{'RTF':>8}{'p99/hop':>9}")
    for r in rows:
        print(
            f"{r['runtime']:<22}{r['hop_samples']:>5}{r['algorithmic_latency_ms']:>12.2f}{r['p50_us']:>9.1f}"
            f"{r['p99_us']:>9.1f}{r['max_us']:>9.1f}{r['real_time_factor']:>8.3f}{r['p99_share_of_hop']:>9.1%}"
        )
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
