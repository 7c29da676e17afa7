"""`livedenoise run` refuses bad flags and missing devices in one line, and stops cleanly on SIGTERM."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

LIVEDENOISE = str(Path(sys.executable).parent / "livedenoise")


def livedenoise(*args):
    return subprocess.run([LIVEDENOISE, *map(str, args)], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    "flags,words",
    [
        (("--seconds", "-1"), ("--seconds", "> 0")),
        (("--seconds", "nan"), ("--seconds",)),
        (("--blocksize", "100000000"), ("--blocksize", "8192")),
        (("--blocksize", "0"), ("--blocksize",)),
        (("--channels", "0"), ("--channels",)),
        (("--strength-db", "loud"), ("--strength-db", "number")),
    ],
)
def test_bad_flags_are_one_line_naming_the_flag(flags, words):
    result = livedenoise("run", "--model", "dsp", *flags)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert all(word in lines[0] for word in words), lines[0]


def test_a_missing_device_gives_the_reason_and_a_hint_not_the_usage():
    result = livedenoise("run", "--model", "dsp", "--input", "no-such-device-0f3a", "--seconds", "1")
    assert result.returncode == 1
    assert "usage:" not in result.stderr and "Traceback" not in result.stderr
    assert "error:" in result.stderr and "hint:" in result.stderr


def test_more_channels_than_the_device_has_names_the_flag(jack_servers):
    jack_servers()
    result = livedenoise("run", "--model", "dsp", "--channels", "3", "--seconds", "1")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "--channels 3" in result.stderr and "sample rate" not in result.stderr and "Hz with" not in result.stderr


def test_run_prints_the_one_latency_and_stops_on_sigterm(jack_servers):
    jack_servers()
    process = subprocess.Popen(
        [LIVEDENOISE, "run", "--model", "identity"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    deadline = time.monotonic() + 60
    first = ""
    while "latency" not in first and time.monotonic() < deadline:
        first += process.stdout.readline()
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=30)
    assert "latency 5.33 ms algorithmic (2.67 ms framing + 2.67 ms overlap-add)" in first
    assert "through the device" in first
    assert process.returncode == 0, stderr  # a stop asked for, with its summary
    assert "ran " in stdout and "Traceback" not in stderr
