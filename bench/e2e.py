"""``livedenoise bench e2e``: a round trip through JACK, and how steady the engine is beside a C client.

The bench starts its own JACK server (dummy back end, period = block size, real-time scheduled) so
that it can read the server's log: each cycle a client leaves unfinished is logged by client name,
the server's own count of clicks. The engine runs in its own process (``EngineProcess``), as in
``livedenoise run``; the probe that measures it runs here, outside the audio process: it plays a
maximum-length sequence into the engine's input and finds the lag of the cross-correlation peak in
what comes back.

``--baseline`` first runs ``jack_simple_client`` (a C client) on the same server for the same time,
so the engine's unfinished cycles can be read against a reference measured in the same run (the VM
delays every client now and then; only the ratio means something). ``--alongside`` also runs it
during the engine's window, so that a load that comes and goes hits both alike. ``--gui`` measures a second
window with the desktop app open on the engine. ``--run-cli`` counts one more window with ``livedenoise
run`` started as a user starts it (its own process, printing its status line). ``--print-swaps N``
swaps the engine's noise print N times in one more window, with the C client running, and counts the
cycles each client left unfinished in the half second after each swap, and in the half second
before it (no swap: what the machine costs anyway): a new print reaches the model off the audio
thread, so a swap must cost the server nothing. ``--starts N`` starts and stops the C client and the
engine process N times each, side by side, and counts what each start and each stop cost the server
(``start_stop``). ``--load-procs N``
keeps N busy processes running through every phase. Figures are printed and written as JSON (``--json``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import multiprocessing
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import replace

import numpy as np
from scipy.signal import max_len_seq

from livedenoise.bench.jack_dummy import DummyJackServer, JackServerError
from livedenoise.realtime.cli.arg_types import int_in_range, positive_float
from livedenoise.realtime.cli.model_flags import add_mask_timing_argument, add_model_arguments
from livedenoise.realtime.engine.devices import find_device, release_portaudio
from livedenoise.realtime.engine.process import EngineError, EngineProcess, EngineSettings
from livedenoise.realtime.latency import Latency
from livedenoise.realtime.noise_print import NoisePrint, print_from_audio
from livedenoise.realtime.output_files import output_path

MLS_ORDER = 12  # 4095 samples: a sharp, unambiguous correlation peak
MLS_LEVEL = 0.25
C_CLIENT = "jack_simple_client"
ENGINE_CLIENT = "livedenoise"
PROBE_CLIENT = "livedenoise-probe"
# The desktop app's entry for this bench: watch(engine: EngineProcess, seconds: float) opens the app
# on the running engine, animating, for that long, then closes it.
GUI_WATCH = "livedenoise.realtime.gui.headless:watch"
SETTLE_S = 1.0  # after a client starts, before counting: connection and first cycles
# The probe records from its start; wiring the loop (a few jack_lsp/jack_connect calls) takes
# seconds on a loaded machine before the first burst, so its buffer holds that much more.
WIRING_ALLOWANCE_S = 10.0
RUN_CLI_STOP_TIMEOUT_S = 30.0  # Ctrl-C to exit: the engine stops in 5 s, or is terminated, then killed
RUN_CLI_START_TIMEOUT_S = 60.0  # a cold start on a loaded machine: imports, model, warm-up
SERVER_HINT = "install the Debian package jackd2 (`make system` installs what is missing)"
SERVER_RATES = (44100, 48000, 88200, 96000)
PRINT_SWAP_WINDOW_S = 0.5  # counted after each swap: the engine's main loop applies it within 0.1 s


def mls() -> np.ndarray:
    """A maximum-length sequence of +-1, ``2**MLS_ORDER - 1`` samples, float32."""
    bits, _ = max_len_seq(MLS_ORDER)
    return (2.0 * bits - 1.0).astype(np.float32)


def jack_ports(client: str | None = None) -> list[str]:
    ports = subprocess.run(["jack_lsp"], capture_output=True, text=True, check=True).stdout.split()
    return ports if client is None else [p for p in ports if p.split(":", 1)[0] == client]


def client_ports(client: str) -> tuple[str, str]:
    """``(first input port, first output port)`` of a JACK client (PortAudio names them in_N, out_N)."""
    ports = jack_ports(client)
    inputs = sorted(p for p in ports if p.rsplit(":", 1)[1].startswith("in"))
    outputs = sorted(p for p in ports if p.rsplit(":", 1)[1].startswith("out"))
    if not inputs or not outputs:
        raise EngineError(f"JACK client {client!r} has no ports (found {ports})")
    return inputs[0], outputs[0]


def jack_rewire(source: str, destination: str) -> None:
    """Connect ``source`` to ``destination`` alone: every other connection of both is removed first."""
    for port in (source, destination):
        listing = subprocess.run(["jack_lsp", "-c", port], capture_output=True, text=True, check=True).stdout
        for peer in (line.strip() for line in listing.splitlines()[1:]):
            pair = (port, peer) if port == source else (peer, port)
            subprocess.run(["jack_disconnect", *pair], capture_output=True, check=False)
    subprocess.run(["jack_connect", source, destination], capture_output=True, check=True)


class LoopbackProbe:
    """A stream on the JACK server that plays a signal on demand and records what comes back.

    ``client_name`` is the JACK client this process's PortAudio uses (``devices.use_jack_client_name``).
    """

    def __init__(self, device, sample_rate: int, blocksize: int, max_seconds: float, client_name: str) -> None:
        import sounddevice as sd

        self._record = np.zeros(int((max_seconds + WIRING_ALLOWANCE_S) * sample_rate), dtype=np.float32)
        self._play = np.zeros_like(self._record)
        self._n_done = 0
        self.sample_rate = sample_rate
        self.stream = sd.Stream(
            samplerate=sample_rate,
            blocksize=blocksize,
            device=device,
            channels=1,
            dtype="float32",
            latency="low",
            callback=self._callback,
        )
        self.stream.start()
        self.input_port, self.output_port = client_ports(client_name)

    def _callback(self, indata, outdata, frames, time_info, status) -> None:
        start = self._n_done
        stop = min(start + frames, self._record.size)
        n = stop - start
        self._record[start:stop] = indata[:n, 0]
        outdata[:n, 0] = self._play[start:stop]
        outdata[n:] = 0.0
        self._n_done = stop

    @property
    def recording(self) -> np.ndarray:
        return self._record[: self._n_done]

    def send(self, signal: np.ndarray, delay_s: float = 0.2) -> int:
        """Schedule ``signal`` a little ahead of now; return the sample index where it starts."""
        at = self._n_done + int(delay_s * self.sample_rate)
        self._play[at : at + signal.size] = signal
        return at

    def lag_samples(self, signal: np.ndarray, at: int, max_lag: int) -> int:
        """Lag of the cross-correlation peak between the played ``signal`` and the recording."""
        segment = self._record[at : at + signal.size + max_lag]
        correlation = np.correlate(segment, signal, mode="valid")
        return int(np.argmax(np.abs(correlation)))

    def close(self) -> None:
        self.stream.stop()
        self.stream.close()


def wire_loop(engine_client: str, probe: LoopbackProbe) -> None:
    """probe out -> engine in, engine out -> probe in, nothing else on those ports."""
    engine_in, engine_out = client_ports(engine_client)
    jack_rewire(probe.output_port, engine_in)
    jack_rewire(engine_out, probe.input_port)


def measure_lags(probe: LoopbackProbe, n_bursts: int = 3) -> list[int]:
    signal = MLS_LEVEL * mls()
    max_lag = probe.sample_rate // 10
    lags = []
    for _ in range(n_bursts):
        at = probe.send(signal)
        time.sleep(0.2 + (signal.size + max_lag) / probe.sample_rate + 0.1)
        lags.append(probe.lag_samples(signal, at, max_lag))
    return lags


def count_window(server: DummyJackServer, client: str, seconds: float, wait=None) -> dict:
    """Unfinished cycles of ``client`` and the server's xruns while ``wait(seconds)`` runs (default: a sleep
    that ends in ``JackServerError`` when the server stops meanwhile)."""
    unfinished0, driver0 = server.n_unfinished(), server.n_driver_xruns()
    (server.sleep if wait is None else wait)(seconds)
    server.check_alive()
    unfinished1, driver1 = server.n_unfinished(), server.n_driver_xruns()
    n_all = sum(unfinished1.values()) - sum(unfinished0.values())
    return {
        "n_unfinished": unfinished1.get(client, 0) - unfinished0.get(client, 0),
        "n_server_xruns": n_all + driver1 - driver0,
        "n_driver_xruns": driver1 - driver0,
        "n_unfinished_by_client": {
            k: v - unfinished0.get(k, 0) for k, v in unfinished1.items() if v > unfinished0.get(k, 0)
        },
    }


@contextmanager
def c_client_running(server: DummyJackServer):
    """``jack_simple_client`` on the server, settled, for the duration of the block."""
    client = subprocess.Popen([C_CLIENT], env=server.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        server.sleep(SETTLE_S)
        if client.poll() is not None:
            raise JackServerError(
                f"{C_CLIENT} exited at once (code {client.returncode}): is jackd2's example client installed?"
            )
        yield
    finally:
        client.terminate()
        client.wait(timeout=10)


def count_engine_window(server: DummyJackServer, seconds: float, alongside: bool) -> dict:
    """``count_window`` for the engine's client; ``alongside``: with the C client running in the same
    window, its own count added as ``n_c_client_unfinished``."""
    if not alongside:
        return count_window(server, ENGINE_CLIENT, seconds)
    with c_client_running(server):
        window = count_window(server, ENGINE_CLIENT, seconds)
    window["n_c_client_unfinished"] = window["n_unfinished_by_client"].get(C_CLIENT, 0)
    return window


def measure_c_client(server: DummyJackServer, seconds: float) -> dict:
    """``jack_simple_client`` alone on the server for ``seconds``."""
    with c_client_running(server):
        return {"client": C_CLIENT, **count_window(server, C_CLIENT, seconds)}


def swap_prints() -> tuple[NoisePrint, NoisePrint]:
    """Two prints the engine's model takes (48 kHz, 1024/128): white noise, and a louder, darker one."""
    rng = np.random.default_rng(0)
    white = 0.003 * rng.standard_normal(48000)
    dark = np.cumsum(0.002 * rng.standard_normal(48000))
    dark -= np.convolve(dark, np.ones(480) / 480, mode="same")  # a brown noise without its drift
    return print_from_audio(white, source="white noise"), print_from_audio(dark, source="dark noise")


