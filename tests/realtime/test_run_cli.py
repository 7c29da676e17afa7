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
    lines = result.stdout.strip().splitlines()
    assert "engine process" in lines[0]
    # the summary, then the one latency line, as at the start: the dummy driver's two periods of buffers
    summary, latency = lines[-2].rsplit("\r", 1)[-1], lines[-1]
    assert summary.startswith("ran ") and "xruns" in summary
    assert latency == lines[1] and latency.startswith("latency 5.33 ms algorithmic")
    assert "8.00 ms through the device (5.33 ms device buffers + 0.00 ms queue + 2.67 ms overlap-add)" in latency


def test_run_refuses_an_unknown_device_with_a_clear_error(jack_server):
    result = subprocess.run([LIVEDENOISE, "run", "--input", "no-such-device", "--seconds", "1"],
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 1 and "no-such-device" in result.stderr and "Traceback" not in result.stderr
    assert "usage:" not in result.stderr and "hint:" in result.stderr
