"""Fixtures shared by the training tests: a tiny manifest of generated music and noise."""

import numpy as np
import pytest
import soundfile as sf

from livedenoise.models.stft_geometry import SAMPLE_RATE
from livedenoise.training.manifest import SourceFile, write_manifest


def _write(path, audio):
    sf.write(path, audio, SAMPLE_RATE, subtype="FLOAT")
    return sf.info(path).duration


@pytest.fixture
def tiny_manifest(tmp_path):
    """Chords as music, filtered noise as ambience, in train and validation splits."""
    rng = np.random.default_rng(0)
    t = np.arange(SAMPLE_RATE * 4) / SAMPLE_RATE
    records = []
    for split, roots in (("train", (110.0, 147.0, 196.0)), ("validation", (123.0, 165.0))):
        for i, f0 in enumerate(roots):
            chord = sum(0.1 / k * np.sin(2 * np.pi * f0 * r * k * t) for r in (1, 1.25, 1.5) for k in (1, 2, 3))
            chord *= 0.6 + 0.4 * np.sin(2 * np.pi * 0.5 * t) ** 2
            name = f"music-{split}-{i}.wav"
            duration = _write(tmp_path / name, chord.astype(np.float32))
            records.append(
                SourceFile(name, "music", "instrument-test", "generated", "CC0", name, SAMPLE_RATE, 1, duration, split)
            )
        noise = np.cumsum(rng.standard_normal(t.size)) * 0.002
        noise -= np.convolve(noise, np.ones(256) / 256, mode="same")
        name = f"noise-{split}.wav"
        duration = _write(tmp_path / name, noise.astype(np.float32))
        records.append(SourceFile(name, "noise", "rain", "generated", "CC0", name, SAMPLE_RATE, 1, duration, split))
    write_manifest(tmp_path / "manifest.jsonl", records)
    return tmp_path / "manifest.jsonl"
