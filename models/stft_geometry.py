"""The model's signal: its sample rate and the dual-window STFT's frame geometry, in plain numpy.

The one home of ``SAMPLE_RATE``, ``n_freqs``, ``StftConfig`` and the window pair. The streaming STFT
(``realtime.stft``), its torch mirror (``models.stft_torch``), configs and cards all take them from
here, so the real-time side and the model side agree by construction and neither imports the other.

The analysis window spans ``n_fft`` samples; the synthesis window is non-zero only on the last
``2 * hop`` samples of the frame, and the pair is designed so that their product there is a periodic
Hann window of length ``2 * hop``, which overlap-adds to one at that hop: analysis followed by
synthesis reconstructs the input exactly, delayed by ``hop`` samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Every shipped model runs at this rate; devices and files at other rates are resampled to it.
SAMPLE_RATE = 48000


def n_freqs(n_fft: int) -> int:
    """Bins of a real FFT of ``n_fft`` samples: DC to Nyquist. The one definition, for configs and cards too."""
    return n_fft // 2 + 1


@dataclass(frozen=True)
class StftConfig:
    """Frame geometry. ``latency_samples`` is the delay from a sample entering to it leaving."""

    n_fft: int = 1024
    hop_samples: int = 128

    def __post_init__(self) -> None:
        if self.hop_samples <= 0 or self.n_fft <= 0:
            raise ValueError("n_fft and hop_samples must be positive")
        if self.n_fft & (self.n_fft - 1):
            raise ValueError(f"n_fft={self.n_fft} must be a power of two (the real-time FFT is radix-2)")
        if self.n_fft % self.hop_samples or 2 * self.hop_samples > self.n_fft:
            raise ValueError(f"hop_samples={self.hop_samples} must divide n_fft={self.n_fft} and be at most n_fft/2")

    @property
    def n_freqs(self) -> int:
        return n_freqs(self.n_fft)

    @property
    def latency_samples(self) -> int:
        # The newest hop's first half is completed by the next frame's overlap-add.
        return self.hop_samples


def dual_windows(n_fft: int, hop_samples: int) -> tuple[np.ndarray, np.ndarray]:
    """The analysis window ``(n_fft,)`` and the synthesis window ``(n_fft,)`` (zero but the last 2*hop).

    Analysis: square-root Hann rising over ``n_fft - hop`` samples, then falling over ``hop``.
    Synthesis: periodic Hann of length ``2 * hop`` divided by the analysis window where it applies.
    """
    StftConfig(n_fft, hop_samples)
    n_rise = n_fft - hop_samples
    rise = np.sqrt(0.5 - 0.5 * np.cos(np.pi * np.arange(n_rise) / n_rise))
    fall = np.sqrt(0.5 + 0.5 * np.cos(np.pi * np.arange(hop_samples) / hop_samples))
    analysis = np.concatenate([rise, fall])

    product = 0.5 - 0.5 * np.cos(np.pi * np.arange(2 * hop_samples) / hop_samples)
    synthesis = np.zeros(n_fft)
    tail = analysis[-2 * hop_samples :]
    # Where both vanish (only the first sample when n_fft == 2 * hop) the product is zero too.
    np.divide(product, tail, out=synthesis[-2 * hop_samples :], where=tail > 0)
    return analysis.astype(np.float32), synthesis.astype(np.float32)
