"""``livedenoise bench soak``: a long session of the engine beside a C client, counted period by period.

Nothing else here runs longer than a minute or two; a musician's session runs for hours. The bench
starts its own JACK server (as ``bench e2e``), ``jack_simple_client`` (a C client) and the engine
process (``EngineProcess``, as ``livedenoise run`` runs it), side by side for ``--minutes``, and every
``--period-minutes`` reads the server's log and the engine's counts: the cycles each client left
unfinished, their ratio (the C client floored at 3 per 30 s, as in ``bench e2e``), and the engine's
xruns, late masks and overloads. The resident memory (RSS) of both processes is read at the start and
at the end: a leak shows as growth, the C client's as the reference. Nothing but the two clients is
in the server's graph: this process never loads PortAudio.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from pathlib import Path

from livedenoise.bench.e2e import C_CLIENT, ENGINE_CLIENT, SERVER_HINT, SETTLE_S, jack_ports, loopback_settings
from livedenoise.bench.jack_dummy import DummyJackServer, JackServerError
from livedenoise.realtime.cli.arg_types import int_in_range, positive_float
from livedenoise.realtime.cli.model_flags import add_mask_timing_argument, add_model_arguments
from livedenoise.realtime.engine.process import EngineError, EngineProcess, EngineSettings
from livedenoise.realtime.output_files import output_path

C_CLIENT_FLOOR_PER_30_S = 3
TARGET_RATIO = 1.5
TARGET_GROWTH_MB = 5.0
C_CLIENT_START_TIMEOUT_S = 10.0


def rss_mb(pid: int) -> float:
    """Resident memory of process ``pid``, in MB (10^6 bytes), from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / 1e6
    raise JackServerError(f"no resident memory figure for process {pid}")


def ratio(n_engine: int, n_c_client: int, seconds: float) -> float:
    return n_engine / max(n_c_client, C_CLIENT_FLOOR_PER_30_S * seconds / 30.0)


def soak(server: DummyJackServer, settings: EngineSettings, seconds: float, period_s: float, say=print) -> dict:
    """The engine and the C client side by side for ``seconds``, counted every ``period_s``."""
    client = subprocess.Popen([C_CLIENT], env=server.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    engine = EngineProcess(settings)
    try:
        deadline = time.monotonic() + C_CLIENT_START_TIMEOUT_S
        while not jack_ports(C_CLIENT):
            if client.poll() is not None or time.monotonic() > deadline:
                raise JackServerError(f"{C_CLIENT} did not start (exit code {client.poll()})")
            time.sleep(0.05)
        engine.start()
        server.sleep(SETTLE_S)  # starts are counted by `bench e2e --starts`, not here
        memory_start = {"engine": rss_mb(engine.pid), "c_client": rss_mb(client.pid)}
        periods = []
        for k in range(math.ceil(seconds / period_s - 1e-9)):
            length_s = min(period_s, seconds - k * period_s)
            stats0, unfinished0 = engine.state()["stats"], server.n_unfinished()
            server.sleep(length_s)
            state = engine.state()
            if not state["running"]:
                raise EngineError(f"the engine stopped during the soak: {[e.message for e in engine.events()]}")
            stats1, unfinished1 = state["stats"], server.n_unfinished()
            period = {
                "seconds": length_s,
                "n_unfinished": unfinished1.get(ENGINE_CLIENT, 0) - unfinished0.get(ENGINE_CLIENT, 0),
                "n_c_client_unfinished": unfinished1.get(C_CLIENT, 0) - unfinished0.get(C_CLIENT, 0),
                **{key: stats1[key] - stats0[key] for key in ("n_xruns", "n_late_masks", "n_overloads", "n_hops")},
                "callback_max_us": stats1["callback_max_us"],
            }
            period["ratio"] = ratio(period["n_unfinished"], period["n_c_client_unfinished"], length_s)
            periods.append(period)
            say(period_line(len(periods), period))
        memory_end = {"engine": rss_mb(engine.pid), "c_client": rss_mb(client.pid)}
    finally:
        engine.stop()
        client.terminate()
        client.wait(timeout=10)
    whole = {
        key: sum(p[key] for p in periods)
        for key in (
            "seconds",
            "n_unfinished",
            "n_c_client_unfinished",
            "n_xruns",
            "n_late_masks",
            "n_overloads",
            "n_hops",
        )
    }
    whole["ratio"] = ratio(whole["n_unfinished"], whole["n_c_client_unfinished"], whole["seconds"])
    return {"periods": periods, "whole": whole, "rss_mb_start": memory_start, "rss_mb_end": memory_end}


def period_line(k: int, period: dict) -> str:
    return (
        f"{k:>4} {period['seconds'] / 60:6.1f} min  unfinished engine {period['n_unfinished']:>4}  "
        f"{C_CLIENT} {period['n_c_client_unfinished']:>4}  ratio {period['ratio']:5.2f}  xruns "
        f"{period['n_xruns']:>4}  late masks {period['n_late_masks']:>5}  overloads {period['n_overloads']:>3}"
    )


def report(result: dict) -> str:
    whole, start, end = result["whole"], result["rss_mb_start"], result["rss_mb_end"]
    growth = {name: end[name] - start[name] for name in start}
    return "\n".join(
        [
            f"soak: {whole['seconds'] / 60:.1f} min, block {result['blocksize']}, model {result['model']}; "
            f"unfinished = cycles the server logged the client as not finished",
            f"whole window: engine {whole['n_unfinished']}, {C_CLIENT} {whole['n_c_client_unfinished']}; ratio "
            f"{whole['ratio']:.2f} (C client floored at {C_CLIENT_FLOOR_PER_30_S} per 30 s; "
            f"target <= {TARGET_RATIO:g})",
            f"engine: {whole['n_xruns']} xruns, {whole['n_late_masks']} late masks, {whole['n_overloads']} overloads "
            f"in {whole['n_hops']} hops",
            f"memory (RSS): engine {start['engine']:.1f} -> {end['engine']:.1f} MB ({growth['engine']:+.1f}), "
            f"{C_CLIENT} {start['c_client']:.1f} -> {end['c_client']:.1f} MB ({growth['c_client']:+.1f}); "
            f"target growth < {TARGET_GROWTH_MB:g} MB",
        ]
    )


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--minutes", type=positive_float, default=30.0, help="how long (default 30)")
    parser.add_argument(
        "--period-minutes", type=positive_float, default=5.0, help="count and print every this many minutes (default 5)"
    )
    parser.add_argument(
        "--blocksize",
        type=int_in_range(1, 8192),
        default=128,
        help="JACK period and engine block, 1-8192 (default 128)",
    )
    add_model_arguments(parser)
    add_mask_timing_argument(parser)
    parser.add_argument("--json", type=output_path, default=None, help="write the figures here")


def run(args: argparse.Namespace) -> int:
    try:
        server = DummyJackServer(48000, args.blocksize)
    except JackServerError as exc:
        args.parser.exit(1, f"livedenoise bench soak: error: {exc}\n  hint: {SERVER_HINT}\n")
    settings = loopback_settings(args)
    try:
        with server.as_default():
            print(f"{args.minutes:g} min beside {C_CLIENT}, counted every {args.period_minutes:g} min", flush=True)
            result = soak(
                server, settings, 60 * args.minutes, 60 * args.period_minutes, say=lambda line: print(line, flush=True)
            )
    except (EngineError, JackServerError) as exc:
        print(f"livedenoise bench soak: error: {exc}", file=sys.stderr)
        return 1
    finally:
        server.stop()
    result = {"model": args.model, "blocksize": args.blocksize, **result}
    print(report(result))
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2))
    return 0
