"""Per-bin weights for the spectral losses: how much of the loss each frequency gets.

A mean over STFT bins gives every bin the same say, so 20-500 Hz, where engines, wind and
traffic lie, holds 10 of 513 bins at 1024 points and 48 kHz: 2% of the loss. Weighting each bin
by 1/ERB(f) gives every equivalent rectangular bandwidth of hearing the same say instead, and that
range then holds about a fifth of it.
"""

from __future__ import annotations

import torch

FREQUENCY_WEIGHTINGS = ("uniform", "erb")


def erb_hz(freqs_hz: torch.Tensor) -> torch.Tensor:
    """Equivalent rectangular bandwidth of hearing at ``freqs_hz`` (Glasberg and Moore)."""
    return 24.7 * (4.37 * freqs_hz / 1000.0 + 1.0)


def bin_weights(weighting: str, n_fft: int, sample_rate: int) -> torch.Tensor:
    """``(n_fft // 2 + 1, 1)`` weights of mean one, to multiply a ``(..., freqs, frames)`` error by."""
    if weighting not in FREQUENCY_WEIGHTINGS:
        raise ValueError(f"unknown frequency weighting {weighting!r}; known: {', '.join(FREQUENCY_WEIGHTINGS)}")
    freqs_hz = torch.arange(n_fft // 2 + 1, dtype=torch.float32) * (sample_rate / n_fft)
    weights = torch.ones_like(freqs_hz) if weighting == "uniform" else 1.0 / erb_hz(freqs_hz)
    return (weights / weights.mean()).unsqueeze(-1)
