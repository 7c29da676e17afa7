"""``livedenoise bench e2e``: a round trip through an audio device, measured.

On JACK the engine's ports are wired to a probe stream in the same graph: probe out -> engine in,
engine out -> probe in. The probe plays a maximum-length-sequence burst; the lag of the
cross-correlation peak between what it played and what came back is the end-to-end latency. Over
the chosen duration the engine's xruns and overloads are counted; ``--soak MINUTES`` also samples
the process's resident memory. ``--load-procs N`` runs N busy processes meanwhile, to measure
under load. Figures are printed and written as JSON (``--json``).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import time
from pathlib import Path

import numpy as np
import sounddevice as sd

from livedenoise.realtime.cli_types import int_in_range, non_negative_float, positive_float
from livedenoise.realtime.engine import AudioEngine
from livedenoise.realtime.latency import Latency
from livedenoise.realtime.model_choice import open_runtime
from livedenoise.realtime.model_options import add_model_arguments

MLS_ORDER = 12  # 4095 samples: a sharp, unambiguous correlation peak


def mls(order: int = MLS_ORDER) -> np.ndarray:
    """A maximum-length sequence of +-1, ``2**order - 1`` samples (Fibonacci LFSR, taps of x^12+x^6+x^4+x+1)."""
    taps = {12: (12, 6, 4, 1)}[order]
    state = [1] * order
    out = np.empty(2**order - 1, dtype=np.float32)
    for i in range(out.size):
        bit = state[-1]
        out[i] = 1.0 if bit else -1.0
        feedback = 0
        for t in taps:
            feedback ^= state[t - 1]
        state = [feedback] + state[:-1]
    return out


def jack_ports() -> list[str]:
    return subprocess.run(["jack_lsp"], capture_output=True, text=True, check=True).stdout.split()


def jack_rewire(source: str, destination: str) -> None:
    """Connect ``source`` to ``destination`` alone: every other connection of both is removed first."""
    for port in (source, destination):
        listing = subprocess.run(["jack_lsp", "-c", port], capture_output=True, text=True, check=True).stdout
        for peer in (line.strip() for line in listing.splitlines()[1:]):
            pair = (port, peer) if port == source else (peer, port)
            subprocess.run(["jack_disconnect", *pair], capture_output=True, check=False)
    subprocess.run(["jack_connect", source, destination], capture_output=True, check=True)


class LoopbackProbe:
    """A stream on the same JACK server that plays ``signal`` on demand and records what comes back."""

    def __init__(self, device: int, sample_rate: int, blocksize: int, max_seconds: float) -> None:
        self._record = np.zeros(int(max_seconds * sample_rate), dtype=np.float32)
        self._play = np.zeros_like(self._record)
        self._n_done = 0
        self.play_at = -1
        before = set(jack_ports())
        self.stream = sd.Stream(
            samplerate=sample_rate, blocksize=blocksize, device=device, channels=1, dtype="float32",
            latency="low", callback=self._callback,
        )
        self.stream.start()
        new = sorted(set(jack_ports()) - before)
        self.input_port = next(p for p in new if p.rsplit(":", 1)[1].startswith("in"))
        self.output_port = next(p for p in new if p.rsplit(":", 1)[1].startswith("out"))

    def _callback(self, indata, outdata, frames, time_info, status) -> None:
        start = self._n_done
        stop = min(start + frames, self._record.size)
        n = stop - start
        self._record[start:stop] = indata[:n, 0]
        outdata[:n, 0] = self._play[start:stop]
        outdata[n:] = 0.0
        self._n_done = stop

    def send(self, signal: np.ndarray, delay_s: float = 0.2) -> int:
        """Schedule ``signal`` a little ahead of now; return the sample index where it starts."""
        at = self._n_done + int(delay_s * self.stream.samplerate)
        self._play[at : at + signal.size] = signal
        self.play_at = at
        return at

    def lag_samples(self, signal: np.ndarray, at: int, max_lag: int) -> int:
        """Lag of the cross-correlation peak between the played ``signal`` and the recording."""
        segment = self._record[at : at + signal.size + max_lag]
        correlation = np.correlate(segment, signal, mode="valid")
        return int(np.argmax(np.abs(correlation)))

    def close(self) -> None:
        self.stream.stop()
        self.stream.close()


def find_engine_ports(before: set[str]) -> tuple[str, str]:
    new = sorted(set(jack_ports()) - before)
    input_port = next(p for p in new if p.rsplit(":", 1)[1].startswith("in"))
    output_port = next(p for p in new if p.rsplit(":", 1)[1].startswith("out"))
    return input_port, output_port


def round_trip(engine: AudioEngine, probe_device: int, n_bursts: int = 3) -> dict:
    """Start ``engine``, wire it to a probe, and measure the round trip ``n_bursts`` times."""
    before = set(jack_ports())
    engine.start()
    engine_in, engine_out = find_engine_ports(before)
    probe = LoopbackProbe(probe_device, engine.sample_rate, engine.blocksize, max_seconds=1.0 + n_bursts)
    try:
        jack_rewire(probe.output_port, engine_in)
        jack_rewire(engine_out, probe.input_port)
        signal = 0.25 * mls()
        max_lag = engine.sample_rate // 10
        lags = []
        for _ in range(n_bursts):
            at = probe.send(signal)
            time.sleep(0.2 + (signal.size + max_lag) / engine.sample_rate + 0.1)
            lags.append(probe.lag_samples(signal, at, max_lag))
        probe_latency = probe.stream.latency
    finally:
        probe.close()
    return {
        "lags_samples": lags,
        "probe_latency_samples": round(sum(probe_latency) * engine.sample_rate),
    }


def _busy() -> None:
    while True:
        pass


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", default=None, help="JACK device index or name substring (default: the default device)")
    parser.add_argument("--blocksize", type=int_in_range(1, 8192), default=128)
    add_model_arguments(parser)
    parser.add_argument("--processing", choices=("inline", "worker"), default="inline")
    parser.add_argument("--seconds", type=positive_float, default=20.0, help="how long to count xruns and overloads")
    parser.add_argument("--soak", type=non_negative_float, default=0.0, metavar="MINUTES", help="also run this long, sampling RSS")
    parser.add_argument("--load-procs", type=int_in_range(0, 64), default=0, help="busy processes to run meanwhile")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")


def run(args: argparse.Namespace) -> int:
    if "JACK" not in " ".join(api["name"] for api in sd.query_hostapis()):
        args.parser.exit(1, "livedenoise bench e2e: error: no JACK server is running (the bench wires a loopback "
                            "inside the JACK graph)\n  hint: start one, e.g. `jackd -d dummy -r 48000 -p 128`\n")
    engine = AudioEngine(open_runtime(args.model, provider=args.provider), args.device, args.device,
                         blocksize=args.blocksize, strength_db=args.strength_db, processing=args.processing)
    load = [multiprocessing.Process(target=_busy, daemon=True) for _ in range(args.load_procs)]
    for p in load:
        p.start()
    try:
        trip = round_trip(engine, engine.input_device.index)
        lag = int(np.median(trip["lags_samples"]))
        latency = Latency.of_engine(engine, round_trip_samples=lag)  # while the stream runs: it has device figures
        n_xruns0, n_overloads0 = engine.n_xruns, engine.n_overloads
        rss = [(0.0, _rss_bytes())]
        t0 = time.monotonic()
        total_s = args.seconds + 60.0 * args.soak
        while time.monotonic() - t0 < total_s:
            time.sleep(min(1.0, total_s))
            rss.append((time.monotonic() - t0, _rss_bytes()))
            if engine.poll():
                break
        stats = engine.stats()
    finally:
        engine.stop()
        for p in load:
            p.kill()
    result = {
        "model": args.model,
        "processing": args.processing,
        "blocksize": args.blocksize,
        "sample_rate": engine.sample_rate,
        "n_load_procs": args.load_procs,
        "lags_samples": trip["lags_samples"],
        "probe_latency_samples": trip["probe_latency_samples"],
        "latency": latency.to_dict(),
        "seconds": total_s,
        "n_xruns": engine.n_xruns - n_xruns0,
        "n_overloads": engine.n_overloads - n_overloads0,
        "rss_growth_bytes": rss[-1][1] - rss[0][1],
        "rss_samples": rss,
        "stats": stats,
    }
    print(latency.describe())
    print(
        f"over {total_s:.0f} s at block "
        f"{args.blocksize} ({args.processing}, {args.load_procs} busy procs): {result['n_xruns']} xruns, "
        f"{result['n_overloads']} overloads; callback p50 {stats['callback_p50_us']:.0f} us, p99 "
        f"{stats['callback_p99_us']:.0f} us, max {stats['callback_max_us']:.0f} us; RSS growth "
        f"{result['rss_growth_bytes'] / 2**20:.1f} MiB"
    )
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2))
    return 0
