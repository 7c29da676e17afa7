"""What a live command does when its engine stops under it: say why, and with ``--reconnect``, resume.

Two faults end a live engine: the audio device or its server goes away (the engine reports
"device_lost" and its process exits, since PortAudio cannot reopen a server that died under it), or
the engine process itself dies (a "crashed" event naming the signal or the error). Without
``--reconnect`` the command says which, in one line, and exits with status 1. With it, the command
says so, then starts a fresh engine process (the settings and the controls in use carry over) until
one streams again or a stop is asked for: after ``FIRST_RETRY_S``, then twice as long each time up to
``MAX_RETRY_S``, since each try spawns a process that loads the model (a second of a core).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from livedenoise.realtime.engine.events import EngineEvent
from livedenoise.realtime.engine.process import EngineError, EngineProcess

FAULT_KINDS = ("device_lost", "crashed")
FIRST_RETRY_S = 1.0
MAX_RETRY_S = 16.0
POLL_S = 0.1


def add_reconnect_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--reconnect",
        action="store_true",
        help="when the device or its server goes away, or the engine process dies, wait for it and resume "
        "(default: say what happened and exit with status 1)",
    )


def fault_line(events: list[EngineEvent], engine: EngineProcess) -> str:
    """What ended the engine, in words: the newest fault event, else its exit."""
    faults = [e for e in events if e.kind in FAULT_KINDS]
    if not faults:
        return "the engine process stopped"
    fault = faults[-1]
    if fault.kind == "device_lost":
        return f"the audio device or its server went away: {fault.message}"
    return fault.message


def resume(engine: EngineProcess, stop_requested: Callable[[], bool]) -> bool:
    """Start a fresh engine process until one streams; False when a stop was asked for first."""
    wait_s = FIRST_RETRY_S
    while not stop_requested():
        try:
            engine.restart()
            return True
        except EngineError:
            pass  # not back yet: no device, no server, or it refused the stream
        deadline = time.monotonic() + wait_s
        wait_s = min(2 * wait_s, MAX_RETRY_S)
        while time.monotonic() < deadline and not stop_requested():
            time.sleep(POLL_S)
    return False
