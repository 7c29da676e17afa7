"""Oracle gains: what a gain per bin of the real-time STFT reaches when it knows the clean music.

Our models output such gains, so the ideal one, ``min(|clean| / |noisy|, 1)`` per bin and frame of
the same STFT, stands for the best any of them can do. Holding the gains at one below a frequency
says what that band is worth: ``oracle-pass-500`` is a model perfect above 500 Hz that leaves the
band below it as it came. ``bench quality --oracle`` scores them beside the models.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from livedenoise.realtime.stft import StftAnalyzer, StftConfig, StftSynthesizer

# Name -> the frequency (Hz) below which the oracle's gains are held at one (0: none held).
ORACLES = {"oracle": 0.0, "oracle-pass-200": 200.0, "oracle-pass-500": 500.0}
DESCRIPTION = "ideal gain per bin of the real-time STFT (knows the clean music)"


def oracle_outputs(
    noisy: np.ndarray,
    clean: np.ndarray,
    sample_rate: int,
    strength_db: float,
    pass_below_hz: Sequence[float],
    config: StftConfig = StftConfig(),
) -> np.ndarray:
    """Mono ``noisy`` and its ``clean`` part ``(samples,)`` -> one output per entry of
    ``pass_below_hz`` ``(len(pass_below_hz), samples)``, aligned with the input.

    Gains are floored at ``-strength_db`` as the engine floors a mask (``inf``: no floor)."""
    if noisy.shape != clean.shape or noisy.ndim != 1:
        raise ValueError(f"need mono noisy and clean of one length, got {noisy.shape} and {clean.shape}")
    hop = config.hop_samples
    n_samples = noisy.shape[0]
    start = config.latency_samples
    n_hops = math.ceil((n_samples + start) / hop)
    both = np.zeros((2, n_hops * hop), dtype=np.float32)
    both[0, :n_samples] = noisy
    both[1, :n_samples] = clean

    freqs = np.fft.rfftfreq(config.n_fft, 1.0 / sample_rate)
    held = np.stack([freqs < hz for hz in pass_below_hz])
    min_gain = 0.0 if math.isinf(strength_db) else 10.0 ** (-strength_db / 20.0)
    analyzer = StftAnalyzer(config, 2)
    synthesizer = StftSynthesizer(config, len(pass_below_hz))
    spectrum = np.zeros((2, config.n_freqs), dtype=np.complex64)
    out_spectrum = np.zeros((len(pass_below_hz), config.n_freqs), dtype=np.complex64)
    out = np.zeros((len(pass_below_hz), n_hops * hop), dtype=np.float32)
    for i in range(n_hops):
        span = slice(i * hop, (i + 1) * hop)
        analyzer.analyze_into(both[:, span], spectrum)
        magnitude = np.abs(spectrum)
        # Where the input is silent any gain does; one keeps the division finite.
        gain = np.divide(magnitude[1], magnitude[0], out=np.ones(config.n_freqs), where=magnitude[0] > 0)
        gain = np.clip(gain, min_gain, 1.0)
        out_spectrum[...] = spectrum[0] * np.where(held, 1.0, gain)
        synthesizer.synthesize_into(out_spectrum, out[:, span])
    return out[:, start : start + n_samples]
