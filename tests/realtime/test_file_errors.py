"""`livedenoise file` on bad input and a hostile environment: one clear line, a non-zero exit, no file left.

Each case runs the installed command in a child process, as a user would, and checks the exit
status, that stderr is one line naming the file or flag (never a traceback), and that no output or
hidden ``.part`` file is left behind.
"""

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

LIVEDENOISE = str(Path(sys.executable).parent / "livedenoise")


def noise(n_frames, n_channels=1, seed=0):
    return (0.1 * np.random.default_rng(seed).standard_normal((n_frames, n_channels))).astype(np.float32)


def livedenoise(*args, **popen):
    return subprocess.run([LIVEDENOISE, *map(str, args)], capture_output=True, text=True, **popen)


def assert_one_clear_line(result, *words, code=1):
    assert result.returncode == code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "usage:" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or p.suffix == ".part")


@pytest.mark.parametrize(
    "name,rate,n_channels,words",
    [
        ("out.opus", 44100, 1, ("Opus", "44100 Hz", "out.flac")),
        ("out.mp3", 48000, 3, ("MP3", "3", "out.flac")),
        ("out.xyz", 48000, 1, ("'.xyz'", ".flac")),
        ("out", 48000, 1, ("extension-less", ".wav")),
    ],
)
def test_output_formats_that_cannot_hold_the_audio_are_refused_before_any_work(tmp_path, name, rate, n_channels, words):
    src = tmp_path / "in.wav"
    sf.write(src, noise(rate, n_channels), rate)
    result = livedenoise("file", src, tmp_path / name, "--model", "dsp")
    assert_one_clear_line(result, *words)
    assert not (tmp_path / name).exists() and leftovers(tmp_path) == []


@pytest.mark.parametrize("subtype,fmt,name", [("GSM610", "WAV", "gsm.wav"), ("MPEG_LAYER_III", "MP3", "mp3-data.wav")])
def test_compressed_inputs_are_read_and_written_as_plain_samples(tmp_path, subtype, fmt, name):
    """GSM 6.10 cannot be read in seekable blocks; MP3 data (even under a .wav name) cannot be copied into WAV."""
    src = tmp_path / name
    sf.write(src, noise(8000 * 2)[:, 0], 8000, format=fmt, subtype=subtype)
    dst = tmp_path / "out.wav"
    result = livedenoise("file", src, dst, "--model", "dsp")
    assert result.returncode == 0, result.stderr
    info = sf.info(dst)
    assert info.subtype == "PCM_16" and info.samplerate == 8000 and info.frames == sf.info(src).frames


def test_a_folder_as_input_is_called_a_folder(tmp_path):
    assert_one_clear_line(livedenoise("file", tmp_path, tmp_path / "out.wav"), "is a folder", str(tmp_path))


def test_an_unwritable_output_folder_is_one_line(tmp_path):
    src = tmp_path / "in.wav"
    sf.write(src, noise(4800), 48000)
    if os.geteuid() == 0:
        folder = Path("/proc/self")  # permissions do not stop root; this folder refuses new files to everyone
    else:
        folder = tmp_path / "read-only"
        folder.mkdir(mode=0o555)
    assert_one_clear_line(livedenoise("file", src, folder / "out.wav", "--model", "dsp"), str(folder))


def test_a_full_disk_is_one_line_and_leaves_nothing(tmp_path):
    """A file-size limit makes the write fail part way, as a full disk does."""
    src = tmp_path / "in.wav"
    sf.write(src, noise(48000 * 10, 2), 48000)

    def limit_file_size():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))

    result = livedenoise("file", src, tmp_path / "out.wav", "--model", "dsp", preexec_fn=limit_file_size)
    assert_one_clear_line(result, "writing", "out.wav", "nothing was written")
    assert not (tmp_path / "out.wav").exists() and leftovers(tmp_path) == []


def test_sigterm_removes_the_part_file_and_says_interrupted(tmp_path):
    src = tmp_path / "in.wav"
    sf.write(src, noise(48000 * 120, 2), 48000)
    process = subprocess.Popen(
        [LIVEDENOISE, "file", src, tmp_path / "out.wav", "--model", "dsp", "--no-progress"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not leftovers(tmp_path) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert leftovers(tmp_path), "the .part file never appeared"
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert leftovers(tmp_path) == [] and not (tmp_path / "out.wav").exists()


def test_a_new_output_follows_the_umask_and_an_existing_one_keeps_its_mode(tmp_path):
    src = tmp_path / "in.wav"
    sf.write(src, noise(4800), 48000)
    new, existing = tmp_path / "new.wav", tmp_path / "existing.wav"
    result = livedenoise("file", src, new, "--model", "dsp", preexec_fn=lambda: os.umask(0o027))
    assert result.returncode == 0, result.stderr
    assert new.stat().st_mode & 0o777 == 0o640
    existing.write_bytes(b"old")
    existing.chmod(0o604)
    assert livedenoise("file", src, existing, "--model", "dsp", "--overwrite").returncode == 0
    assert existing.stat().st_mode & 0o777 == 0o604 and sf.info(existing).frames == 4800


@pytest.mark.parametrize(
    "flags,words",
    [
        (("--strength-db", "-1"), ("--strength-db", ">= 0")),
        (("--provider", "tpu"), ("--provider", "tpu")),
        (("--model", "nonsense"), ("nonsense", ".onnx", ".pt")),
    ],
)
def test_bad_model_flags_are_one_line(tmp_path, flags, words):
    src = tmp_path / "in.wav"
    sf.write(src, noise(4800), 48000)
    result = livedenoise("file", src, tmp_path / "out.wav", *flags)
    assert_one_clear_line(result, *words, code=1 if flags[0] == "--model" else 2)
