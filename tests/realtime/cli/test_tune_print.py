"""`livedenoise tune` with a noise print: live on a JACK server (whose dummy input is silent: nothing to
learn, said in one line, the tuner goes on), and over a recording with a print file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

from livedenoise.realtime.noise_print import print_from_audio
from plucks import SAMPLE_RATE, karplus_strong, midi_hz

LIVEDENOISE = str(Path(sys.executable).parent / "livedenoise")


def test_tune_live_learning_a_silent_input_says_so_and_tunes_on(jack_server):
    result = subprocess.run(
        [
            LIVEDENOISE,
            "tune",
            "--input",
            "system",
            "--output",
            "system",
            "--model",
            "dsp",
            "--seconds",
            "3",
            "--learn-seconds",
            "0.5",
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[2] == "learning the room, keep quiet for 0.5 s"
    assert "error: cannot learn the room: the noise is digital silence" in result.stderr
    assert lines[-1].startswith("tuned ")


def test_tune_live_shows_the_print_in_use(jack_server, tmp_path):
    rng = np.random.default_rng(0)
    saved = tmp_path / "room.print.json"
    print_from_audio(0.01 * rng.standard_normal(3 * SAMPLE_RATE), source="room.wav").save(saved)
    result = subprocess.run(
        [
            LIVEDENOISE,
            "tune",
            "--input",
            "system",
            "--output",
            "system",
            "--model",
            "dsp",
            "--seconds",
            "3",
            "--noise-print",
            str(saved),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    assert "using noise print -40.0 dBFS, 3.0 s from room.wav" in result.stdout.splitlines()
    assert "  | print room.wav -40.0 dBFS, 3.0 s, made " in result.stdout and ", frozen" in result.stdout


def test_tune_a_recording_with_a_print_of_its_noise(tmp_path):
    rng = np.random.default_rng(1)
    note = karplus_strong(midi_hz(45), 2.0, onset_s=0.1, decay_s=4.0)
    hum = 0.02 * np.sin(2 * np.pi * 50.0 * np.arange(note.size + SAMPLE_RATE) / SAMPLE_RATE)
    room = (hum + 0.003 * rng.standard_normal(hum.size)).astype(np.float32)
    sf.write(tmp_path / "take.wav", note + room[SAMPLE_RATE:], SAMPLE_RATE)
    sf.write(tmp_path / "room.wav", room[:SAMPLE_RATE], SAMPLE_RATE)
    result = subprocess.run(
        [LIVEDENOISE, "tune", "--file", "take.wav", "--json", "-", "--model", "dsp", "--noise-print", "room.wav"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    notes = [json.loads(line)["note"] for line in result.stdout.splitlines()]
    assert notes.count("A2") > len(notes) // 2
    refused = subprocess.run(
        [LIVEDENOISE, "tune", "--file", "take.wav", "--learn-seconds", "1"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert refused.returncode == 2 and "--learn-seconds and --print auto listen live" in refused.stderr
