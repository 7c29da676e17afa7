"""The MIDI footswitch flags, declared once for ``run`` and ``tune``: ``--midi-in PORT`` with
``--midi-bypass`` and ``--midi-mute`` bindings (``midi_footswitch``), and what they do to the engine
(through a ``LiveFootswitch``, which lets the port go while the engine is lost)."""

from __future__ import annotations

import argparse
import math

from livedenoise.realtime.cli.live_footswitch import LiveFootswitch
from livedenoise.realtime.midi_footswitch import MidiBinding, MidiControls, MidiError

BINDING_HELP = "cc:N (on at 64-127; cc:N:toggle flips at each press) or note:N (flips at each press; note:N:hold)"


def add_midi_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("MIDI footswitch")
    group.add_argument(
        "--midi-in",
        default=None,
        metavar="PORT",
        help="a MIDI input port (name substring; ALSA or JACK) to take the bindings below from",
    )
    group.add_argument("--midi-bypass", default=None, metavar="BINDING", help=f"bypass the denoiser: {BINDING_HELP}")
    group.add_argument(
        "--midi-mute", default=None, metavar="BINDING", help=f"mute the output (while tuning, say): {BINDING_HELP}"
    )


def midi_bindings(args: argparse.Namespace) -> list[MidiBinding]:
    """The bindings the flags ask for; a usage error for a bad one, or bindings without a port."""
    given = {action: getattr(args, f"midi_{action}") for action in ("bypass", "mute")}
    try:
        bindings = [MidiBinding.parse(action, text) for action, text in given.items() if text is not None]
    except MidiError as exc:
        args.parser.error(str(exc))
    if bindings and args.midi_in is None:
        args.parser.error("--midi-bypass and --midi-mute need --midi-in PORT")
    if args.midi_in is not None and not bindings:
        args.parser.error("--midi-in needs --midi-bypass or --midi-mute")
    return bindings


def start_midi(
    args: argparse.Namespace, engine, bindings: list[MidiBinding], notices: list[str]
) -> LiveFootswitch | None:
    """Listen to ``--midi-in`` and act on ``engine``; each change is appended to ``notices`` for the main loop
    to print. None without ``--midi-in``; ``MidiError`` if the port cannot be opened."""
    if not bindings:
        return None

    def apply(binding: MidiBinding, on: bool) -> None:
        if binding.action == "bypass":
            engine.set_bypass(on)
        else:
            engine.set_output_gain_db(-math.inf if on else args.gain_db)
        notices.append(f"MIDI {binding.describe()}: {binding.action} {'on' if on else 'off'}")

    return LiveFootswitch(args.midi_in, MidiControls(bindings), apply, notices)


def start_midi_or_exit(
    args: argparse.Namespace, engine, bindings: list[MidiBinding], notices: list[str], recorder, command: str
) -> LiveFootswitch | None:
    """``start_midi``, or, when the port cannot be opened, the engine stopped, ``recorder``'s take (if
    any) discarded and the command ended in one line with status 1."""
    try:
        return start_midi(args, engine, bindings, notices)
    except MidiError as exc:
        engine.stop()
        if recorder is not None:
            recorder.discard()
        args.parser.exit(1, f"livedenoise {command}: error: --midi-in {args.midi_in}: {exc}\n")
