"""The gate on the command line: `file --gate` equals the offline gate sample for sample, `run --gate`
shows the gate in its status line, and a bad gate flag is one line naming it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from livedenoise.realtime.cli.main import main
from livedenoise.realtime.gate import GateSettings
from livedenoise.realtime.gated_signal import gate_signal
from livedenoise.realtime.runtimes.model_choice import open_runtime

LIVEDENOISE = str(Path(sys.executable).parent / "livedenoise")


def test_file_with_a_gate_equals_the_offline_gate(tmp_path, music_like, capsys):
    rng = np.random.default_rng(5)
    signal = 0.002 * rng.standard_normal((2, 72000)).astype(np.float32)
    signal[:, 24000:48000] += music_like(n_channels=2, seconds=0.5)
    path_in, path_out = tmp_path / "in.wav", tmp_path / "out.wav"
    sf.write(path_in, signal.T, 48000, subtype="FLOAT")
    code = main(
        [
            "file",
            str(path_in),
            str(path_out),
            "--model",
            "dsp",
            "--gate",
            "mask",
            "--gate-threshold-db",
            "-5",
            "--gate-release-ms",
            "40",
            "--no-progress",
        ]
    )
    assert code == 0
    assert "gate mask opened" in capsys.readouterr().out
    written, _ = sf.read(path_out, dtype="float32", always_2d=True)
    expected = gate_signal(signal, open_runtime("dsp"), GateSettings(kind="mask", threshold_db=-5.0, release_ms=40.0))
    assert expected.opens.size >= 1
    np.testing.assert_array_equal(written.T, expected.audio)


@pytest.mark.parametrize(
    "argv, flag",
    [
        (["--gate", "loud"], "--gate"),
        (["--gate", "mask", "--gate-release-ms", "soon"], "--gate-release-ms"),
        (["--gate", "level", "--gate-hysteresis-db", "-2"], "--gate-hysteresis-db"),
        (["--gate", "level", "--gate-range-db", "0"], "--gate-range-db"),
        (["--gate-threshold-db", "-40"], "--gate-threshold-db"),
    ],
)
@pytest.mark.parametrize("command", ["run", "file"])
def test_a_bad_gate_flag_is_one_line_naming_it(command, argv, flag, tmp_path):
    paths = [str(tmp_path / "a.wav"), str(tmp_path / "b.wav")] if command == "file" else []
    result = subprocess.run([LIVEDENOISE, command, *paths, *argv], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and flag in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_run_with_a_gate_shows_it_in_the_status_line(jack_server):
    result = subprocess.run(
        [
            LIVEDENOISE,
            "run",
            "--input",
            "system",
            "--output",
            "system",
            "--model",
            "dsp",
            "--seconds",
            "1.5",
            "--gate",
            "level",
            "--gate-threshold-db",
            "0",
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    summary = result.stdout.strip().splitlines()[-2].rsplit("\r", 1)[-1]
    assert summary.startswith("ran ") and "| gate level shut" in summary  # the dummy server's input is silent
