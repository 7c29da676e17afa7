"""A real JACK server (dummy back end, 48 kHz, period 128) for device tests, one per test, uniquely named."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from components import require
from livedenoise.bench.jack_dummy import ends_with_parent

PERIOD_SAMPLES = 128
SAMPLE_RATE = 48000


@dataclass
class JackServer:
    name: str
    process: subprocess.Popen
    log_path: Path
    period_samples: int = PERIOD_SAMPLES
    sample_rate: int = SAMPLE_RATE

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def n_xruns(self) -> int:
        """Xruns the server logs: cycles our client missed (it took too long, or the operating system
        had not yet scheduled its woken thread) and cycles the dummy driver's own timer started late.
        The server notifies every client of both kinds."""
        log = self.log()
        return log.count(" was not finished") + log.count("JackTimedDriver::Process XRun")

    def kill(self) -> None:
        # SIGTERM, not SIGKILL: a killed server leaves its slot in JACK's shared registry (8 slots).
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def start_jack_server(
    tmp_path: Path, rescan: bool = True, sample_rate: int = SAMPLE_RATE, name: str | None = None
) -> JackServer:
    """A new server; ``name``: one that was stopped, started again (a server coming back; its log goes on)."""
    import sounddevice as sd

    require(shutil.which("jackd") is not None and shutil.which("jack_lsp") is not None, "jackd (Debian package jackd2)")
    name = name or f"ld-{os.getpid()}-{secrets.token_hex(4)}"
    log_path = tmp_path / f"{name}.log"
    with open(log_path, "a") as log:
        process = subprocess.Popen(
            # Real-time scheduling, as on a musician's machine: the dummy driver's timer thread and our
            # client's process thread then preempt whatever else the machine is doing.
            ends_with_parent(
                [
                    "jackd",
                    "--realtime",
                    "-P",
                    "70",
                    "-n",
                    name,
                    "-d",
                    "dummy",
                    "-r",
                    str(sample_rate),
                    "-p",
                    str(PERIOD_SAMPLES),
                ]
            ),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = JackServer(name, process, log_path, sample_rate=sample_rate)
    os.environ["JACK_DEFAULT_SERVER"] = name
    deadline = time.monotonic() + 10.0
    while subprocess.run(["jack_lsp"], capture_output=True).returncode != 0:
        if process.poll() is not None or time.monotonic() > deadline:
            server.kill()
            pytest.fail(f"jackd did not start:\n{server.log()}")
        time.sleep(0.05)
    if rescan:
        sd._terminate()  # PortAudio scans host APIs at initialisation: look again, now that JACK runs
        sd._initialize()
    return server


@pytest.fixture
def jack_server(tmp_path, request):
    """A server at 48 kHz, or at the rate given by indirect parametrization."""
    saved = os.environ.get("JACK_DEFAULT_SERVER")
    server = start_jack_server(tmp_path, sample_rate=getattr(request, "param", SAMPLE_RATE))
    yield server
    import sounddevice as sd

    # Let PortAudio drop its JACK client while the server lives: closing it afterwards aborts.
    if server.process.poll() is None:
        sd._terminate()
        server.kill()
        sd._initialize()
    if saved is None:
        os.environ.pop("JACK_DEFAULT_SERVER", None)
    else:
        os.environ["JACK_DEFAULT_SERVER"] = saved


@pytest.fixture
def jack_servers(tmp_path):
    """Start servers on demand for child processes (this process's PortAudio never connects to them)."""
    saved = os.environ.get("JACK_DEFAULT_SERVER")
    servers = []

    def start(sample_rate: int = SAMPLE_RATE, name: str | None = None) -> JackServer:
        servers.append(start_jack_server(tmp_path, rescan=False, sample_rate=sample_rate, name=name))
        return servers[-1]

    yield start
    for server in servers:
        server.kill()
    if saved is None:
        os.environ.pop("JACK_DEFAULT_SERVER", None)
    else:
        os.environ["JACK_DEFAULT_SERVER"] = saved
