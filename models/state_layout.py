"""The step graph's state: which caches there are, their shapes, and their order, in one place.

``state_specs`` lists every cache of the step graph in argument order, shapes derived from the
config; the ONNX graph reads ``{name}_state`` and writes ``{name}_state_out`` in that order.
``StateGroups`` gives the same list names by role, so the network never slices it by position.
"""

from __future__ import annotations

from typing import NamedTuple

import torch

from livedenoise.models.card import StateSpec
from livedenoise.models.config import UNetConfig


def state_specs(config: UNetConfig) -> tuple[StateSpec, ...]:
    """Every cache of the step graph, in argument order, shapes derived from the config."""
    specs = [
        # Running input normalization: decayed sum of compressed rows and its total weight.
        StateSpec("norm_sum", (1, 1, config.n_rows, 1)),
        StateSpec("norm_weight", (1, 1, 1, 1)),
    ]
    if config.tracks_noise_floor:
        rows = (1, 1, config.n_rows, 1)
        # Smoothing ahead of the minimum (decayed sum and weight), then the floor's inverse
        # (zero: no floor yet).
        specs += [
            StateSpec("floor_sum", rows),
            StateSpec("floor_weight", (1, 1, 1, 1)),
            StateSpec("floor_inverse", rows),
        ]
    if config.time_kernel > 1:
        n_in = (config.n_input_channels, *config.channels[:-1])
        # Level 0 keeps the rows; each further level reads its predecessor's rows and halves them.
        n_rows = [config.n_rows] + [config.n_rows // 2 ** (level - 1) for level in range(1, len(config.channels))]
        for level in range(len(config.channels)):
            specs.append(StateSpec(f"enc{level}", (1, n_in[level], n_rows[level], config.time_kernel - 1)))
    specs.append(StateSpec("gru", (1, 1, config.gru_hidden)))  # (layers, batch, hidden)
    return tuple(specs)


class StateGroups(NamedTuple):
    """The states of ``state_specs`` by role. ``floor`` is empty without noise-floor tracking,
    ``conv_caches`` with a time kernel of 1."""

    norm_sum: torch.Tensor
    norm_weight: torch.Tensor
    floor: list[torch.Tensor]
    conv_caches: list[torch.Tensor]
    gru: torch.Tensor

    @classmethod
    def split(cls, config: UNetConfig, states: list[torch.Tensor]) -> StateGroups:
        names = [spec.name for spec in state_specs(config)]
        if len(states) != len(names):
            raise ValueError(f"expected {len(names)} states ({', '.join(names)}), got {len(states)}")
        n_floor = sum(name.startswith("floor_") for name in names)
        first_cache = 2 + n_floor
        return cls(states[0], states[1], list(states[2:first_cache]), list(states[first_cache:-1]), states[-1])

    def join(self) -> list[torch.Tensor]:
        """Back to ``state_specs`` order."""
        return [self.norm_sum, self.norm_weight, *self.floor, *self.conv_caches, self.gru]
