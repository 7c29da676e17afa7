"""`livedenoise run` on a JACK server: the engine runs in its own process, the status line here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

LIVEDENOISE = str(Path(sys.executable).parent / "livedenoise")


def test_run_streams_in_an_engine_process_and_prints_a_summary(jack_server):
    result = subprocess.run(
        [LIVEDENOISE, "run", "--input", "system", "--output", "system", "--model", "dsp", "--seconds", "2"],
        capture_output=True, text=True, timeout=180,
    )
    assert result.returncode == 0, result.stderr
    assert "engine process" in result.stdout
    summary = result.stdout.strip().splitlines()[-1]
    assert summary.startswith("ran ") and "latency 2.7 ms + device 5.3 ms" in summary and "xruns" in summary


def test_run_refuses_an_unknown_device_with_a_clear_error(jack_server):
    result = subprocess.run([LIVEDENOISE, "run", "--input", "no-such-device", "--seconds", "1"],
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 2 and "no-such-device" in result.stderr and "Traceback" not in result.stderr
