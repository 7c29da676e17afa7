"""`livedenoise run` with a noise print, on a JACK server: learned from the first seconds of the input (a
noise file played in a loop), then used; a print file given; mistakes in one line; and without a print,
nothing of it shows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from livedenoise.realtime.noise_print import print_from_audio

LIVEDENOISE = str(Path(sys.executable).parent / "livedenoise")
SAMPLE_RATE = 48000


@pytest.fixture
def room_file(tmp_path):
    """Four seconds of white noise at 0.01 RMS (-40 dBFS), the room the tests learn."""
    rng = np.random.default_rng(0)
    path = tmp_path / "room.wav"
    sf.write(path, 0.01 * rng.standard_normal(4 * SAMPLE_RATE), SAMPLE_RATE, subtype="FLOAT")
    return path


def run(*flags: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [LIVEDENOISE, "run", "--output", "system", "--model", "dsp", *flags],
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_run_learns_the_room_from_the_first_seconds_then_denoises_with_that_print(jack_server, room_file):
    result = run("--file", str(room_file), "--learn-seconds", "1", "--seconds", "4")
    assert result.returncode == 0, result.stderr
    lines = [line.rsplit("\r", 1)[-1] for line in result.stdout.splitlines()]
    learning = lines.index("learning the room, keep quiet for 1 s")
    learned = next(i for i, line in enumerate(lines) if line.startswith("learned noise print"))
    assert learning < learned and lines[learned] == "learned noise print -40.0 dBFS, 1.0 s from the room"
    summary = next(line for line in lines if line.startswith("ran "))
    assert "| print the room -40.0 dBFS, 1.0 s, made " in summary and summary.endswith("frozen; sanitized samples 0")
    assert "Traceback" not in result.stderr


def test_run_uses_a_print_file_and_refines_it_in_auto_mode(jack_server, room_file, tmp_path):
    noise, _ = sf.read(room_file, dtype="float32")
    saved = tmp_path / "room.print.json"
    print_from_audio(noise, source="room.wav").save(saved)
    result = run("--file", str(room_file), "--noise-print", str(saved), "--print", "auto", "--seconds", "5")
    assert result.returncode == 0, result.stderr
    lines = [line.rsplit("\r", 1)[-1] for line in result.stdout.splitlines()]
    assert "using noise print -40.0 dBFS, 4.0 s from room.wav" in lines
    summary = next(line for line in lines if line.startswith("ran "))
    assert "| print room.wav, refined -40.0 dBFS" in summary and ", auto (refined " in summary


def test_without_a_print_the_status_line_is_as_it_was(jack_server, room_file):
    result = run("--file", str(room_file), "--seconds", "2")
    assert result.returncode == 0, result.stderr
    assert "| print" not in result.stdout and "learn" not in result.stdout and "noise print" not in result.stdout


@pytest.mark.parametrize(
    ("flags", "code", "message"),
    [
        (["--print", "auto"], 2, "--print auto refines a print: give one with --noise-print PATH"),
        (["--learn-seconds", "0.1"], 2, "argument --learn-seconds: must be from 0.5 to 60, got 0.1"),
        (["--learn-seconds", "2", "--noise-print", "x.wav"], 2, "--noise-print and --learn-seconds: give one"),
        (["--noise-print", "no-such.wav"], 1, "--noise-print no-such.wav: noise print not found: no-such.wav"),
    ],
)
def test_print_mistakes_end_in_one_line_before_the_engine_starts(flags, code, message):
    result = subprocess.run([LIVEDENOISE, "run", *flags], capture_output=True, text=True, timeout=60)
    assert result.returncode == code and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and result.stdout == ""
