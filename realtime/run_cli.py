"""``livedenoise run``: headless live denoising with a one-line status refreshed in place.

The engine runs in its own process (``EngineProcess``); this one only prints its state.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from livedenoise.realtime.engine_process import EngineError, EngineProcess, EngineSettings

STATUS_PERIOD_S = 0.25


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", default=None, metavar="DEV", help="input device: index or name substring")
    parser.add_argument("--output", default=None, metavar="DEV", help="output device: index or name substring")
    parser.add_argument("--file", type=Path, default=None, metavar="PATH",
                        help="play this audio file in a loop instead of listening to the input device")
    parser.add_argument("--blocksize", type=int, default=128, help="device block in samples (default 128)")
    parser.add_argument("--channels", type=int, default=1)
    parser.add_argument("--model", default="default", help="default, dsp, identity, or a path to a .onnx model")
    parser.add_argument("--strength-db", type=float, default=40.0, help="maximum attenuation in dB")
    parser.add_argument("--seconds", type=float, default=None, help="stop after this long (default: until Ctrl-C)")


def status_line(state: dict) -> str:
    stats, latency = state["stats"], state["latency"]
    return (
        f"latency {latency['algorithmic_ms']:.1f} ms + device {latency['device_ms']:.1f} ms | "
        f"load {100 * stats['load']:.0f}% | xruns {stats['n_xruns']} | overloads {stats['n_overloads']}"
    )


def run(args: argparse.Namespace) -> int:
    try:
        settings = EngineSettings(
            input_device=args.input, output_device=args.output, blocksize=args.blocksize, channels=args.channels,
            model=args.model, strength_db=args.strength_db, source_file=args.file,
        )
        engine = EngineProcess(settings)
        engine.start()
    except (EngineError, ValueError) as exc:
        args.parser.error(str(exc))
    state = engine.state()
    print(f"denoising {state['input']} (engine process {engine.pid}); Ctrl-C stops", flush=True)
    t0 = time.monotonic()
    code = 0
    try:
        while args.seconds is None or time.monotonic() - t0 < args.seconds:
            time.sleep(STATUS_PERIOD_S)
            state = engine.state()
            events = engine.events()
            if state["running"]:
                print("\r" + status_line(state), end="", flush=True)
            if events:
                print()
                for event in events:
                    print(f"{event.kind}: {event.message}", file=sys.stderr)
            if not engine.alive:
                code = 1
                break
    except KeyboardInterrupt:
        pass
    engine.stop()
    print()
    print(f"ran {time.monotonic() - t0:.1f} s: {status_line(state)}; sanitized samples "
          f"{state['stats']['n_sanitized_samples']}")
    return code
