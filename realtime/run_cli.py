"""``livedenoise run``: headless live denoising with a one-line status refreshed in place."""

from __future__ import annotations

import argparse
import os
import sys
import time

from livedenoise.realtime.devices import DeviceError
from livedenoise.realtime.engine import AudioEngine, EngineError
from livedenoise.realtime.model_choice import open_runtime
from livedenoise.realtime.runtime import ModelLoadError

STATUS_PERIOD_S = 0.25


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", default=None, metavar="DEV", help="input device: index or name substring")
    parser.add_argument("--output", default=None, metavar="DEV", help="output device: index or name substring")
    parser.add_argument("--blocksize", type=int, default=128, help="device block in samples (default 128)")
    parser.add_argument("--channels", type=int, default=1)
    parser.add_argument("--model", default="default", help="default, dsp, identity, or a path to a .onnx model")
    parser.add_argument("--strength-db", type=float, default=40.0, help="maximum attenuation in dB")
    parser.add_argument("--processing", choices=("inline", "worker"), default="inline")
    parser.add_argument("--seconds", type=float, default=None, help="stop after this long (default: until Ctrl-C)")


def status_line(stats: dict) -> str:
    return (
        f"latency {stats['algorithmic_latency_ms']:.1f} ms + device {stats['device_latency_ms']:.1f} ms | "
        f"load {100 * stats['load']:.0f}% | xruns {stats['n_xruns']} | overloads {stats['n_overloads']}"
    )


def run(args: argparse.Namespace) -> int:
    try:
        engine = AudioEngine(
            open_runtime(args.model), args.input, args.output, n_channels=args.channels,
            blocksize=args.blocksize, strength_db=args.strength_db, processing=args.processing,
        )
        engine.start()
    except (DeviceError, EngineError, ModelLoadError, ValueError) as exc:
        args.parser.error(str(exc))
    print(f"denoising {engine.input_device.name!r} -> {engine.output_device.name!r}; Ctrl-C stops", flush=True)
    t0 = time.monotonic()
    code = 0
    try:
        while args.seconds is None or time.monotonic() - t0 < args.seconds:
            time.sleep(STATUS_PERIOD_S)
            events = engine.poll()
            print("\r" + status_line(engine.stats()), end="", flush=True)
            if events:
                print()
                for event in events:
                    print(f"error: {event.message}", file=sys.stderr)
                if engine.device_lost:
                    code = 1
                    break
    except KeyboardInterrupt:
        pass
    stats = engine.stats()
    engine.stop()
    print()
    print(f"ran {time.monotonic() - t0:.1f} s: {status_line(stats)}; sanitized samples {stats['n_sanitized_samples']}")
    if engine.device_lost:
        # PortAudio cannot shut down cleanly around a dead stream (its exit handler would wait on it).
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code
