"""``livedenoise tune``: a tuner on the denoised signal, live in the terminal or over a recording.

Live, the engine runs in its own process as for ``run`` (the denoised signal also goes to
``--output``, for a tuner of one's own to listen to), and this one redraws one line from the
engine's denoised tap: the note, a cents bar, Hz and confidence. ``--file`` reads a recording
through the same denoiser instead and prints one line per reading (JSON lines with ``--json``).
A noise print (``--noise-print``; live also ``--learn-seconds`` and ``--print auto``) is used as
``run`` uses it, and the live line ends with which print is in use and how old it is. Live, it stops
and meets faults as ``run`` does: Ctrl-C, SIGTERM and ``--seconds`` set one flag; a lost device or a
dead engine process is said in one line (status 1), or waited out with ``--reconnect``; away from a
terminal it prints a plain line a second instead of redrawing one. ``--record OUT`` writes the denoised
signal the tuner hears to a file, as ``run --record`` does: the tap is read once (``DenoisedTee``) and
the tuner and the recorder each get every sample.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from livedenoise.models.stft_geometry import SAMPLE_RATE
from livedenoise.realtime.cli.arg_types import positive_float
from livedenoise.realtime.cli.device_flags import add_device_arguments
from livedenoise.realtime.cli.live_session import finish_take, live_loop
from livedenoise.realtime.cli.midi_flags import add_midi_arguments, midi_bindings, start_midi_or_exit
from livedenoise.realtime.cli.model_flags import add_model_arguments
from livedenoise.realtime.cli.output_flags import add_output_arguments, output_settings
from livedenoise.realtime.cli.print_flags import add_live_print_arguments, live_print_settings
from livedenoise.realtime.cli.reconnect import FAULT_KINDS, add_reconnect_argument
from livedenoise.realtime.cli.run import (
    announce_print,
    print_events,
    print_notices,
    start_error,
    stopped_engine,
)
from livedenoise.realtime.cli.status_line import StatusLine
from livedenoise.realtime.cli.stop_signals import StopSignals
from livedenoise.realtime.denoised_tee import DenoisedTee
from livedenoise.realtime.engine.process import EngineError, EngineProcess, EngineSettings
from livedenoise.realtime.file_mode import AudioFileError
from livedenoise.realtime.latency import Latency
from livedenoise.realtime.noise_print import NoisePrintError
from livedenoise.realtime.output_files import new_file_mode, output_path
from livedenoise.realtime.print_status import print_status
from livedenoise.realtime.runtimes.protocol import ModelLoadError
from livedenoise.realtime.tap_recorder import TapRecorder
from livedenoise.realtime.tuner.feeds import engine_readings, file_readings
from livedenoise.realtime.tuner.notes import A4_HZ, MAX_REFERENCE_HZ, MIN_REFERENCE_HZ
from livedenoise.realtime.tuner.tuner import Tuner, TunerReading

REDRAW_S = 0.05
PLAIN_PERIOD_S = 1.0  # not on a terminal: one reading a second, each on its own line
STATE_PERIOD_S = 0.5  # the print's line: each state request wakes the engine process, so not at every redraw
BAR_HALF_CELLS = 10  # each side of the centre: 5 cents a cell over +-50 cents


def reference_hz(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of Hz, got {text!r}") from None
    if not MIN_REFERENCE_HZ <= value <= MAX_REFERENCE_HZ:
        raise argparse.ArgumentTypeError(f"must be {MIN_REFERENCE_HZ:g}-{MAX_REFERENCE_HZ:g} Hz, got {text}")
    return value


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--reference",
        type=reference_hz,
        default=A4_HZ,
        metavar="HZ",
        help=f"the pitch of A4 in Hz, {MIN_REFERENCE_HZ:g}-{MAX_REFERENCE_HZ:g} (default {A4_HZ:g})",
    )
    add_device_arguments(
        parser, "output device the denoised signal plays to, for another tuner to listen to: index or name substring"
    )
    add_model_arguments(parser)
    add_live_print_arguments(parser)
    parser.add_argument(
        "--seconds", type=positive_float, default=None, help="stop after this long (default: until Ctrl-C)"
    )
    add_reconnect_argument(parser)
    add_output_arguments(parser, record=True)
    add_midi_arguments(parser)
    parser.add_argument(
        "--file",
        type=Path,
        default=None,
        metavar="IN",
        help="tune a recording instead of listening: one line per reading (every 10 ms)",
    )
    parser.add_argument(
        "--json",
        type=output_path,
        default=None,
        metavar="OUT",
        help="with --file: write the readings as JSON lines to OUT (- for standard output)",
    )


def cents_bar(cents: float | None) -> str:
    """``[---------|---------]`` with ``*`` where ``cents`` (-50..+50) falls; ``<``/``>`` beyond."""
    cells = [" "] * (2 * BAR_HALF_CELLS + 1)
    cells[BAR_HALF_CELLS] = "|"
    if cents is not None and math.isfinite(cents):
        position = BAR_HALF_CELLS + round(cents / (50.0 / BAR_HALF_CELLS))
        if position < 0:
            cells[0] = "<"
        elif position > 2 * BAR_HALF_CELLS:
            cells[-1] = ">"
        else:
            cells[position] = "*"
    return "[" + "".join(cells) + "]"


def live_line(reading: TunerReading | None) -> str:
    if reading is None or reading.note is None:
        return f"{'-':<4} {cents_bar(None)}   no pitch"
    hz = f"{reading.shown_hz:8.2f} Hz" if reading.voiced else f"{'-':>8} Hz"
    mark = "  in tune" if reading.in_tune else ("  stable" if reading.stable else "")
    return (
        f"{reading.note:<4} {cents_bar(reading.cents)} {reading.cents:+6.1f} cents {hz}  "
        f"confidence {reading.confidence:.2f}{mark}"
    )


def file_line(reading: TunerReading) -> str:
    note = reading.note or "-"
    cents = f"{reading.cents:+6.1f}" if reading.note is not None else f"{'-':>6}"
    hz = f"{reading.shown_hz:8.2f}" if reading.voiced and reading.note is not None else f"{'-':>8}"
    return (
        f"{reading.time_s:8.2f} s  {note:<4} {cents} cents {hz} Hz  confidence {reading.confidence:.2f}"
        f"{'  stable' if reading.stable else ''}"
    )


def run(args: argparse.Namespace) -> int:
    if args.file is None:
        if args.json is not None:
            args.parser.error("--json needs --file (live readings go to the terminal)")
        return run_live(args)
    if args.record is not None:
        args.parser.error("--record writes the live signal; `livedenoise file` denoises a recording to a file")
    return run_file(args)


def run_file(args: argparse.Namespace) -> int:
    to_stdout = str(args.json) == "-"
    if args.json is not None and not to_stdout and args.json.resolve() == args.file.resolve():
        args.parser.exit(1, f"livedenoise tune: error: --json {args.json} is the input file; choose another path\n")
    if args.learn_seconds is not None or args.print_mode == "auto":
        args.parser.error("--learn-seconds and --print auto listen live; with --file give --noise-print")
    noise_print = live_print_settings(args)["noise_print"]
    readings = file_readings(
        args.file,
        model=args.model,
        provider=args.provider,
        strength_db=args.strength_db,
        reference_hz=args.reference,
        noise_print=noise_print,
    )
    try:
        if args.json is None:
            for reading in readings:
                print(file_line(reading))
        elif to_stdout:
            for reading in readings:
                print(json.dumps(reading.to_dict()))
        else:
            write_json_lines(args.json, readings)
    except (AudioFileError, ModelLoadError, NoisePrintError) as exc:
        args.parser.exit(1, f"livedenoise tune: error: {exc}\n")
    except BrokenPipeError:
        raise  # the reader of standard output went away: the command ends quietly (``main``)
    except OSError as exc:
        args.parser.exit(1, f"livedenoise tune: error: cannot write {args.json}: {exc.strerror or exc}\n")
    return 0


def write_json_lines(path: Path, readings) -> None:
    """One JSON object per reading, written beside ``path`` and renamed into place when complete."""
    if path.is_dir():
        raise OSError(f"{path} is a folder")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        os.fchmod(fd, new_file_mode(path))  # what the umask allows, not mkstemp's 0600
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            for reading in readings:
                out.write(json.dumps(reading.to_dict()) + "\n")
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def run_live(args: argparse.Namespace) -> int:
    tuner = Tuner(SAMPLE_RATE, reference_hz=args.reference)  # ready before the engine streams
    bindings = midi_bindings(args)
    if args.input_channels is not None and len(args.input_channels) != 1:
        args.parser.error("the tuner listens to one channel: give one --input-channels number")
    settings = EngineSettings(
        input_device=args.input,
        output_device=args.output,
        blocksize=args.blocksize,
        model=args.model,
        provider=args.provider,
        strength_db=args.strength_db,
        **live_print_settings(args),
        **output_settings(args, 1),
    )
    engine = EngineProcess(settings)
    recorder = None if args.record is None else TapRecorder(args.record, SAMPLE_RATE)
    try:
        engine.start()
    except EngineError as exc:
        if recorder is not None:
            recorder.discard()
        args.parser.exit(1, start_error(exc, args, command="tune"))
    t0 = time.monotonic()
    code = 0
    n_readings = 0
    tap = DenoisedTee(engine, [] if recorder is None else [recorder])  # one reader: tuner and recorder alike
    notices: list[str] = []
    midi = start_midi_or_exit(args, engine, bindings, notices, recorder, command="tune")
    status = StatusLine(sys.stdout, plain_period_s=PLAIN_PERIOD_S)
    with live_loop(engine, midi, recorder):
        with StopSignals() as stop:  # Ctrl-C, SIGTERM and --seconds end the loop the same way, as in `run`
            state = engine.state()
            print(
                f"tuning {state['input']} (engine process {engine.pid}), A4 = {args.reference:g} Hz; Ctrl-C stops",
                flush=True,
            )
            print(Latency.from_dict(state["latency"]).describe(), flush=True)
            announce_print(settings)
            if args.seconds is not None:
                timer = threading.Timer(max(0.0, args.seconds - (time.monotonic() - t0)), stop.request)
                timer.daemon = True
                timer.start()
            shown_t = state_t = 0.0
            print_line = ""
            faults = []
            while not stop.requested:
                for reading in engine_readings(engine, stop=stop.event, tuner=tuner, tap=tap):
                    n_readings += 1
                    now = time.monotonic()
                    if now - state_t >= STATE_PERIOD_S:
                        state_t = now
                        print_line = print_status(engine.state().get("print"))
                    if now - shown_t >= REDRAW_S:
                        shown_t = now
                        status.show(live_line(reading) + (f"  | {print_line}" if print_line else ""))
                    if midi is not None:
                        midi.poll()
                    events = engine.events()
                    print_events(events, status)
                    print_notices(notices, status)
                    faults += [e for e in events if e.kind in FAULT_KINDS]
                tap.drain()  # what the tuner left when it stopped (a stop, or the engine's end): for the recorder
                if stop.requested:
                    break
                ended = stopped_engine(engine, faults + engine.events(), args, stop, status, midi, command="tune")
                if ended is not None:
                    code = ended
                    break
                faults.clear()
                tap.restarted()
    status.end()
    finish_take(recorder)
    print(f"tuned {time.monotonic() - t0:.1f} s: {n_readings} readings")
    return code
