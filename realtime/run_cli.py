"""``livedenoise run``: headless live denoising with a one-line status refreshed in place."""

from __future__ import annotations

import argparse
import os
import sys
import time

from livedenoise.realtime.cli_types import int_in_range, positive_float
from livedenoise.realtime.devices import DeviceError
from livedenoise.realtime.engine import AudioEngine, EngineError
from livedenoise.realtime.latency import Latency
from livedenoise.realtime.model_choice import open_runtime
from livedenoise.realtime.model_options import add_model_arguments
from livedenoise.realtime.runtime import ModelLoadError

STATUS_PERIOD_S = 0.25
MAX_BLOCKSIZE = 8192  # JACK's largest period; anything longer is not live
MAX_CHANNELS = 64
ENVIRONMENT_HINT = "see `livedenoise devices`; start a sound server (such as JACK) or plug a device in"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", default=None, metavar="DEV", help="input device: index or name substring")
    parser.add_argument("--output", default=None, metavar="DEV", help="output device: index or name substring")
    parser.add_argument(
        "--blocksize", type=int_in_range(1, MAX_BLOCKSIZE), default=128,
        help=f"device block in samples, 1-{MAX_BLOCKSIZE} (default 128)",
    )
    parser.add_argument(
        "--channels", type=int_in_range(1, MAX_CHANNELS), default=1,
        help="channels, linked (default 1); both devices must have that many",
    )
    add_model_arguments(parser)
    parser.add_argument("--processing", choices=("inline", "worker"), default="inline")
    parser.add_argument("--seconds", type=positive_float, default=None, help="stop after this long (default: until Ctrl-C)")


def status_line(stats: dict) -> str:
    return f"load {100 * stats['load']:.0f}% | xruns {stats['n_xruns']} | overloads {stats['n_overloads']}"


def _channels_problem(engine: AudioEngine, n_channels: int) -> str | None:
    for device, n_device in ((engine.input_device, engine.input_device.n_input_channels),
                             (engine.output_device, engine.output_device.n_output_channels)):
        if n_channels > n_device:
            return f"--channels {n_channels}: {device.describe()} has {n_device}; give --channels {n_device} or less"
    return None


def run(args: argparse.Namespace) -> int:
    try:
        runtime = open_runtime(args.model, provider=args.provider)
    except ModelLoadError as exc:
        args.parser.exit(1, f"livedenoise run: error: {exc}\n")
    try:
        engine = AudioEngine(
            runtime, args.input, args.output, n_channels=args.channels,
            blocksize=args.blocksize, strength_db=args.strength_db, processing=args.processing,
        )
        problem = _channels_problem(engine, args.channels)
        if problem is None:
            engine.start()
    except (DeviceError, EngineError) as exc:
        args.parser.exit(1, f"livedenoise run: error: {exc}\n  hint: {ENVIRONMENT_HINT}\n")
    if problem is not None:
        args.parser.exit(1, f"livedenoise run: error: {problem}\n")
    t0 = time.monotonic()
    code = 0
    try:  # from the first line on, Ctrl-C or SIGTERM stops the stream and prints the summary
        print(f"denoising {engine.input_device.name!r} -> {engine.output_device.name!r}; Ctrl-C stops", flush=True)
        print(Latency.of_engine(engine).describe(), flush=True)
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
    latency = Latency.of_engine(engine)
    engine.stop()
    print()
    print(f"ran {time.monotonic() - t0:.1f} s: {status_line(stats)}; sanitized samples {stats['n_sanitized_samples']}")
    print(latency.describe())
    if engine.device_lost:
        # PortAudio cannot shut down cleanly around a dead stream (its exit handler would wait on it).
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code