def measure_print_swaps(server: DummyJackServer, engine: EngineProcess, n_swaps: int, seconds: float) -> dict:
    """Swap the engine's print ``n_swaps`` times over ``seconds``, the C client running: the cycles each left
    unfinished in the ``PRINT_SWAP_WINDOW_S`` after each swap and in as long before it (no swap), summed,
    and the swaps the engine confirmed."""
    prints = swap_prints()
    interval_s = max(seconds / n_swaps, 2 * PRINT_SWAP_WINDOW_S)
    counts = {
        "n_unfinished": 0,
        "n_c_client_unfinished": 0,
        "n_unfinished_without": 0,
        "n_c_client_unfinished_without": 0,
    }

    def count(suffix: str, wait) -> None:
        before = server.n_unfinished()
        wait()
        after = server.n_unfinished()
        counts["n_unfinished" + suffix] += after.get(ENGINE_CLIENT, 0) - before.get(ENGINE_CLIENT, 0)
        counts["n_c_client_unfinished" + suffix] += after.get(C_CLIENT, 0) - before.get(C_CLIENT, 0)

    with c_client_running(server):
        engine.events()  # what came before is not about the swaps
        for k in range(n_swaps):
            time.sleep(interval_s - 2 * PRINT_SWAP_WINDOW_S)
            count("_without", lambda: time.sleep(PRINT_SWAP_WINDOW_S))

            def swap(noise_print=prints[k % 2]) -> None:
                engine.set_noise_print(noise_print)
                time.sleep(PRINT_SWAP_WINDOW_S)

            count("", swap)
        time.sleep(PRINT_SWAP_WINDOW_S)
        events = engine.events()
    return {
        "n_swaps": n_swaps,
        "n_confirmed": sum(e.kind == "print_set" for e in events),
        "window_s": PRINT_SWAP_WINDOW_S,
        **counts,
        "errors": [e.message for e in events if e.kind == "error"],
    }


