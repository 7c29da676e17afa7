"""`livedenoise run` on a JACK server: the engine runs in its own process, the status line here."""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

LIVEDENOISE = str(Path(sys.executable).parent / "livedenoise")


def test_run_streams_in_an_engine_process_and_prints_a_summary(jack_server):
    result = subprocess.run(
        [LIVEDENOISE, "run", "--input", "system", "--output", "system", "--model", "dsp", "--seconds", "2"],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert "engine process" in lines[0]
    # the summary, then the one latency line, as at the start: the dummy driver's two periods of buffers
    summary, latency = lines[-2].rsplit("\r", 1)[-1], lines[-1]
    assert summary.startswith("ran ") and "xruns" in summary
    assert latency == lines[1] and latency.startswith("latency 5.33 ms algorithmic")
    assert "8.00 ms through the device (5.33 ms device buffers + 0.00 ms queue + 2.67 ms overlap-add)" in latency


def test_run_refuses_an_unknown_device_with_a_clear_error(jack_server):
    result = subprocess.run(
        [LIVEDENOISE, "run", "--input", "no-such-device", "--seconds", "1"], capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 1 and "no-such-device" in result.stderr and "Traceback" not in result.stderr
    assert "usage:" not in result.stderr and "hint:" in result.stderr


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_stops_run_with_its_summary(jack_server, number):
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            [LIVEDENOISE, "run", "--input", "system", "--output", "system", "--model", "identity"],
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and process.poll() is None:
                log.seek(0)
                if "latency" in log.read():
                    break
                time.sleep(0.05)
            time.sleep(0.6)  # a few turns of the status loop
            process.send_signal(number)
            assert process.wait(timeout=20) == 0
        finally:
            if process.poll() is None:
                process.kill()
        log.seek(0)
        output = log.read()
    assert "ran " in output and "Traceback" not in output
