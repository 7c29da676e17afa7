"""What the commands write: an existing take is never replaced unasked, files follow the umask, output
paths are refused before any work, and a reader that closes the pipe ends a command quietly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

LIVEDENOISE = str(Path(sys.executable).parent / "livedenoise")


def livedenoise(*args, **popen) -> subprocess.CompletedProcess:
    return subprocess.run([LIVEDENOISE, *map(str, args)], capture_output=True, text=True, timeout=300, **popen)


@pytest.fixture
def note(tmp_path) -> Path:
    """One second of A3 with a little noise, as a take."""
    t = np.arange(48000) / 48000
    audio = 0.2 * np.sin(2 * np.pi * 220.0 * t) + 0.01 * np.random.default_rng(0).standard_normal(t.size)
    path = tmp_path / "take.wav"
    sf.write(path, audio.astype(np.float32), 48000)
    return path


def test_file_refuses_an_existing_output_unless_told_to_overwrite(note, tmp_path):
    out = tmp_path / "earlier-take.wav"
    sf.write(out, np.full(4800, 0.5, np.float32), 48000)
    before = out.read_bytes()
    refused = livedenoise("file", note, out, "--model", "dsp")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert refused.stderr.strip().splitlines() == [
        f"livedenoise file: error: {out} exists; give --overwrite to replace it (a swapped INPUT and OUTPUT would "
        "otherwise lose a take)"
    ]
    assert out.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["earlier-take.wav", "take.wav"]
    assert livedenoise("file", note, out, "--model", "dsp", "--overwrite").returncode == 0
    assert sf.info(out).frames == 48000


@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o077, 0o600)])
def test_tune_json_follows_the_umask(note, tmp_path, umask, mode):
    out = tmp_path / "readings.jsonl"
    result = livedenoise(
        "tune", "--file", note, "--model", "identity", "--json", out, preexec_fn=lambda: os.umask(umask)
    )
    assert result.returncode == 0, result.stderr
    assert out.stat().st_mode & 0o777 == mode


@pytest.mark.parametrize(
    "argv",
    [
        ["bench", "latency", "--json", "{missing}/x.json"],
        ["bench", "e2e", "--json", "{missing}/x.json"],
        ["bench", "quality", "--markdown", "{missing}/x.md"],
        ["tune", "--file", "{note}", "--json", "{missing}/x.jsonl"],
        ["tune", "--record", "{missing}/x.flac"],
        ["run", "--record", "{missing}/x.flac"],
        ["print", "from-file", "{note}", "{missing}/room.json"],
        ["gui", "--screenshot", "{missing}/x.png", "--quit-after", "1"],
    ],
)
def test_an_output_path_that_cannot_be_written_is_refused_before_any_work(note, tmp_path, argv):
    missing = tmp_path / "no-such-folder"
    result = livedenoise(*[a.format(missing=missing, note=note) for a in argv])
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"folder {missing} does not exist" in lines[0], lines


def test_a_reader_that_closes_the_pipe_ends_the_command_quietly(tmp_path):
    take = tmp_path / "long.wav"  # 500 lines of readings: more than one pipe buffer
    sf.write(take, np.zeros(5 * 48000, np.float32), 48000)
    process = subprocess.Popen(
        [LIVEDENOISE, "tune", "--file", str(take), "--model", "identity"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    first = process.stdout.readline()  # what `| head -1` reads
    process.stdout.close()
    code = process.wait(timeout=120)
    stderr = process.stderr.read().decode()
    process.stderr.close()
    assert b"cents" in first
    assert code == 128 + 13 and stderr == "", stderr  # 128 + SIGPIPE, as a Unix tool ends