def measure_engine(
    server: DummyJackServer,
    settings: EngineSettings,
    seconds: float,
    gui: bool,
    alongside: bool = False,
    print_swaps: int = 0,
) -> dict:
    """The engine process with the probe looped through it: round trip, then counted windows
    (``alongside``: with the C client running at the same time; ``print_swaps``: a window of print swaps)."""
    engine = EngineProcess(settings)
    engine.start()
    try:
        state = engine.state()
        probe = LoopbackProbe(
            find_device(settings.input_device, "input").index,
            server.sample_rate,
            settings.blocksize,
            max_seconds=4.0,
            client_name=PROBE_CLIENT,
        )
        try:
            wire_loop(ENGINE_CLIENT, probe)
            lags = measure_lags(probe)
            server.check_alive()
            probe_latency_samples = round(sum(probe.stream.latency) * probe.sample_rate)
        finally:
            if server.alive:  # a stream whose server died cannot be stopped: it is left to the process's end
                probe.close()
                # This process's PortAudio leaves the graph: a client the server would otherwise run each
                # cycle through every window counted below, and wait for when this process is busy.
                release_portaudio()
        # The loop stays wired (the engine keeps processing silence) while its steadiness is counted.
        stats0 = engine.state()["stats"]
        window = count_engine_window(server, seconds, alongside)
        end = engine.state()
        # the engine's own account, with the round trip the probe measured beside it
        # the probe counts at the server's rate, the latency line at the model's
        round_trip = round(float(np.median(lags)) * state["sample_rate"] / server.sample_rate)
        latency = replace(Latency.from_dict(end["latency"]), round_trip_samples=round_trip)
        result = {
            "client": ENGINE_CLIENT,
            "lags_samples": lags,
            "probe_latency_samples": probe_latency_samples,
            "latency": latency.to_dict(),
            **window,
            **_engine_counts(stats0, end["stats"]),
        }
        if gui:
            stats0 = end["stats"]
            watch = _gui_watch()
            with_gui = count_window(server, ENGINE_CLIENT, seconds, wait=lambda s: watch(engine, s))
            result["with_gui"] = {**with_gui, **_engine_counts(stats0, engine.state()["stats"])}
        if print_swaps:
            result["print_swaps"] = measure_print_swaps(server, engine, print_swaps, seconds)
        events = engine.events()
        result["events"] = [[e.kind, e.message] for e in events]
        return result
    finally:
        engine.stop()


