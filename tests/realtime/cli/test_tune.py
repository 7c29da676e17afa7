"""Tuner readings without the app: from a file through the real denoisers, from a running engine on a
JACK server, and `livedenoise tune` live and over a recording."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from livedenoise.realtime.cli.main import main
from livedenoise.realtime.denoiser import StreamingDenoiser
from livedenoise.realtime.engine.process import EngineProcess, EngineSettings
from livedenoise.realtime.runtimes.identity import IdentityRuntime
from livedenoise.realtime.tuner.feeds import engine_readings, file_readings
from livedenoise.realtime.tuner.tuner import tune_signal
from plucks import SAMPLE_RATE, karplus_strong, midi_hz

LIVEDENOISE = str(Path(sys.executable).parent / "livedenoise")
HOP_SAMPLES = 480


def two_notes(path: Path, sample_rate: int = SAMPLE_RATE, channels: int = 1) -> Path:
    """E2 then A2, 1.5 s each, written with soundfile."""
    audio = np.concatenate(
        [
            karplus_strong(midi_hz(40), 1.5, onset_s=0.1, decay_s=4.0),
            karplus_strong(midi_hz(45), 1.5, onset_s=0.1, decay_s=4.0),
        ]
    )
    if sample_rate != SAMPLE_RATE:
        audio = np.interp(
            np.arange(int(audio.size * sample_rate / SAMPLE_RATE)) * SAMPLE_RATE / sample_rate,
            np.arange(audio.size),
            audio,
        )
    sf.write(path, np.repeat(audio[:, None], channels, axis=1), sample_rate)
    return path


def test_file_readings_are_every_hop_in_order_and_equal_the_whole_signal(tmp_path):
    path = two_notes(tmp_path / "notes.wav", channels=2)
    readings = list(file_readings(path, model="identity", block_frames=1000))
    audio = sf.read(path, dtype="float32")[0].T
    denoiser = StreamingDenoiser(IdentityRuntime(), n_channels=2)
    denoised = np.concatenate([denoiser.process(audio), denoiser.flush()], axis=1).mean(axis=0)
    assert len(readings) == denoised.size // HOP_SAMPLES
    assert [r.index for r in readings] == list(range(len(readings)))
    np.testing.assert_allclose([r.time_s for r in readings], (np.arange(len(readings)) + 1) * HOP_SAMPLES / SAMPLE_RATE)
    assert [r.to_dict() for r in readings] == [r.to_dict() for r in tune_signal(denoised)]
    assert readings[100].note == "E2" and readings[250].note == "A2"


def test_a_file_at_another_rate_is_resampled_first(tmp_path):
    readings = list(file_readings(two_notes(tmp_path / "notes.flac", sample_rate=44100), model="identity"))
    assert readings[100].note == "E2" and abs(readings[100].cents) < 2 and readings[250].note == "A2"


@pytest.mark.parametrize("model", ["default", "dsp"])
def test_tune_file_json_end_to_end(tmp_path, model):
    path, out = two_notes(tmp_path / "notes.wav"), tmp_path / "readings.jsonl"
    assert main(["tune", "--file", str(path), "--json", str(out), "--model", model, "--reference", "440"]) == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["index"] for line in lines] == list(range(len(lines)))
    assert set(lines[0]) == {"index", "time_s", "hz", "confidence", "note", "midi", "cents", "stable", "reference_hz"}
    first = [r for r in lines if 0.5 <= r["time_s"] <= 1.4 and r["stable"]]
    second = [r for r in lines if 2.0 <= r["time_s"] <= 2.9 and r["stable"]]
    assert len(first) > 50 and {r["note"] for r in first} == {"E2"}
    assert len(second) > 50 and {r["note"] for r in second} == {"A2"}
    assert np.median([abs(r["cents"]) for r in first + second]) < 2.0


def test_tune_file_text_and_stdout_json(tmp_path, capsys):
    path = two_notes(tmp_path / "notes.wav")
    assert main(["tune", "--file", str(path), "--model", "identity"]) == 0
    text = capsys.readouterr().out.splitlines()
    latency_samples = StreamingDenoiser(IdentityRuntime()).latency_samples  # the flushed tail
    assert len(text) == (3 * SAMPLE_RATE + latency_samples) // HOP_SAMPLES
    assert "E2" in text[100] and "cents" in text[100] and "Hz" in text[100]
    assert main(["tune", "--file", str(path), "--model", "identity", "--json", "-"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[250])["note"] == "A2"


@pytest.mark.parametrize(
    "argv, code, message",
    [
        (["--file", "missing.wav"], 1, "input file not found: missing.wav"),
        (["--file", "notes.wav", "--json", "notes.wav"], 1, "is the input file"),
        (["--file", "notes.wav", "--model", "nope"], 1, "unknown model"),
        (["--json", "out.jsonl"], 2, "--json needs --file"),
        (["--reference", "300"], 2, "argument --reference: must be 400-480 Hz"),
    ],
)
def test_tune_mistakes_are_one_line(tmp_path, argv, code, message):
    two_notes(tmp_path / "notes.wav")
    result = subprocess.run([LIVEDENOISE, "tune", *argv], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == code and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_engine_readings_are_every_hop_in_order(jack_server, tmp_path):
    # A tone of a whole number of periods, looped by the engine without a seam: 150 Hz is D3 + 37 cents.
    path = tmp_path / "tone.wav"
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    sf.write(path, (0.3 * np.sin(2 * np.pi * 150.0 * t)).astype(np.float32), SAMPLE_RATE)
    engine = EngineProcess(EngineSettings(output_device="system", model="identity", source_file=path))
    engine.start()
    try:
        readings = list(itertools.islice(engine_readings(engine), 200))
        dropped = engine.n_dropped_denoised_samples
    finally:
        engine.stop()
    assert dropped == 0
    assert [r.index for r in readings] == list(range(200))
    np.testing.assert_allclose([r.time_s for r in readings], (np.arange(200) + 1) * HOP_SAMPLES / SAMPLE_RATE)
    settled = readings[50:]
    assert {r.note for r in settled} == {"D3"} and all(abs(r.cents - 37.0) < 1.0 for r in settled)


def test_tune_live_on_a_jack_server(jack_server):
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
            "2",
            "--reference",
            "442",
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert "engine process" in lines[0] and "A4 = 442 Hz" in lines[0]
    assert lines[1].startswith("latency 5.33 ms algorithmic")
    assert "no pitch" in result.stdout  # the dummy server's input is silent
    n_readings = int(lines[-1].split(": ")[1].split()[0])
    assert (
        lines[-1].startswith("tuned ") and n_readings > 50
    )  # 2 s at 100 readings a second, less start-up on a busy machine
