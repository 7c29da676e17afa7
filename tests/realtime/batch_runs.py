"""Helpers for the batch tests: takes of tones in noise, the command run as a user runs it, audio compared."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile as sf


def livedenoise(*args, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "livedenoise.realtime.cli.main", *map(str, args)],
        capture_output=True,
        text=True,
        **kwargs,
    )


def music_in_noise(seconds, sample_rate, n_channels, seed):
    rng = np.random.default_rng(seed)
    t = np.arange(round(seconds * sample_rate)) / sample_rate
    tones = sum(0.1 * np.sin(2 * np.pi * f * t + rng.uniform(0, 6)) for f in rng.uniform(100, 4000, 4))
    x = tones[:, None] * np.ones(n_channels) + 0.02 * rng.standard_normal((t.size, n_channels))
    return x.astype(np.float32)


def write_take(path: Path, seconds=1.5, sample_rate=48000, n_channels=1, seed=0, **kwargs) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, music_in_noise(seconds, sample_rate, n_channels, seed), sample_rate, **kwargs)
    return path


def files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def read(path: Path) -> np.ndarray:
    return sf.read(path, dtype="float32", always_2d=True)[0]


def assert_same_audio(a: Path, b: Path) -> None:
    x, y = read(a), read(b)
    assert x.shape == y.shape, (a, x.shape, y.shape)
    mismatch = np.flatnonzero(np.any(x != y, axis=1))
    assert mismatch.size == 0, f"{a} and {b} differ first at frame {mismatch[0]}"
