"""Step form of the causal U-Net: one STFT frame in, one mask out, caches passed explicitly.

This is what gets exported to ONNX. It wraps a ``CausalUNet`` and shares its weights; the graph
reads ``{name}_state`` and writes ``{name}_state_out`` for every ``StateSpec`` below, in order.
"""

from __future__ import annotations

import torch
from torch import nn

from .card import StateSpec
from .config import UNetConfig
from .unet import CausalUNet


def state_specs(config: UNetConfig) -> tuple[StateSpec, ...]:
    """Every cache of the step graph, in argument order, shapes derived from the config."""
    specs = [
        # Running input normalization: decayed sum of compressed rows and its total weight.
        StateSpec("norm_sum", (1, config.n_layout_channels, config.n_rows, 1)),
        StateSpec("norm_weight", (1, 1, 1, 1)),
    ]
    if config.tracks_noise_floor:
        rows = (1, config.n_layout_channels, config.n_rows, 1)
        # Smoothing ahead of the minimum (decayed sum and weight), then the floor's inverse
        # (zero: no floor yet).
        specs += [StateSpec("floor_sum", rows), StateSpec("floor_weight", (1, 1, 1, 1)), StateSpec("floor_inverse", rows)]
    if config.time_kernel > 1:
        n_in = (config.n_input_channels, *config.channels[:-1])
        # Level 0 keeps the rows; each further level reads its predecessor's rows and halves them.
        n_rows = [config.n_rows] + [config.n_rows // 2 ** (level - 1) for level in range(1, len(config.channels))]
        for level in range(len(config.channels)):
            specs.append(StateSpec(f"enc{level}", (1, n_in[level], n_rows[level], config.time_kernel - 1)))
    specs.append(StateSpec("gru", (1, 1, config.gru_hidden)))  # (layers, batch, hidden)
    return tuple(specs)


class UNetStep(nn.Module):
    """``forward(spec, *states) -> (mask, *states_out)``; spec and mask ``(1, 2, n_freqs)``."""

    def __init__(self, model: CausalUNet):
        super().__init__()
        self.model = model

    @property
    def config(self) -> UNetConfig:
        return self.model.config

    def forward(self, spec: torch.Tensor, *states: torch.Tensor) -> tuple[torch.Tensor, ...]:
        mask, states_out = self.model.forward_with_state(spec.unsqueeze(-1), list(states))
        return (mask.squeeze(-1), *states_out)
