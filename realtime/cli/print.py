"""``livedenoise print``: make, learn and look at noise prints (what the room sounds like).

- ``print learn --input DEV --seconds 3 OUT``: record the room from an input device, keeping quiet,
  and save its print.
- ``print from-file NOISE OUT [--from START:END]``: the print of a recording of the noise alone (or
  of a stretch of it).
- ``print show PRINT [--plot PNG]``: level, duration, STFT geometry and source of a saved print (or
  of a recording); the plot draws the mean and spread per frequency.

Prints are made at the model's STFT (48 kHz, n_fft 1024, hop 128), from any rate (resampled as
``livedenoise file`` resamples). A print that cannot be made (too short, digital silence, not
audio) is one line on stderr, exit status 1, and nothing is written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from livedenoise.models.stft_geometry import SAMPLE_RATE
from livedenoise.realtime.cli.arg_types import float_in_range, int_in_range
from livedenoise.realtime.cli.print_flags import print_use_lines, seconds_region
from livedenoise.realtime.noise_print import MIN_SECONDS, NoisePrint, NoisePrintError, print_from_audio, print_from_file
from livedenoise.realtime.output_files import output_path

MAX_LEARN_SECONDS = 600.0
MAX_CHANNELS = 64
DEVICE_HINT = "see `livedenoise devices`; start a sound server (such as JACK) or plug a device in"


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", title="actions")
    learn = sub.add_parser("learn", help="record the room's noise from an input device and save its print")
    learn.add_argument("output", type=output_path, help="where to save the print (a small JSON file)")
    learn.add_argument("--input", default=None, metavar="DEV", help="input device: index or name substring")
    learn.add_argument(
        "--seconds",
        type=float_in_range(MIN_SECONDS, MAX_LEARN_SECONDS),
        default=3.0,
        help="how long to listen, keeping quiet (default 3)",
    )
    learn.add_argument(
        "--channels", type=int_in_range(1, MAX_CHANNELS), default=1, help="input channels, linked (default 1)"
    )
    from_file = sub.add_parser("from-file", help="the print of a recording of the noise alone")
    from_file.add_argument("noise", type=Path, help="audio of the room's noise alone (any format `file` reads)")
    from_file.add_argument("output", type=output_path, help="where to save the print (a small JSON file)")
    from_file.add_argument(
        "--from", dest="region", type=seconds_region, default=None, metavar="START:END", help="only these seconds"
    )
    show = sub.add_parser("show", help="what a print holds: level, duration, geometry, source; --plot draws it")
    show.add_argument("print_path", type=Path, metavar="PRINT", help="a saved print, or a recording of the noise")
    show.add_argument(
        "--plot",
        type=output_path,
        default=None,
        metavar="PNG",
        help="draw mean and spread per frequency (needs matplotlib)",
    )


def run(args: argparse.Namespace) -> int:
    if args.action is None:
        args.parser.error("choose an action: learn, from-file or show")
    action = {"learn": _learn, "from-file": _from_file, "show": _show}[args.action]
    try:
        return action(args)
    except NoisePrintError as exc:
        args.parser.exit(1, f"livedenoise print {args.action}: error: {exc}\n")


def _save(noise_print: NoisePrint, path: Path) -> int:
    noise_print.save(path)
    _, warning = print_use_lines(noise_print)
    if warning is not None:
        print(warning, file=sys.stderr)
    print(f"{path}: {noise_print.describe()}")
    return 0


def _from_file(args: argparse.Namespace) -> int:
    start_s, end_s = args.region if args.region is not None else (None, None)
    return _save(print_from_file(args.noise, start_s, end_s), args.output)


def _learn(args: argparse.Namespace) -> int:
    import sounddevice as sd

    from livedenoise.realtime.engine.devices import DeviceError, find_device
    from livedenoise.realtime.file_mode import Resampler

    try:
        device = find_device(args.input, "input")
    except DeviceError as exc:
        args.parser.exit(1, f"livedenoise print learn: error: {exc}\n  hint: {DEVICE_HINT}\n")
    if device.n_input_channels < args.channels:
        raise NoisePrintError(
            f"{device.describe()} has {device.n_input_channels} input channel(s), not {args.channels}"
        )
    rate = device.default_sample_rate
    print(f"learning the room, keep quiet for {args.seconds:g} s", flush=True)
    try:
        recording = sd.rec(
            round(args.seconds * rate), samplerate=rate, channels=args.channels, dtype="float32", device=device.index
        )
        sd.wait()
    except sd.PortAudioError as exc:
        args.parser.exit(1, f"livedenoise print learn: error: {device.name}: {exc}\n  hint: {DEVICE_HINT}\n")
    audio = _from_first_sound(recording)
    audio = Resampler(rate, SAMPLE_RATE, args.channels)(audio, last=True)
    return _save(print_from_audio(audio.T, source=f"{device.name}, learned"), args.output)


def _from_first_sound(recording: np.ndarray) -> np.ndarray:
    """``recording`` ``(samples, channels)`` from its first sample that is not exactly zero: a device (or a
    connection) that starts late delivers digital silence first, which is not the room."""
    sounding = np.flatnonzero(np.any(recording != 0.0, axis=1))
    return recording[sounding[0] :] if sounding.size else recording


def _show(args: argparse.Namespace) -> int:
    path = args.print_path
    if not path.is_file():
        raise NoisePrintError(f"noise print not found: {path}")
    with open(path, "rb") as f:
        is_saved = f.read(64).lstrip().startswith(b"{")
    noise_print = NoisePrint.load(path) if is_saved else print_from_file(path)
    bin_hz = noise_print.sample_rate / noise_print.n_fft
    inner = slice(1, -1)  # DC and Nyquist are real-valued bins: their spread says nothing of the noise
    print(f"{path}: {noise_print.describe()}{' (short: under 2 s)' if noise_print.is_short else ''}")
    print(
        f"  made at {noise_print.sample_rate} Hz, n_fft {noise_print.n_fft}, hop {noise_print.hop_samples} "
        f"({noise_print.n_freqs} bins, {bin_hz:.1f} Hz apart)"
    )
    loudest_hz = int(np.argmax(noise_print.power_db)) * bin_hz
    print(
        f"  loudest at {loudest_hz:.0f} Hz; spread {float(np.median(noise_print.spread_db[inner])):.1f} dB "
        "(median over bins; steady noise spreads 5.6 dB)"
    )
    if args.plot is not None:
        _plot(noise_print, args.plot)
        print(f"  drawn to {args.plot}")
    return 0


def _plot(noise_print: NoisePrint, path: Path) -> None:
    """Mean log power and its spread per frequency, on a log frequency axis."""
    try:
        import matplotlib
    except ImportError as exc:
        raise NoisePrintError("--plot needs matplotlib (pip install 'livedenoise[bench]')") from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frequencies_hz = np.arange(noise_print.n_freqs) * noise_print.sample_rate / noise_print.n_fft
    shown = slice(1, None)  # a log axis has no room for 0 Hz
    mean_db, spread_db = noise_print.mean_db[shown], noise_print.spread_db[shown]
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.fill_between(frequencies_hz[shown], mean_db - spread_db, mean_db + spread_db, alpha=0.3, label="mean ± spread")
    ax.plot(frequencies_hz[shown], mean_db, linewidth=1.0, label="mean log power")
    ax.set_xscale("log")
    ax.set_xlabel("frequency (Hz)")
    ax.set_ylabel("power per bin (dB)")
    ax.set_title(noise_print.describe())
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
