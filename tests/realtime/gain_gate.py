"""A stand-in gate for the engine's hook: a plain gain, set and changed through ``set_gate``."""

from __future__ import annotations

import numpy as np


class GainGate:
    def __init__(self, gain: float = 1.0) -> None:
        self.gain = float(gain)

    def process_into(self, hop: np.ndarray, mask: np.ndarray, spectrum: np.ndarray) -> None:
        np.multiply(hop, self.gain, out=hop)

    def configure(self, gain: float) -> None:
        self.gain = float(gain)

    def reset(self) -> None:
        pass

    @property
    def is_open(self) -> bool:
        return self.gain > 0.0


def make(sample_rate: int, hop_samples: int, n_channels: int, n_freqs: int, gain: float = 1.0) -> GainGate:
    return GainGate(gain)
