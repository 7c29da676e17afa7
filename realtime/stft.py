"""Low-latency dual-window STFT: a long analysis window, a short synthesis window.

The analysis window spans ``n_fft`` samples (fine frequency resolution: 46.9 Hz bins at 1024 and
48 kHz, enough to separate a low E string's harmonics). The synthesis window is non-zero only on
the last ``2 * hop`` samples of the frame, and the pair is designed so that their product there is a
periodic Hann window of length ``2 * hop``, which overlap-adds to one at that hop: analysis followed
by synthesis reconstructs the input exactly, delayed by ``hop`` samples. Latency is set by the hop,
not by the analysis window (Mauler & Martin 2007; Wang et al. 2022).

Real-time contract: after construction, ``analyze_into`` and ``synthesize_into`` allocate nothing.
Spectra are ``(channels, n_freqs)`` complex64, hops ``(channels, hop_samples)`` float32.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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
        if self.n_fft % self.hop_samples or 2 * self.hop_samples > self.n_fft:
            raise ValueError(
                f"hop_samples={self.hop_samples} must divide n_fft={self.n_fft} and be at most n_fft/2"
            )

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


class StftAnalyzer:
    """Keeps the last ``n_fft`` input samples and turns each new hop into one spectrum."""

    def __init__(self, config: StftConfig, n_channels: int) -> None:
        self.config = config
        self.n_channels = n_channels
        self._window, _ = dual_windows(config.n_fft, config.hop_samples)
        # Two frame buffers used in turn, so shifting by a hop never copies onto itself.
        self._frames = np.zeros((2, n_channels, config.n_fft), dtype=np.float32)
        self._current = 0
        self._windowed = np.zeros((n_channels, config.n_fft), dtype=np.float32)

    def reset(self) -> None:
        self._frames.fill(0.0)
        self._current = 0

    def analyze_into(self, hop: np.ndarray, spectrum: np.ndarray) -> None:
        """Push ``hop`` ``(channels, hop_samples)``; write the frame's spectrum ``(channels, n_freqs)``."""
        h = self.config.hop_samples
        old = self._frames[self._current]
        self._current ^= 1
        new = self._frames[self._current]
        new[:, :-h] = old[:, h:]
        new[:, -h:] = hop
        np.multiply(new, self._window, out=self._windowed)
        np.fft.rfft(self._windowed, axis=-1, out=spectrum)


class StftSynthesizer:
    """Turns one spectrum per hop into one hop of output by short-window overlap-add."""

    def __init__(self, config: StftConfig, n_channels: int) -> None:
        self.config = config
        self.n_channels = n_channels
        _, window = dual_windows(config.n_fft, config.hop_samples)
        self._window_tail = np.ascontiguousarray(window[-2 * config.hop_samples :])
        self._frame = np.zeros((n_channels, config.n_fft), dtype=np.float32)
        self._segment = np.zeros((n_channels, 2 * config.hop_samples), dtype=np.float32)
        self._overlap = np.zeros((n_channels, config.hop_samples), dtype=np.float32)

    def reset(self) -> None:
        self._overlap.fill(0.0)

    def synthesize_into(self, spectrum: np.ndarray, hop: np.ndarray) -> None:
        """Inverse-transform ``spectrum`` ``(channels, n_freqs)``; write one hop ``(channels, hop_samples)``."""
        h = self.config.hop_samples
        np.fft.irfft(spectrum, n=self.config.n_fft, axis=-1, out=self._frame)
        np.multiply(self._frame[:, -2 * h :], self._window_tail, out=self._segment)
        np.add(self._overlap, self._segment[:, :h], out=hop)
        self._overlap[...] = self._segment[:, h:]
