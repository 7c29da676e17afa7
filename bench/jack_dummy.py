"""A JACK server on the dummy back end, started for one measurement, whose log says who was late.

Each cycle the server waits for every client; a client that has not finished when the next cycle
is due is logged by name ("client = NAME was not finished"): these unfinished cycles are the
server's own account of which client would have clicked. Late wake-ups of the dummy driver's timer
("JackTimedDriver::Process XRun") hit every client alike and are counted apart.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from livedenoise.models.errors import LivedenoiseError

START_TIMEOUT_S = 10.0
ALIVE_POLL_S = 0.1
UNFINISHED = re.compile(r"client = (.+?) was not finished")
# util-linux's setpriv starts jackd with a parent-death signal: a server whose bench or test was
# killed ends with it (SIGTERM releases its slot in JACK's registry) instead of lingering.
WITH_PARENT = ["setpriv", "--pdeathsig", "TERM"]


def ends_with_parent(command: list[str]) -> list[str]:
    """``command`` run so that it is sent SIGTERM when the process that started it dies."""
    return [*WITH_PARENT, *command] if shutil.which(WITH_PARENT[0]) else command


class JackServerError(LivedenoiseError, RuntimeError):
    """jackd is missing or did not start; the message says what to install or check."""


class DummyJackServer:
    """``jackd -d dummy`` at ``sample_rate`` with ``period_samples`` per cycle, real-time scheduled."""

    def __init__(self, sample_rate: int = 48000, period_samples: int = 128, realtime: bool = True) -> None:
        if shutil.which("jackd") is None or shutil.which("jack_lsp") is None:
            raise JackServerError("jackd and jack_lsp are missing: install the Debian package jackd2")
        self.sample_rate = sample_rate
        self.period_samples = period_samples
        self.name = f"ld-bench-{os.getpid()}-{secrets.token_hex(3)}"
        self._log_dir = tempfile.TemporaryDirectory(prefix="livedenoise-jack-")
        self.log_path = Path(self._log_dir.name) / "jackd.log"
        self._command = ["jackd", "-n", self.name, "-d", "dummy", "-r", str(sample_rate), "-p", str(period_samples)]
        if realtime:
            self._command[1:1] = ["--realtime", "-P", "70"]
        self._started = False
        self.process = self._launch()
        if not self._wait_ready():
            log = self.log()  # stop() removes it
            self.stop()
            raise JackServerError(f"jackd did not start:\n{log}")
        self._started = True

    def _launch(self) -> subprocess.Popen:
        with open(self.log_path, "a") as log:
            return subprocess.Popen(ends_with_parent(self._command), stdout=log, stderr=subprocess.STDOUT)

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + START_TIMEOUT_S
        while subprocess.run(["jack_lsp"], capture_output=True, env=self.env()).returncode != 0:
            if self.process.poll() is not None or time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def check_alive(self) -> None:
        """Raise ``JackServerError`` if the server has stopped (killed, or crashed) under the bench."""
        if not self.alive:
            raise JackServerError(
                f"the JACK server {self.name} stopped mid-run (exit code {self.process.returncode}); "
                "the figures of this run are lost"
            )

    def sleep(self, seconds: float) -> None:
        """``time.sleep(seconds)``, cut short by ``JackServerError`` when the server stops meanwhile."""
        deadline = time.monotonic() + seconds
        while (left_s := deadline - time.monotonic()) > 0:
            self.check_alive()
            time.sleep(min(ALIVE_POLL_S, left_s))
        self.check_alive()

    def env(self) -> dict[str, str]:
        """The environment for clients of this server (and never an auto-started other one)."""
        return {**os.environ, "JACK_DEFAULT_SERVER": self.name, "JACK_NO_START_SERVER": "1"}

    @contextmanager
    def as_default(self) -> Iterator[None]:
        """This process's JACK clients (PortAudio's among them) find this server while in the block."""
        keys = ("JACK_DEFAULT_SERVER", "JACK_NO_START_SERVER")
        saved = {key: os.environ.get(key) for key in keys}
        os.environ.update({key: self.env()[key] for key in keys})
        try:
            yield
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def n_unfinished(self) -> dict[str, int]:
        """Unfinished cycles so far, by client name."""
        counts: dict[str, int] = {}
        for name in UNFINISHED.findall(self.log()):
            counts[name] = counts.get(name, 0) + 1
        return counts

    def n_driver_xruns(self) -> int:
        """Cycles the dummy driver's own timer started late (every client suffers them)."""
        return self.log().count("JackTimedDriver::Process XRun")

    def stop(self) -> None:
        # SIGTERM, not SIGKILL: a killed server leaves its slot in JACK's shared registry.
        if self.process.poll() is None:
            self._terminate()
        elif self._started and self.process.returncode != 0:
            self._clear_registry_slot()
        self._log_dir.cleanup()

    def _terminate(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _clear_registry_slot(self) -> None:
        """A server that died (killed, or crashed) leaves its slot in JACK's shared registry, 8 slots for
        all the servers of a user ("Too many servers already active" after that). Started again under the
        same name, jackd reclaims the dead server's slot; stopped with SIGTERM, it frees it."""
        self.process = self._launch()
        self._wait_ready()
        if self.process.poll() is None:
            self._terminate()

    def __enter__(self) -> DummyJackServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
