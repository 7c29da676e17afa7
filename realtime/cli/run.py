"""``livedenoise run``: headless live denoising with a one-line status (refreshed in place on a terminal).

The engine runs in its own process (``EngineProcess``); this one only prints its state. With
``--learn-seconds S`` it first says "learning the room, keep quiet for S s", then one line with the
learned print's level and duration; the status line says which print is in use and how old it is.
When the device or its server goes away, or the engine process dies, it says which and exits with
status 1; with ``--reconnect`` it waits for the device and resumes (``reconnect``), its MIDI footswitch
let go meanwhile and listened to again (``LiveFootswitch``).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

from livedenoise.models.stft_geometry import SAMPLE_RATE
from livedenoise.realtime.cli.arg_types import int_in_range, positive_float
from livedenoise.realtime.cli.device_flags import add_device_arguments
from livedenoise.realtime.cli.gate_flags import add_gate_arguments, gate_settings
from livedenoise.realtime.cli.live_footswitch import LiveFootswitch
from livedenoise.realtime.cli.live_session import finish_take, live_loop
from livedenoise.realtime.cli.midi_flags import add_midi_arguments, midi_bindings, start_midi_or_exit
from livedenoise.realtime.cli.model_flags import add_mask_timing_argument, add_model_arguments
from livedenoise.realtime.cli.output_flags import add_output_arguments, output_settings
from livedenoise.realtime.cli.print_flags import add_live_print_arguments, live_print_settings, print_use_lines
from livedenoise.realtime.cli.reconnect import FAULT_KINDS, add_reconnect_argument, fault_line, resume
from livedenoise.realtime.cli.status_line import StatusLine
from livedenoise.realtime.cli.stop_signals import StopSignals
from livedenoise.realtime.denoised_tee import DenoisedTee
from livedenoise.realtime.engine.process import EngineError, EngineProcess, EngineSettings
from livedenoise.realtime.latency import Latency
from livedenoise.realtime.print_status import print_status
from livedenoise.realtime.tap_recorder import TapRecorder

STATUS_PERIOD_S = 0.25
MAX_CHANNELS = 64
ENVIRONMENT_HINT = "see `livedenoise devices`; start a sound server (such as JACK) or plug a device in"
# EngineSettings fields a start-up error can blame, and the flag that sets each here
SETTING_FLAGS = {
    "channels": "--channels",
    "model": "--model",
    "source_file": "--file",
    "noise_print": "--noise-print",
    "input_channels": "--input-channels",
}
PRINT_NOTICES = ("print_learned", "print_set")  # events a user reads as news, not as faults


def configure(parser: argparse.ArgumentParser) -> None:
    add_device_arguments(parser)
    parser.add_argument(
        "--file",
        type=Path,
        default=None,
        metavar="PATH",
        help="play this audio file in a loop instead of listening to the input device",
    )
    parser.add_argument(
        "--channels",
        type=int_in_range(1, MAX_CHANNELS),
        default=1,
        help="channels, linked (default 1); both devices must have that many",
    )
    add_model_arguments(parser)
    add_mask_timing_argument(parser)
    add_gate_arguments(parser)
    add_live_print_arguments(parser)
    parser.add_argument(
        "--seconds", type=positive_float, default=None, help="stop after this long (default: until Ctrl-C)"
    )
    add_reconnect_argument(parser)
    add_output_arguments(parser, record=True)
    add_midi_arguments(parser)


def status_line(state: dict) -> str:
    stats = state["stats"]
    line = (
        f"load {100 * stats['load']:.0f}% | xruns {stats['n_xruns']} | overloads {stats['n_overloads']}"
        f" | late masks {stats['n_late_masks']}"
    )
    if state.get("bypass"):
        line += " | bypass"
    if state.get("output_gain_db") == -math.inf:
        line += " | muted"
    if stats.get("n_limited_samples"):
        line += f" | limited {stats['n_limited_samples']}"
    if state.get("gate_open") is not None:
        line += f" | gate {state['gate']['kind']} {'open' if state['gate_open'] else 'shut'}"
    noise_print = print_status(state.get("print"))
    if noise_print:
        line += f" | {noise_print}"
    return line


def print_events(events, status: StatusLine | None = None) -> None:
    """The engine's events on their own lines, under the status line the terminal shows: a print learned
    or set as news, on standard output; the rest on standard error, by kind. Faults that end the engine
    are for ``stopped_engine`` to word."""
    events = [e for e in events if e.kind not in FAULT_KINDS]
    if events:
        if status is None:
            print()
        else:
            status.end()
        for event in events:
            if event.kind in PRINT_NOTICES:
                print(event.message, flush=True)
            else:
                print(f"{event.kind}: {event.message}", file=sys.stderr, flush=True)


def print_notices(notices: list[str], status: StatusLine) -> None:
    """Lines other threads left for the main loop (a footswitch's changes), under the status line."""
    if notices:
        status.end()
        while notices:
            print(notices.pop(0), flush=True)


def announce_print(settings: EngineSettings) -> None:
    """What the engine starts with: learning the room, or the print given (with a warning when short)."""
    if settings.learn_seconds is not None:
        print(f"learning the room, keep quiet for {settings.learn_seconds:g} s", flush=True)
    elif settings.noise_print is not None:
        line, warning = print_use_lines(settings.noise_print)
        print(line, flush=True)
        if warning is not None:
            print(warning, file=sys.stderr)


def start_error(exc: EngineError, args: argparse.Namespace, command: str = "run") -> str:
    """The one line (and hint) for an engine that did not start: the flag at fault, or the environment."""
    flag = SETTING_FLAGS.get(exc.setting)
    name = None if flag is None else flag.removeprefix("--").replace("-", "_")
    if name is not None and hasattr(args, name):
        value = getattr(args, name)
        if isinstance(value, tuple):
            value = ",".join(map(str, value))
        return f"livedenoise {command}: error: {flag} {value}: {exc}\n"
    return f"livedenoise {command}: error: {exc}\n  hint: {ENVIRONMENT_HINT}\n"


def run(args: argparse.Namespace) -> int:
    gate = gate_settings(args)
    bindings = midi_bindings(args)
    settings = EngineSettings(
        input_device=args.input,
        output_device=args.output,
        blocksize=args.blocksize,
        model=args.model,
        provider=args.provider,
        strength_db=args.strength_db,
        source_file=args.file,
        gate=None if gate is None else gate.to_dict(),
        mask_ahead=not args.same_hop_mask,
        **live_print_settings(args),
        **output_settings(args, args.channels),
    )
    engine = EngineProcess(settings)
    recorder = None if args.record is None else TapRecorder(args.record, SAMPLE_RATE)
    try:
        engine.start()
    except EngineError as exc:
        if recorder is not None:
            recorder.discard()
        args.parser.exit(1, start_error(exc, args))
    t0 = time.monotonic()
    code = 0
    state = engine.state()
    tap = DenoisedTee(engine, [] if recorder is None else [recorder])  # reads the tap only for a recorder
    notices: list[str] = []  # the footswitch's changes, printed here
    midi = start_midi_or_exit(args, engine, bindings, notices, recorder, command="run")
    status = StatusLine(sys.stdout)
    faults = []  # a fault may come a turn before the engine process is seen gone
    with live_loop(engine, midi, recorder):
        with StopSignals() as stop:  # from the first line on, Ctrl-C or SIGTERM stops the stream, then the summary
            print(f"denoising {state['input']} (engine process {engine.pid}); Ctrl-C stops", flush=True)
            print(Latency.from_dict(state["latency"]).describe(), flush=True)
            announce_print(settings)
            while not stop.requested and (args.seconds is None or time.monotonic() - t0 < args.seconds):
                time.sleep(STATUS_PERIOD_S)
                state = engine.state()
                events = engine.events()
                tap.drain()
                if state["running"]:
                    status.show(status_line(state))
                if midi is not None:
                    midi.poll()
                print_events(events, status)
                print_notices(notices, status)
                faults += [e for e in events if e.kind in FAULT_KINDS]
                if not engine.alive:
                    ended = stopped_engine(engine, faults + engine.events(), args, stop, status, midi)
                    if ended is not None:
                        code = ended
                        break
                    faults.clear()
                    state = engine.state()
                    tap.restarted()
        tap.drain()
    status.end()
    finish_take(recorder)
    print(
        f"ran {time.monotonic() - t0:.1f} s: {status_line(state)}; sanitized samples "
        f"{state['stats']['n_sanitized_samples']}"
    )
    print(Latency.from_dict(state["latency"]).describe())
    return code


def stopped_engine(
    engine: EngineProcess,
    events: list,
    args: argparse.Namespace,
    stop: StopSignals,
    status: StatusLine,
    midi: LiveFootswitch | None = None,
    command: str = "run",
) -> int | None:
    """The engine stopped under a live command: say why; with ``--reconnect``, wait for it and resume, the
    footswitch (``midi``) let go meanwhile. None when it streams again, else the exit status (1: a fault;
    0: a stop asked for while waiting)."""
    status.end()
    if midi is not None:
        midi.lost()
    fault = fault_line(events, engine)
    if not args.reconnect:
        print(
            f"livedenoise {command}: error: {fault}\n  hint: --reconnect waits for it to come back and resumes",
            file=sys.stderr,
            flush=True,
        )
        return 1
    print(f"livedenoise {command}: {fault}; waiting for it to come back (Ctrl-C stops)", file=sys.stderr, flush=True)
    if not resume(engine, lambda: stop.requested):
        return 0  # stopped while waiting: the summary follows, as for any stop
    state = engine.state()
    print(f"resumed {state['input']} (engine process {engine.pid})", flush=True)
    print(Latency.from_dict(state["latency"]).describe(), flush=True)
    if midi is not None:
        midi.resumed()  # what it has to say is printed by the loop, under the status line
    return None
