"""``livedenoise devices``: list the audio devices PortAudio can see."""

from __future__ import annotations

import argparse

from livedenoise.realtime.engine.devices import list_devices


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", action="store_true", help="only devices with input channels")
    parser.add_argument("--output", action="store_true", help="only devices with output channels")


def run(args: argparse.Namespace) -> int:
    devices = list_devices()
    if args.input:
        devices = [d for d in devices if d.n_input_channels > 0]
    if args.output:
        devices = [d for d in devices if d.n_output_channels > 0]
    if not devices:
        print("no audio devices (start a sound server such as JACK, or plug a device in)")
        return 0
    for device in devices:
        print(device.describe())
    return 0