def measure_run_cli(server: DummyJackServer, settings: EngineSettings, seconds: float, alongside: bool = False) -> dict:
    """``livedenoise run`` as a user starts it, in its own process with its status line, counted for
    ``seconds`` once its stream runs (``alongside``: with the C client running at the same time)."""
    command = [
        sys.executable,
        "-m",
        "livedenoise.realtime.cli.main",
        "run",
        "--input",
        settings.input_device,
        "--output",
        settings.output_device,
        "--blocksize",
        str(settings.blocksize),
        "--model",
        settings.model,
        "--provider",
        settings.provider,
        "--strength-db",
        str(settings.strength_db),
    ]
    if not settings.mask_ahead:
        command.append("--same-hop-mask")
    # A file, not a pipe: the status line is rewritten four times a second and nobody drains a pipe.
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(command, env=server.env(), stdout=log, stderr=subprocess.STDOUT, text=True)
        try:
            _wait_for_stream(process, log)
            server.sleep(SETTLE_S)
            window = count_engine_window(server, seconds, alongside)
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)  # what Ctrl-C does: stop, then print the summary
            try:
                process.wait(timeout=RUN_CLI_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.seek(0)
        output = log.read()
        if process.returncode == -signal.SIGKILL:
            raise EngineError(
                f"livedenoise run did not stop within {RUN_CLI_STOP_TIMEOUT_S:.0f} s of Ctrl-C; "
                f"its output ended: {output[-1000:].strip()}"
            )
        lines = output.splitlines()
    # its own closing account: "ran N s: load ... | xruns ... | overloads ..."
    summary = next((line for line in reversed(lines) if line.startswith("ran ")), "")
    return {"client": ENGINE_CLIENT, **window, "summary": summary}


def _wait_for_stream(process: subprocess.Popen, log) -> None:
    """Until ``run`` says it is denoising; its output is the error if it exits or takes too long."""
    deadline = time.monotonic() + RUN_CLI_START_TIMEOUT_S
    while True:
        log.seek(0)
        output = log.read()
        if output.startswith("denoising"):
            return
        if process.poll() is not None or time.monotonic() > deadline:
            raise EngineError(f"livedenoise run did not start: {output.strip() or 'no output'}")
        time.sleep(0.1)


def _engine_counts(stats0: dict, stats1: dict) -> dict:
    return {
        "n_engine_xruns": stats1["n_xruns"] - stats0["n_xruns"],
        "n_overloads": stats1["n_overloads"] - stats0["n_overloads"],
        "n_late_masks": stats1["n_late_masks"] - stats0["n_late_masks"],
        "callback_p50_us": stats1["callback_p50_us"],
        "callback_p99_us": stats1["callback_p99_us"],
        "callback_max_us": stats1["callback_max_us"],
        "load": stats1["load"],
    }


def _gui_watch():
    module_name, _, name = GUI_WATCH.partition(":")
    try:
        return getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError) as exc:
        raise EngineError(f"--gui needs the desktop app ({GUI_WATCH}), which this install lacks: {exc}") from exc


