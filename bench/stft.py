"""``livedenoise bench stft``: cost of one STFT analysis and one synthesis call, warm and cold.

The audio callback wakes after sleeping a device period, with caches the rest of the machine has
used meanwhile; a kernel that is fast in a tight loop can be several times slower there. So each of
``analyze_frame`` and ``synthesize_frame`` is timed back to back (warm) and with a sleep of one
128-sample period at 48 kHz before every call (cold), two ways:

- ``compiled``: timed inside a compiled caller, as the denoiser's own compiled steps call them;
  the kernel alone.
- ``python``: one call from Python, as ``analyze_into`` makes it, with numba's dispatch of the
  arguments; the row ``dispatch`` is that part alone (a compiled function that only returns).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import time
from types import ModuleType

import numpy as np
from numba import njit

from livedenoise.realtime import stft
from livedenoise.realtime.cli.arg_types import int_in_range, non_negative_float
from livedenoise.realtime.output_files import output_path

PERIOD_S = 128 / 48000
CLOCK_MONOTONIC = 1

_clock_gettime = ctypes.CDLL(None).clock_gettime
_clock_gettime.argtypes = [ctypes.c_int, ctypes.c_void_p]
_clock_gettime.restype = ctypes.c_int


@njit(cache=True, nogil=True)
def _return_at_once(*arrays):
    return 0


def timed_in_compiled_code(kernel):
    """A compiled ``f(clock, *args)`` that calls ``kernel(*args)`` and returns its wall time in ns.

    ``clock`` is an int64 array of 4 (two timespecs), preallocated by the caller.
    """

    @njit(nogil=True)
    def timed(clock, *args):
        _clock_gettime(CLOCK_MONOTONIC, clock.ctypes.data)
        kernel(*args)
        _clock_gettime(CLOCK_MONOTONIC, clock[2:].ctypes.data)
        return (clock[2] - clock[0]) * 1_000_000_000 + clock[3] - clock[1]

    return timed


def call_times_us(call, n_calls: int, sleep_s: float, self_timed: bool = False) -> np.ndarray:
    """Time of each of ``n_calls`` calls of ``call()`` in microseconds, sleeping ``sleep_s`` before each.

    The wall time around the call, or, ``self_timed``, the time in ns that ``call()`` returns.
    """
    times = np.zeros(n_calls)
    for i in range(n_calls):
        if sleep_s:
            time.sleep(sleep_s)
        if self_timed:
            times[i] = call()
        else:
            start = time.perf_counter_ns()
            call()
            times[i] = time.perf_counter_ns() - start
    return times / 1000.0


def measure(
    kernels: ModuleType, n_fft: int, hop_samples: int, n_channels: int, n_warm: int, n_cold: int, sleep_s: float
) -> dict:
    """Per-call figures of ``kernels``' analysis and synthesis (a module shaped like ``stft``)."""
    config = kernels.StftConfig(n_fft, hop_samples)
    analyzer = kernels.StftAnalyzer(config, n_channels)
    synthesizer = kernels.StftSynthesizer(config, n_channels)
    rng = np.random.default_rng(0)
    hop = rng.standard_normal((n_channels, hop_samples)).astype(np.float32)
    out = np.zeros_like(hop)
    spectrum = np.zeros((n_channels, config.n_freqs), np.complex64)
    clock = np.zeros(4, dtype=np.int64)
    timed_analysis = timed_in_compiled_code(kernels.analyze_frame)
    timed_synthesis = timed_in_compiled_code(kernels.synthesize_frame)
    calls = {
        "dispatch": (None, lambda: _return_at_once(hop, spectrum, *analyzer.buffers)),
        "analyze_frame": (
            lambda: timed_analysis(clock, hop, spectrum, *analyzer.buffers),
            lambda: kernels.analyze_frame(hop, spectrum, *analyzer.buffers),
        ),
        "synthesize_frame": (
            lambda: timed_synthesis(clock, spectrum, out, *synthesizer.buffers),
            lambda: kernels.synthesize_frame(spectrum, out, *synthesizer.buffers),
        ),
    }
    figures = {}
    for name, (compiled, from_python) in calls.items():
        row = {}
        for way, call in (("compiled", compiled), ("python", from_python)):
            if call is None:
                continue
            self_timed = way == "compiled"
            call_times_us(call, 200, 0.0, self_timed)  # compile and settle
            warm = call_times_us(call, n_warm, 0.0, self_timed)
            cold = call_times_us(call, n_cold, sleep_s, self_timed)
            row[way] = {
                "warm_p50_us": float(np.median(warm)),
                "cold_p50_us": float(np.median(cold)),
                "cold_p90_us": float(np.percentile(cold, 90)),
            }
        figures[name] = row
    return figures


def print_figures(rows: dict[str, dict]) -> None:
    """``rows``: label -> ``measure``'s figures; one line per label, kernel and way of calling."""
    print(f"{'':>6} {'kernel':<17} {'called':<9} {'warm p50':>9} {'cold p50':>9} {'cold p90':>9}  (us per call)")
    for label, figures in rows.items():
        for name, row in figures.items():
            for way, f in row.items():
                print(
                    f"{label:>6} {name:<17} {way:<9} {f['warm_p50_us']:9.2f} {f['cold_p50_us']:9.2f} "
                    f"{f['cold_p90_us']:9.2f}"
                )


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--n-fft", type=int_in_range(4, 1 << 16), default=1024, help="analysis window (default 1024)")
    parser.add_argument("--hop", type=int_in_range(1, 1 << 15), default=128, help="hop in samples (default 128)")
    parser.add_argument("--channels", type=int_in_range(1, 64), default=1)
    parser.add_argument(
        "--calls",
        type=int_in_range(10, 1_000_000),
        default=400,
        help="cold calls per kernel and way of calling (default 400; ten times as many warm)",
    )
    parser.add_argument(
        "--sleep-ms",
        type=non_negative_float,
        default=1000 * PERIOD_S,
        help=f"sleep before each cold call (default {1000 * PERIOD_S:.2f}: one 128-sample period at 48 kHz)",
    )
    parser.add_argument("--json", type=output_path, help="also write the figures here")


def run(args: argparse.Namespace) -> int:
    try:
        stft.StftConfig(args.n_fft, args.hop)
    except ValueError as error:
        args.parser.error(f"--n-fft/--hop: {error}")
    figures = measure(stft, args.n_fft, args.hop, args.channels, 10 * args.calls, args.calls, args.sleep_ms / 1000)
    print(
        f"n_fft {args.n_fft}, hop {args.hop}, {args.channels} channel(s), "
        f"cold: {args.sleep_ms:.2f} ms sleep before each call"
    )
    print_figures({"stft": figures})
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "n_fft": args.n_fft,
                    "hop_samples": args.hop,
                    "n_channels": args.channels,
                    "sleep_ms": args.sleep_ms,
                    **figures,
                },
                indent=2,
            )
            + "\n"
        )
    return 0
