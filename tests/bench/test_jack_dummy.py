"""A JACK server that will not start says why: its own output is in the error."""

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
from livedenoise.bench.jack_dummy import DummyJackServer, JackServerError


def test_a_server_that_exits_at_once_reports_its_log(tmp_path, monkeypatch):
    require(shutil.which("jack_lsp") is not None, "jack_lsp (Debian package jackd2)")
    fake = tmp_path / "jackd"
    fake.write_text("#!/bin/sh\necho 'Too many servers already active'\nexit 255\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(JackServerError, match="Too many servers already active"):
        DummyJackServer()


REGISTRY = Path("/dev/shm/jack-shm-registry")


def registered(name: str) -> bool:
    """Whether JACK's shared registry holds a slot for the server ``name`` (entries read "jack-UID:NAME:")."""
    return f":{name}:".encode() in REGISTRY.read_bytes()


@pytest.mark.parametrize("how", ["killed", "stopped"])
def test_the_bench_leaves_no_registry_slot_behind(how):
    require(shutil.which("jackd") is not None, "jackd (Debian package jackd2)")
    server = DummyJackServer(realtime=False)
    require(REGISTRY.exists(), f"JACK's shared registry at {REGISTRY}")
    assert registered(server.name)
    if how == "killed":  # SIGKILL: jackd cannot free its slot; the bench that made the server does
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(timeout=10)
        assert registered(server.name)
    server.stop()
    assert not registered(server.name)


def test_a_server_that_stops_under_the_bench_is_said(tmp_path):
    require(shutil.which("jackd") is not None, "jackd (Debian package jackd2)")
    server = DummyJackServer(realtime=False)
    try:
        server.sleep(0.2)
        server.process.terminate()
        server.process.wait(timeout=10)
        with pytest.raises(JackServerError, match="stopped mid-run"):
            server.sleep(5.0)
    finally:
        server.stop()


def test_a_server_ends_when_the_process_that_started_it_is_killed():
    """A bench or test killed mid-run (SIGKILL, a timeout) leaves no jackd behind."""
    require(shutil.which("jackd") is not None, "jackd (Debian package jackd2)")
    require(shutil.which("setpriv") is not None, "setpriv (Debian package util-linux)")
    starter = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from livedenoise.bench.jack_dummy import DummyJackServer; import time\n"
            "server = DummyJackServer(realtime=False); print(server.process.pid, flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    with starter:
        server_pid = int(starter.stdout.readline())
        os.kill(server_pid, 0)  # running
        starter.kill()
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline:
        try:
            os.kill(server_pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(server_pid, signal.SIGKILL)
    pytest.fail(f"jackd {server_pid} outlived the process that started it")
