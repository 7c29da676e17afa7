"""What starting and stopping cost the JACK server: the engine process beside a C client, start by start.

A client that starts or stops can make the whole server late: every client of the server then misses
that cycle (on a musician's machine a DAW recording at the time loses it too). For ``n_starts``
rounds, ``jack_simple_client`` (a C client) and then the engine process (``EngineProcess``, as
``livedenoise run`` starts it) each start on the bench's server and stop again. Each start is counted
from the launch until ``SETTLE_S`` after the client streams; each stop from the request until
``STOP_WINDOW_S`` after. A window's figures are the server log's: the cycles each client left
unfinished, and every unfinished cycle and driver xrun of the server. The engine's own account of the
start (xruns, late masks, overloads it counted before it was stopped) is kept beside them.
"""

from __future__ import annotations

import subprocess
import time

from livedenoise.bench.e2e import C_CLIENT, ENGINE_CLIENT, SETTLE_S, jack_ports
from livedenoise.bench.jack_dummy import DummyJackServer, JackServerError
from livedenoise.realtime.engine.process import EngineProcess, EngineSettings

STOP_WINDOW_S = 1.0
C_CLIENT_START_TIMEOUT_S = 10.0


def count_during(server: DummyJackServer, action) -> tuple[dict, object]:
    """The server's account of what happened while ``action()`` ran, and what it returned."""
    unfinished0, driver0 = server.n_unfinished(), server.n_driver_xruns()
    returned = action()
    server.check_alive()
    unfinished1, driver1 = server.n_unfinished(), server.n_driver_xruns()
    by_client = {k: v - unfinished0.get(k, 0) for k, v in unfinished1.items() if v > unfinished0.get(k, 0)}
    return {
        "n_unfinished_by_client": by_client,
        "n_server_xruns": sum(by_client.values()) + driver1 - driver0,
        "n_driver_xruns": driver1 - driver0,
    }, returned


def c_client_start_stop(server: DummyJackServer) -> dict:
    """One start and one stop of ``jack_simple_client``, each counted."""
    client = None

    def start() -> None:
        nonlocal client
        client = subprocess.Popen([C_CLIENT], env=server.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + C_CLIENT_START_TIMEOUT_S
        while not jack_ports(C_CLIENT):
            if client.poll() is not None or time.monotonic() > deadline:
                raise JackServerError(f"{C_CLIENT} did not start (exit code {client.poll()})")
            time.sleep(0.02)
        server.sleep(SETTLE_S)

    def stop() -> None:
        client.terminate()
        client.wait(timeout=10)
        server.sleep(STOP_WINDOW_S)

    try:
        started, _ = count_during(server, start)
        stopped, _ = count_during(server, stop)
    finally:
        if client is not None and client.poll() is None:
            client.kill()
            client.wait()
    return {"client": C_CLIENT, "start": started, "stop": stopped}


def engine_start_stop(server: DummyJackServer, settings: EngineSettings) -> dict:
    """One start and one stop of the engine process, each counted, with the engine's own counts of its start."""
    engine = EngineProcess(settings)

    def start() -> dict:
        engine.start()
        server.sleep(SETTLE_S)
        return engine.state()["stats"]

    def stop() -> None:
        engine.stop()
        server.sleep(STOP_WINDOW_S)

    try:
        started, stats = count_during(server, start)
        stopped, _ = count_during(server, stop)
    finally:
        engine.stop()
    own = {key: stats[key] for key in ("n_xruns", "n_late_masks", "n_overloads", "n_callbacks")}
    return {"client": ENGINE_CLIENT, "start": started, "stop": stopped, "engine_counts": own}


def measure_starts(server: DummyJackServer, settings: EngineSettings, n_starts: int) -> dict:
    """``n_starts`` rounds: the C client's start and stop, then the engine's."""
    rounds = []
    for _ in range(n_starts):
        rounds.append({"c_client": c_client_start_stop(server), "engine": engine_start_stop(server, settings)})
    return {"settle_s": SETTLE_S, "stop_window_s": STOP_WINDOW_S, "rounds": rounds}


def starts_report(starts: dict) -> list[str]:
    """One line per start and per stop: each client's own unfinished cycles, and the server's in all."""
    lines = [
        f"starts and stops, side by side (start: launch to {starts['settle_s']:g} s after it streams; stop: "
        f"{starts['stop_window_s']:g} s after it is asked): unfinished cycles own / server total"
    ]
    header = f"{'round':<7}{'C start':>12}{'C stop':>12}{'engine start':>14}{'engine stop':>13}  engine's own count"
    lines.append(header)
    for k, both in enumerate(starts["rounds"], start=1):
        c, e = both["c_client"], both["engine"]
        cells = [
            _cell(c, "start", C_CLIENT),
            _cell(c, "stop", C_CLIENT),
            _cell(e, "start", ENGINE_CLIENT),
            _cell(e, "stop", ENGINE_CLIENT),
        ]
        own = e["engine_counts"]
        lines.append(
            f"{k:<7}{cells[0]:>12}{cells[1]:>12}{cells[2]:>14}{cells[3]:>13}  xruns {own['n_xruns']}, "
            f"late masks {own['n_late_masks']}, overloads {own['n_overloads']}"
        )
    return lines


def _cell(result: dict, phase: str, client: str) -> str:
    window = result[phase]
    return f"{window['n_unfinished_by_client'].get(client, 0)} / {window['n_server_xruns']}"
