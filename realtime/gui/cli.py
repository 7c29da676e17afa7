"""``livedenoise gui``: the desktop app. ``--screenshot OUT.png --quit-after S`` for scripted pictures.

``--noise-print PATH`` starts with that print (and keeps it for the next runs), ``--learn-seconds S``
learns the room as soon as the audio runs, ``--print auto|freeze`` sets how the print is kept.
``--reconnect`` waits for a device or server that went away and resumes; ``--midi-in PORT`` with
``--midi-bypass`` and ``--midi-mute`` takes a footswitch, as ``run`` does. Each is remembered.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from livedenoise.realtime.cli.arg_types import positive_float
from livedenoise.realtime.cli.midi_flags import add_midi_arguments
from livedenoise.realtime.cli.model_flags import add_model_arguments
from livedenoise.realtime.cli.print_flags import add_live_print_arguments
from livedenoise.realtime.gui.gui_settings import BLOCK_SIZES, GATE_CHOICES, MODES
from livedenoise.realtime.midi_footswitch import MidiBinding, MidiError
from livedenoise.realtime.output_files import output_path

DEFAULT_SCREENSHOT_AFTER_S = 3.0


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--mode",
        choices=MODES,
        default=None,
        help="live: input device; file: a file to the output device; preview: a file in the window only "
        "(no audio device needed). Default: as last time",
    )
    parser.add_argument(
        "--file", type=Path, default=None, help="audio file for the file and preview modes (default: the demo clip)"
    )
    parser.add_argument("--input", default=None, metavar="DEV", help="input device name")
    parser.add_argument("--output", default=None, metavar="DEV", help="output device name")
    parser.add_argument("--blocksize", type=int, choices=BLOCK_SIZES, default=None, help="device block in samples")
    add_model_arguments(parser)
    parser.add_argument(
        "--gate",
        choices=GATE_CHOICES,
        default=None,
        help="the noise gate: off, level (classic) or mask (opens on music); default: as last time",
    )
    add_live_print_arguments(parser, remembered=True)
    parser.set_defaults(model=None, strength_db=None)  # unless given, the remembered settings win
    parser.add_argument(
        "--reconnect",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="when the audio device or its server goes away, or the engine stops, wait for it to come back "
        "and resume (--no-reconnect: say so and offer Reconnect); default: as last time",
    )
    add_midi_arguments(parser)
    parser.add_argument(
        "--screenshot",
        type=output_path,
        default=None,
        metavar="OUT.png",
        help="save the window as a PNG before quitting",
    )
    parser.add_argument(
        "--quit-after",
        type=positive_float,
        default=None,
        metavar="SECONDS",
        help=f"quit after this long (default with --screenshot: {DEFAULT_SCREENSHOT_AFTER_S:g})",
    )
    parser.add_argument(
        "--settings",
        type=Path,
        default=None,
        metavar="FILE.ini",
        help="keep settings in this file instead of the user's",
    )


def overrides_from(args: argparse.Namespace) -> dict:
    overrides = {}
    for flag, field in (
        ("mode", "mode"),
        ("input", "input_device"),
        ("output", "output_device"),
        ("blocksize", "blocksize"),
        ("model", "model"),
        ("strength_db", "strength_db"),
        ("gate", "gate"),
        ("print_mode", "print_mode"),
        ("learn_seconds", "learn_seconds"),
        ("reconnect", "reconnect"),
        ("midi_in", "midi_port"),
        ("midi_bypass", "midi_bypass"),
        ("midi_mute", "midi_mute"),
    ):
        value = getattr(args, flag)
        if value is not None:
            overrides[field] = value
    if args.file is not None:
        overrides["file_path"] = str(args.file.resolve())  # remembered: found again from any folder
        overrides.setdefault("mode", "file")
    if args.noise_print is not None:
        overrides["noise_print_path"] = str(args.noise_print.resolve())  # kept beside the settings once it runs
    return overrides


def run(args: argparse.Namespace) -> int:
    from PySide6.QtCore import QTimer

    from livedenoise.realtime.gui.app import application, has_display, open_window, save_screenshot, settings_store

    for action in ("bypass", "mute"):
        binding = getattr(args, f"midi_{action}")
        if binding is not None:
            try:
                MidiBinding.parse(action, binding)
            except MidiError as exc:
                args.parser.error(f"--midi-{action} {binding}: {exc}")
    headless = not has_display()
    if headless and args.screenshot is None and args.quit_after is None:
        args.parser.exit(
            1,
            "livedenoise gui: error: no display here (DISPLAY and WAYLAND_DISPLAY are unset)\n"
            "  hint: `livedenoise demo` denoises the demo clip without one; --screenshot OUT.png or "
            "--quit-after SECONDS render the window off screen\n",
        )
    if args.screenshot is not None and not args.screenshot.parent.is_dir():
        args.parser.error(f"--screenshot {args.screenshot}: folder {args.screenshot.parent} does not exist")
    if args.noise_print is not None and args.learn_seconds is not None:
        args.parser.error("--noise-print and --learn-seconds: give one (a print, or learn one now)")
    if args.noise_print is not None and not args.noise_print.is_file():
        args.parser.exit(1, f"livedenoise gui: error: --noise-print {args.noise_print}: noise print not found\n")
    app = application(headless=headless)
    window = open_window(settings_store(args.settings), overrides_from(args), provider=args.provider)
    if window.start_or_preview() and args.learn_seconds is not None:
        window.learn_noise(args.learn_seconds)
    quit_after_s = (
        args.quit_after if args.quit_after is not None else (DEFAULT_SCREENSHOT_AFTER_S if args.screenshot else None)
    )
    outcome = {"code": 0}

    def finish() -> None:
        if window.running:
            print(f"drawing at {window.fps:.0f} frames per second")
        if args.screenshot is not None:
            try:
                print(save_screenshot(window, args.screenshot))
            except OSError as exc:
                print(f"livedenoise gui: error: {exc}", file=sys.stderr)
                outcome["code"] = 1
        window.close()
        app.quit()

    if quit_after_s is not None:
        QTimer.singleShot(int(1000 * quit_after_s), finish)
    app.exec()
    return outcome["code"]
