"""`bench e2e` when its JACK server is stopped under it: one line saying so and status 1, never an abort."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from components import require

LIVEDENOISE = str(Path(sys.executable).parent / "livedenoise")
TIMEOUT_S = 180


def child_jackd(pid: int) -> tuple[int, str] | None:
    """The ``jackd`` that process ``pid`` started: its pid and its server name."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for child in map(int, children):
        try:
            argv = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        except FileNotFoundError:
            continue
        if argv[0].endswith(b"jackd") and b"-n" in argv:
            return child, argv[argv.index(b"-n") + 1].decode()
    return None


def has_client(server: str, client: str) -> bool:
    env = {**os.environ, "JACK_DEFAULT_SERVER": server, "JACK_NO_START_SERVER": "1"}
    ports = subprocess.run(["jack_lsp"], capture_output=True, text=True, env=env).stdout.split()
    return any(port.startswith(client + ":") for port in ports)


def test_a_server_stopped_under_the_bench_ends_it_in_words(tmp_path):
    require(shutil.which("jackd") is not None and shutil.which("jack_lsp") is not None, "jackd (Debian package jackd2)")
    with open(tmp_path / "out.txt", "w+") as out:
        bench = subprocess.Popen(
            [LIVEDENOISE, "bench", "e2e", "--model", "identity", "--seconds", "60"],
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            deadline = time.monotonic() + TIMEOUT_S
            found = None
            while time.monotonic() < deadline and bench.poll() is None:
                found = found or child_jackd(bench.pid)
                if found is not None and has_client(found[1], "livedenoise-probe"):
                    break
                time.sleep(0.2)
            else:
                pytest.fail(f"the bench's probe never joined its server:\n{(tmp_path / 'out.txt').read_text()}")
            time.sleep(3.0)  # into the counted window
            os.kill(found[0], signal.SIGTERM)
            code = bench.wait(timeout=TIMEOUT_S)
        finally:
            if bench.poll() is None:
                bench.kill()
                bench.wait()
        out.seek(0)
        output = out.read()
    assert code == 1, output
    assert "livedenoise bench e2e: error: the JACK server" in output and "stopped mid-run" in output
    assert "Assertion" not in output and "Traceback" not in output
