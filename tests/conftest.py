"""Fixtures shared by every test folder: small signals made here, never downloaded."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def music_like():
    """``(channels, samples)`` float32: a guitar-like chord with harmonics and a slow attack, 48 kHz."""

    def make(n_channels: int = 1, seconds: float = 1.0, sample_rate: int = 48000, seed: int = 0) -> np.ndarray:
        rng = np.random.default_rng(seed)
        t = np.arange(int(seconds * sample_rate)) / sample_rate
        out = np.zeros((n_channels, t.size))
        for c in range(n_channels):
            for f0 in (82.41, 123.47, 164.81):
                for k in range(1, 8):
                    out[c] += 0.05 / k * np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 2 * np.pi))
        return (out * np.minimum(1.0, t / 0.02)).astype(np.float32)

    return make