def _busy() -> None:
    while True:
        pass


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--blocksize",
        type=int_in_range(1, 8192),
        default=128,
        help="JACK period and engine block, 1-8192 (default 128)",
    )
    parser.add_argument(
        "--sample-rate",
        type=int,
        choices=SERVER_RATES,
        default=48000,
        help="the JACK server's rate; the engine resamples to and from the model's 48 kHz (default 48000)",
    )
    add_model_arguments(parser)
    add_mask_timing_argument(parser)
    parser.add_argument(
        "--seconds", type=positive_float, default=20.0, help="length of each counted window (default 20)"
    )
    parser.add_argument("--baseline", action="store_true", help=f"first run {C_CLIENT} for as long, on the same server")
    parser.add_argument(
        "--alongside",
        action="store_true",
        help=f"also run {C_CLIENT} during the engine's window: both counted under the same load",
    )
    parser.add_argument("--gui", action="store_true", help="count a second window with the desktop app open")
    parser.add_argument(
        "--run-cli",
        action="store_true",
        help="count one more window with `livedenoise run` in its own process, as a user starts it",
    )
    parser.add_argument(
        "--print-swaps",
        type=int_in_range(0, 1000),
        default=0,
        metavar="N",
        help=f"swap the engine's noise print N times in one more window beside {C_CLIENT}, counting "
        f"the unfinished cycles in the {PRINT_SWAP_WINDOW_S:g} s after each swap (default 0: none)",
    )
    parser.add_argument(
        "--starts",
        type=int_in_range(0, 100),
        default=0,
        metavar="N",
        help=f"start and stop {C_CLIENT} and then the engine process N times, counting what each start "
        "and each stop cost the server (default 0: none)",
    )
    parser.add_argument(
        "--load-procs",
        type=int_in_range(0, 64),
        default=0,
        help="busy processes to run through every phase, 0-64 (default 0)",
    )
    parser.add_argument("--json", type=output_path, default=None, help="write the figures here")


def loopback_settings(args: argparse.Namespace) -> EngineSettings:
    """The engine on the bench's own server, its system ports, with the model flags as given."""
    return EngineSettings(
        input_device="system",
        output_device="system",
        blocksize=args.blocksize,
        model=args.model,
        provider=args.provider,
        strength_db=args.strength_db,
        mask_ahead=not args.same_hop_mask,
    )


def run(args: argparse.Namespace) -> int:
    from livedenoise.bench.start_stop import measure_starts
    from livedenoise.realtime.engine.devices import abandon_portaudio, use_jack_client_name

    try:
        server = DummyJackServer(args.sample_rate, args.blocksize)
    except JackServerError as exc:
        args.parser.exit(1, f"livedenoise bench e2e: error: {exc}\n  hint: {SERVER_HINT}\n")
    with server.as_default():
        use_jack_client_name(PROBE_CLIENT)  # also makes this process's PortAudio find the new server
        load = [multiprocessing.get_context("spawn").Process(target=_busy, daemon=True) for _ in range(args.load_procs)]
        for p in load:
            p.start()
        try:
            baseline = measure_c_client(server, args.seconds) if args.baseline else None
            settings = loopback_settings(args)
            engine = measure_engine(server, settings, args.seconds, args.gui, args.alongside, args.print_swaps)
            run_cli = measure_run_cli(server, settings, args.seconds, args.alongside) if args.run_cli else None
            starts = measure_starts(server, settings, args.starts) if args.starts else None
        except (EngineError, JackServerError) as exc:
            print(f"livedenoise bench e2e: error: {exc}", file=sys.stderr)
            return 1
        finally:
            for p in load:
                p.kill()
            if server.alive:
                release_portaudio()  # PortAudio's JACK client must go while its server lives
            else:
                abandon_portaudio()  # closing a client of a dead server aborts the process
            server.stop()
    latency = engine.pop("latency")
    result = {
        "model": args.model,
        "provider": args.provider,
        "strength_db": args.strength_db,
        "blocksize": args.blocksize,
        "sample_rate": args.sample_rate,
        "seconds": args.seconds,
        "n_load_procs": args.load_procs,
        "alongside": args.alongside,
        "latency": latency,
        "baseline": baseline,
        "engine": engine,
        "run_cli": run_cli,
        "starts": starts,
    }
    print(report(result))
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


