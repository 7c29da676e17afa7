"""``livedenoise bench stft``: cost of one STFT analysis and one synthesis call, warm and cold.

The audio callback wakes after sleeping a device period, with caches the rest of the machine has
used meanwhile; a kernel that is fast in a tight loop can be several times slower there. So each of
``analyze_frame`` and ``synthesize_frame`` is timed twice: back to back (warm), and with a sleep of
one 128-sample period at 48 kHz before every call (cold). Each call is made from Python, as
``analyze_into`` makes it, so the figures include numba's dispatch of the arguments.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from types import ModuleType

import numpy as np

from livedenoise.realtime import stft
from livedenoise.realtime.cli_types import int_in_range, non_negative_float

PERIOD_S = 128 / 48000


def call_times_us(call, n_calls: int, sleep_s: float) -> np.ndarray:
    """Wall time of each of ``n_calls`` calls of ``call()``, in microseconds, sleeping before each."""
    times = np.zeros(n_calls)
    for i in range(n_calls):
        if sleep_s:
            time.sleep(sleep_s)
        start = time.perf_counter_ns()
        call()
        times[i] = time.perf_counter_ns() - start
    return times / 1000.0


def measure(kernels: ModuleType, n_fft: int, hop_samples: int, n_channels: int, n_warm: int, n_cold: int,
            sleep_s: float) -> dict:
    """Median and p90 per call of ``kernels``' analysis and synthesis (a module shaped like ``stft``)."""
    config = kernels.StftConfig(n_fft, hop_samples)
    analyzer = kernels.StftAnalyzer(config, n_channels)
    synthesizer = kernels.StftSynthesizer(config, n_channels)
    rng = np.random.default_rng(0)
    hop = rng.standard_normal((n_channels, hop_samples)).astype(np.float32)
    out = np.zeros_like(hop)
    spectrum = np.zeros((n_channels, config.n_freqs), np.complex64)
    calls = {
        "analyze_frame": lambda: kernels.analyze_frame(hop, spectrum, *analyzer.buffers),
        "synthesize_frame": lambda: kernels.synthesize_frame(spectrum, out, *synthesizer.buffers),
    }
    figures = {}
    for name, call in calls.items():
        call_times_us(call, 200, 0.0)  # compile and settle
        warm = call_times_us(call, n_warm, 0.0)
        cold = call_times_us(call, n_cold, sleep_s)
        figures[name] = {
            "warm_p50_us": float(np.median(warm)), "warm_p90_us": float(np.percentile(warm, 90)),
            "cold_p50_us": float(np.median(cold)), "cold_p90_us": float(np.percentile(cold, 90)),
        }
    return figures


def print_figures(rows: dict[str, dict]) -> None:
    """``rows``: label -> ``measure``'s figures; one line per label and kernel."""
    print(f"{'':>10} {'kernel':<17} {'warm p50':>9} {'warm p90':>9} {'cold p50':>9} {'cold p90':>9}  (us per call)")
    for label, figures in rows.items():
        for name, f in figures.items():
            print(f"{label:>10} {name:<17} {f['warm_p50_us']:9.2f} {f['warm_p90_us']:9.2f} "
                  f"{f['cold_p50_us']:9.2f} {f['cold_p90_us']:9.2f}")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--n-fft", type=int_in_range(4, 1 << 16), default=1024, help="analysis window (default 1024)")
    parser.add_argument("--hop", type=int_in_range(1, 1 << 15), default=128, help="hop in samples (default 128)")
    parser.add_argument("--channels", type=int_in_range(1, 64), default=1)
    parser.add_argument("--calls", type=int_in_range(10, 1_000_000), default=400,
                        help="cold calls per kernel (default 400; ten times as many warm)")
    parser.add_argument("--sleep-ms", type=non_negative_float, default=1000 * PERIOD_S,
                        help=f"sleep before each cold call (default {1000 * PERIOD_S:.2f}, one 128-sample period at 48 kHz)")
    parser.add_argument("--json", type=Path, help="also write the figures here")


def run(args: argparse.Namespace) -> int:
    try:
        stft.StftConfig(args.n_fft, args.hop)
    except ValueError as error:
        args.parser.error(f"--n-fft/--hop: {error}")
    figures = measure(stft, args.n_fft, args.hop, args.channels, 10 * args.calls, args.calls, args.sleep_ms / 1000)
    print(f"n_fft {args.n_fft}, hop {args.hop}, {args.channels} channel(s), cold = {args.sleep_ms:.2f} ms sleep before each call")
    print_figures({"stft": figures})
    if args.json:
        args.json.write_text(json.dumps({"n_fft": args.n_fft, "hop_samples": args.hop, "n_channels": args.channels,
                                         "sleep_ms": args.sleep_ms, **figures}, indent=2) + "\n")
    return 0
