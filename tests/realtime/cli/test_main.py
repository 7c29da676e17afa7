import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

from livedenoise.realtime import __version__
from livedenoise.realtime.cli.main import SUBCOMMANDS, main

LIVEDENOISE = str(Path(sys.executable).parent / "livedenoise")  # the installed console script


def test_version_and_help(capsys):
    result = subprocess.run([LIVEDENOISE, "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == f"livedenoise {__version__}"
    assert main([]) == 2
    help_text = capsys.readouterr().out
    for name in SUBCOMMANDS:
        assert name in help_text


def test_every_subcommand_has_help():
    for name in SUBCOMMANDS:
        result = subprocess.run(
            [sys.executable, "-m", "livedenoise.realtime.cli.main", name, "--help"], capture_output=True, text=True
        )
        assert result.returncode == 0, f"{name}: {result.stderr}"
        assert f"livedenoise {name}" in result.stdout


def test_unknown_model_is_a_clear_error(tmp_path):
    """On a file that `file` reads well with a real model: only the model name is wrong."""
    src = tmp_path / "a.wav"
    sf.write(src, np.zeros((4800, 1), np.float32), 48000)
    good = subprocess.run(
        [LIVEDENOISE, "file", str(src), str(tmp_path / "b.wav"), "--model", "identity"], capture_output=True, text=True
    )
    assert good.returncode == 0, good.stderr
    result = subprocess.run(
        [LIVEDENOISE, "file", str(src), str(tmp_path / "c.wav"), "--model", "nonsense"], capture_output=True, text=True
    )
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "unknown model 'nonsense'" in lines[0] and "identity" in lines[0]  # and what to give instead
    assert not (tmp_path / "c.wav").exists()


def test_demo_writes_both_clips(tmp_path):
    result = subprocess.run([LIVEDENOISE, "demo", "--output-dir", str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "latency" in result.stdout and "real-time factor" in result.stdout
    assert (tmp_path / "demo-noisy.flac").is_file() and (tmp_path / "demo-denoised.flac").is_file()


def test_usage_mistakes_are_one_line_naming_the_flag_in_every_command(tmp_path):
    cases = [
        (["bench", "e2e", "--seconds", "-1"], "--seconds"),
        (["bench", "e2e", "--blocksize", "0"], "--blocksize"),
        (["bench", "latency", "--channels", "0"], "--channels"),
        (["bench", "latency", "--hops", "128,abc"], "--hops"),
        (["bench", "quality", "--set", str(tmp_path), "--strength-db", "-2"], "--strength-db"),
        (["demo", "--provider", "gpu"], "--provider"),
        (["file", "a.wav"], "output"),
    ]
    for argv, flag in cases:
        result = subprocess.run([LIVEDENOISE, *argv], capture_output=True, text=True)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 2 and len(lines) == 1, f"{argv}: {result.stderr}"
        assert flag in lines[0] and "Traceback" not in result.stderr, lines[0]