def report(result: dict) -> str:
    engine = result["engine"]
    lines = [
        Latency.from_dict(result["latency"]).describe(),
        f"{result['seconds']:.0f} s per window, block {result['blocksize']} at {result.get('sample_rate', 48000)} Hz, "
        f"model {result['model']}, "
        f"{result['n_load_procs']} busy procs; unfinished = cycles the server logged the client as not finished",
        f"{'client':<28}{'unfinished':>11}{'server xruns':>14}{'engine xruns':>14}{'overloads':>11}{'late masks':>12}"
        "  callback p50/p99/max us",
    ]
    rows = []
    if result["baseline"] is not None:
        rows.append((C_CLIENT, result["baseline"], None))
    rows.append((ENGINE_CLIENT, engine, engine))
    if "with_gui" in engine:
        rows.append((ENGINE_CLIENT + " + gui", engine["with_gui"], engine["with_gui"]))
    run_cli = result.get("run_cli")
    if run_cli is not None:
        rows.append(("livedenoise run", run_cli, None))
    for name, window, counts in rows:
        own = "-" if counts is None else f"{counts['n_engine_xruns']}"
        overloads = "-" if counts is None else f"{counts['n_overloads']}"
        late = "-" if counts is None else f"{counts['n_late_masks']}"
        timing = (
            "-"
            if counts is None
            else (f"{counts['callback_p50_us']:.0f}/{counts['callback_p99_us']:.0f}/{counts['callback_max_us']:.0f}")
        )
        lines.append(
            f"{name:<28}{window['n_unfinished']:>11}{window['n_server_xruns']:>14}{own:>14}{overloads:>11}"
            f"{late:>12}  {timing}"
        )
    floor = 3 * result["seconds"] / 30.0
    if result["baseline"] is not None:
        reference = max(result["baseline"]["n_unfinished"], floor)
        lines.append(
            f"engine / C client unfinished: {engine['n_unfinished'] / reference:.2f} "
            f"(C client floored at 3 per 30 s; target <= 1.5)"
        )
        if run_cli is not None:
            lines.append(f"livedenoise run / C client unfinished: {run_cli['n_unfinished'] / reference:.2f}")
    if result["alongside"]:
        for name, window in (("the engine", engine), ("livedenoise run", run_cli)):
            if window is not None:
                n_c = window["n_c_client_unfinished"]
                lines.append(
                    f"{C_CLIENT} alongside {name}, same window: {n_c} unfinished; {name} / C client "
                    f"{window['n_unfinished'] / max(n_c, floor):.2f}"
                )
    swaps = engine.get("print_swaps")
    if swaps is not None:
        lines.append(
            f"print swaps: {swaps['n_confirmed']} of {swaps['n_swaps']} confirmed by the engine; unfinished "
            f"cycles in the {swaps['window_s']:g} s after each swap: engine {swaps['n_unfinished']}, "
            f"{C_CLIENT} {swaps['n_c_client_unfinished']} (target: engine 0); in as long before each, "
            f"no swap: engine {swaps['n_unfinished_without']}, {C_CLIENT} "
            f"{swaps['n_c_client_unfinished_without']}"
        )
        lines.extend(f"print swap error: {message}" for message in swaps["errors"])
    if run_cli is not None and run_cli["summary"]:
        lines.append(f"livedenoise run's own summary: {run_cli['summary']}")
    if result.get("starts") is not None:
        from livedenoise.bench.start_stop import starts_report

        lines.extend(starts_report(result["starts"]))
    for kind, message in engine.get("events", []):
        lines.append(f"{kind}: {message}")
    return "\n".join(lines)
