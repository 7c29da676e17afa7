"""Frequency layout of the network's input and mask: bins -> rows analysis, rows -> bins synthesis.

Rows are what the U-Net convolves over. Both layouts give low frequencies fine resolution:

- "compressed": one row per bin up to ``linear_max_hz`` (a low E string's partials stay apart),
  then ERB-spaced bands up to Nyquist; one layout channel.
- "multiband": one layout channel per entry of ``MULTIBAND_MAX_HZ``, each resampling the bins
  from 0 Hz to its limit onto ``n_rows`` rows, so low bands are oversampled (the seed project's
  perceptual weighting).

Analysis rows average power over bins; synthesis rows interpolate a row mask back to bins with
non-negative weights that sum to one, so any bound on the row mask holds for the bin mask.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from livedenoise.models.config import MULTIBAND_MAX_HZ, UNetConfig


def bin_hz(config: UNetConfig) -> float:
    return config.sample_rate / config.n_fft


def erb_number(freq_hz: np.ndarray) -> np.ndarray:
    """Glasberg & Moore ERB-rate scale."""
    return 21.4 * np.log10(1.0 + 0.00437 * freq_hz)


def erb_number_to_hz(erb: np.ndarray) -> np.ndarray:
    return (10.0 ** (erb / 21.4) - 1.0) / 0.00437


def compressed_band_edges(config: UNetConfig) -> np.ndarray:
    """Bin edges of the "compressed" layout, shape ``(n_rows + 1,)``: row r covers bins [e[r], e[r+1])."""
    n_freqs, n_rows = config.n_freqs, config.n_rows
    n_linear = min(int(config.linear_max_hz / bin_hz(config)) + 1, n_rows - 1, n_freqs - 1)
    n_banded = n_rows - n_linear
    erb_edges = np.linspace(erb_number(np.array(n_linear * bin_hz(config))), erb_number(np.array(config.sample_rate / 2)), n_banded + 1)
    banded = np.round(erb_number_to_hz(erb_edges) / bin_hz(config)).astype(int)
    edges = np.concatenate([np.arange(n_linear), banded])
    edges[-1] = n_freqs
    for r in range(1, len(edges)):  # every band keeps at least one bin
        edges[r] = max(edges[r], edges[r - 1] + 1)
    if edges[-1] != n_freqs:
        raise ValueError(f"n_rows={n_rows} bands do not fit in {n_freqs} bins above linear_max_hz")
    return edges


def _resample_weights(positions: np.ndarray, n_points: int) -> np.ndarray:
    """Triangular weights, shape ``(len(positions), n_points)``: linear interpolation when upsampling,
    averaging over the row spacing when downsampling. Rows sum to one."""
    spacing = (positions[-1] - positions[0]) / max(len(positions) - 1, 1)
    width = max(1.0, spacing)
    grid = np.arange(n_points)
    weights = np.maximum(0.0, 1.0 - np.abs(grid[None, :] - positions[:, None]) / width)
    return weights / weights.sum(axis=1, keepdims=True)


def _interpolation_weights(centers: np.ndarray, n_points: int) -> np.ndarray:
    """Linear interpolation from sorted row centers to integer points, shape ``(n_points, len(centers))``;
    points outside the centers take the nearest row."""
    grid = np.clip(np.arange(n_points, dtype=np.float64), centers[0], centers[-1])
    upper = np.clip(np.searchsorted(centers, grid, side="right"), 1, len(centers) - 1)
    lower = upper - 1
    span = centers[upper] - centers[lower]
    frac = np.clip((grid - centers[lower]) / np.where(span > 0, span, 1.0), 0.0, 1.0)
    weights = np.zeros((n_points, len(centers)))
    weights[np.arange(n_points), lower] += 1.0 - frac
    weights[np.arange(n_points), upper] += frac
    return weights


def _multiband_n_bins(config: UNetConfig) -> list[int]:
    return [min(int(max_hz / bin_hz(config)) + 1, config.n_freqs) for max_hz in MULTIBAND_MAX_HZ]


def row_centers_bins(config: UNetConfig) -> np.ndarray:
    """Center of every row in bins, shape ``(n_layout_channels, n_rows)``."""
    if config.layout == "compressed":
        edges = compressed_band_edges(config)
        return ((edges[:-1] + edges[1:] - 1) / 2.0)[None, :]
    return np.stack([np.linspace(0.0, n_bins - 1, config.n_rows) for n_bins in _multiband_n_bins(config)])


def band_analysis_matrix(config: UNetConfig) -> torch.Tensor:
    """Power averaging, shape ``(n_layout_channels * n_rows, n_freqs)``: rows = A @ power."""
    n_freqs = config.n_freqs
    if config.layout == "compressed":
        edges = compressed_band_edges(config)
        matrix = np.zeros((config.n_rows, n_freqs))
        for r in range(config.n_rows):
            matrix[r, edges[r] : edges[r + 1]] = 1.0 / (edges[r + 1] - edges[r])
    else:
        blocks = []
        for centers, n_bins in zip(row_centers_bins(config), _multiband_n_bins(config), strict=True):
            block = np.zeros((config.n_rows, n_freqs))
            block[:, :n_bins] = _resample_weights(centers, n_bins)
            blocks.append(block)
        matrix = np.concatenate(blocks)
    return torch.from_numpy(matrix.astype(np.float32))


def band_synthesis_matrix(config: UNetConfig) -> torch.Tensor:
    """Row mask -> bin mask, shape ``(n_freqs, n_layout_channels * n_rows)``: bins = S @ rows.

    In the multiband layout each bin takes its mask from the finest channel that covers it.
    """
    n_freqs, n_rows = config.n_freqs, config.n_rows
    centers = row_centers_bins(config)
    if config.layout == "compressed":
        return torch.from_numpy(_interpolation_weights(centers[0], n_freqs).astype(np.float32))
    matrix = np.zeros((n_freqs, len(MULTIBAND_MAX_HZ) * n_rows))
    covered = np.zeros(n_freqs, dtype=bool)
    order = np.argsort(MULTIBAND_MAX_HZ)  # finest first
    for channel in order:
        n_bins = _multiband_n_bins(config)[channel]
        bins = np.flatnonzero(~covered[:n_bins])
        weights = _interpolation_weights(centers[channel], n_freqs)
        matrix[bins, channel * n_rows : (channel + 1) * n_rows] = weights[bins]
        covered[:n_bins] = True
    return torch.from_numpy(matrix.astype(np.float32))


def compress_power(power: torch.Tensor, exponent: float, floor_power: float) -> torch.Tensor:
    """Compressed magnitude ``(power + floor) ** (exponent / 2)``, any shape."""
    return (power + floor_power) ** (0.5 * exponent)


def describe_features(config: UNetConfig) -> dict[str, Any]:
    """The layout in words and numbers, for the model card."""
    centers_hz = row_centers_bins(config) * bin_hz(config)
    return {
        "layout": config.layout,
        "n_rows": config.n_rows,
        "n_layout_channels": config.n_layout_channels,
        "compression_exponent": config.compression_exponent,
        "floor_power": config.floor_power,
        "norm_time_s": config.norm_time_s,
        "input_channels": [
            "level-normalized compressed magnitude",
            "per-row running-mean-normalized compressed magnitude",
            *(["compressed magnitude over its tracked noise floor"] if config.tracks_noise_floor else []),
        ],
        "noise_floor": {"rise_db_per_s": config.floor_rise_db_per_s, "smooth_s": config.floor_smooth_s},
        "row_center_hz": [[round(float(f), 2) for f in channel] for channel in centers_hz],
        "multiband_max_hz": list(MULTIBAND_MAX_HZ) if config.layout == "multiband" else [],
    }
