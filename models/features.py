"""Frequency layout of the network's input and mask: bins -> rows analysis, rows -> bins synthesis.

Rows are what the U-Net convolves over. They give low frequencies fine resolution: one row per bin
up to ``linear_max_hz`` (a low E string's partials stay apart), then ERB-spaced bands up to Nyquist.

Analysis rows average power over bins; synthesis rows interpolate a row mask back to bins with
non-negative weights that sum to one, so any bound on the row mask holds for the bin mask.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from livedenoise.models.config import UNetConfig


def bin_hz(config: UNetConfig) -> float:
    return config.sample_rate / config.n_fft


def erb_number(freq_hz: np.ndarray) -> np.ndarray:
    """Glasberg & Moore ERB-rate scale."""
    return 21.4 * np.log10(1.0 + 0.00437 * freq_hz)


def erb_number_to_hz(erb: np.ndarray) -> np.ndarray:
    return (10.0 ** (erb / 21.4) - 1.0) / 0.00437


def compressed_band_edges(config: UNetConfig) -> np.ndarray:
    """Bin edges of the rows, shape ``(n_rows + 1,)``: row r covers bins [e[r], e[r+1])."""
    n_freqs, n_rows = config.n_freqs, config.n_rows
    n_linear = min(int(config.linear_max_hz / bin_hz(config)) + 1, n_rows - 1, n_freqs - 1)
    n_banded = n_rows - n_linear
    erb_edges = np.linspace(
        erb_number(np.array(n_linear * bin_hz(config))), erb_number(np.array(config.sample_rate / 2)), n_banded + 1
    )
    banded = np.round(erb_number_to_hz(erb_edges) / bin_hz(config)).astype(int)
    edges = np.concatenate([np.arange(n_linear), banded])
    edges[-1] = n_freqs
    for r in range(1, len(edges)):  # every band keeps at least one bin
        edges[r] = max(edges[r], edges[r - 1] + 1)
    if edges[-1] != n_freqs:
        raise ValueError(f"n_rows={n_rows} bands do not fit in {n_freqs} bins above linear_max_hz")
    return edges


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


def row_centers_bins(config: UNetConfig) -> np.ndarray:
    """Center of every row in bins, shape ``(n_rows,)``."""
    edges = compressed_band_edges(config)
    return (edges[:-1] + edges[1:] - 1) / 2.0


def band_analysis_matrix(config: UNetConfig) -> torch.Tensor:
    """Power averaging, shape ``(n_rows, n_freqs)``: rows = A @ power."""
    edges = compressed_band_edges(config)
    matrix = np.zeros((config.n_rows, config.n_freqs))
    for r in range(config.n_rows):
        matrix[r, edges[r] : edges[r + 1]] = 1.0 / (edges[r + 1] - edges[r])
    return torch.from_numpy(matrix.astype(np.float32))


def band_synthesis_matrix(config: UNetConfig) -> torch.Tensor:
    """Row mask -> bin mask, shape ``(n_freqs, n_rows)``: bins = S @ rows."""
    return torch.from_numpy(_interpolation_weights(row_centers_bins(config), config.n_freqs).astype(np.float32))


def compress_power(power: torch.Tensor, exponent: float, floor_power: float) -> torch.Tensor:
    """Compressed magnitude ``(power + floor) ** (exponent / 2)``, any shape."""
    return (power + floor_power) ** (0.5 * exponent)


def describe_features(config: UNetConfig) -> dict[str, Any]:
    """The layout in words and numbers, for the model card."""
    centers_hz = row_centers_bins(config) * bin_hz(config)
    return {
        "n_rows": config.n_rows,
        "compression_exponent": config.compression_exponent,
        "floor_power": config.floor_power,
        "norm_time_s": config.norm_time_s,
        "input_channels": [
            "level-normalized compressed magnitude",
            "per-row running-mean-normalized compressed magnitude",
            *(["compressed magnitude over its tracked noise floor"] if config.tracks_noise_floor else []),
        ],
        "noise_floor": {"rise_db_per_s": config.floor_rise_db_per_s, "smooth_s": config.floor_smooth_s},
        "row_center_hz": [round(float(f), 2) for f in centers_hz],
    }
