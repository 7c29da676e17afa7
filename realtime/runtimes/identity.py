"""A pass-through runtime: a unit mask. The denoiser then returns its input delayed by its latency.

Used to measure the signal path itself (latency, reconstruction, cost without a model).
"""

from __future__ import annotations

import numpy as np

from livedenoise.models.card import ModelCard


class IdentityRuntime:
    @property
    def passes_through(self) -> bool:
        """The denoiser need not call ``step`` (the unit mask), unless a subclass steps otherwise."""
        return type(self).step is IdentityRuntime.step

    def __init__(self, sample_rate: int = 48000, n_fft: int = 1024, hop_samples: int = 128) -> None:
        self.card = ModelCard(name="identity", sample_rate=sample_rate, n_fft=n_fft, hop_samples=hop_samples)
        self._mask = np.zeros((2, self.card.n_freqs), dtype=np.float32)
        self._mask[0] = 1.0

    def initial_state(self) -> None:
        return None

    def step(self, spec: np.ndarray, state: None) -> np.ndarray:
        return self._mask
