"""Step form of the causal U-Net: one STFT frame in, one mask out, caches passed explicitly.

This is what gets exported to ONNX. It wraps a ``CausalUNet`` and shares its weights; the graph
reads ``{name}_state`` and writes ``{name}_state_out`` for every ``StateSpec`` of ``state_specs``, in order.
A model that takes a noise print reads it after the spectrum, as ``noise_print`` ``(1, 3, n_freqs)``
(mean log power, spread, mean power, dB) and ``print_present`` ``(1,)`` (0: run blind); the runtime
sets both once per stream and again on each change of print.
"""

from __future__ import annotations

import torch
from torch import nn

from livedenoise.models.card import PRINT_INPUT_NAMES
from livedenoise.models.card import print_input_shapes as card_print_input_shapes
from livedenoise.models.config import UNetConfig
from livedenoise.models.state_layout import state_specs
from livedenoise.models.unet import CausalUNet

__all__ = ["PRINT_INPUTS", "UNetStep", "print_input_shapes", "state_specs"]

PRINT_INPUTS = PRINT_INPUT_NAMES


def print_input_shapes(config: UNetConfig) -> dict[str, tuple[int, ...]]:
    """The step graph's print inputs and their shapes; empty for a model that takes no print."""
    return card_print_input_shapes(config.n_freqs) if config.takes_print else {}


class UNetStep(nn.Module):
    """``forward(spec, *states) -> (mask, *states_out)``; spec and mask ``(1, 2, n_freqs)``.

    A model that takes a print: ``forward(spec, noise_print, print_present, *states)``."""

    def __init__(self, model: CausalUNet):
        super().__init__()
        self.model = model

    @property
    def config(self) -> UNetConfig:
        return self.model.config

    def forward(self, spec: torch.Tensor, *inputs: torch.Tensor) -> tuple[torch.Tensor, ...]:
        if self.config.takes_print:
            noise_print, print_present, *states = inputs
            mask, states_out = self.model.forward_with_state(spec.unsqueeze(-1), states, noise_print, print_present)
        else:
            mask, states_out = self.model.forward_with_state(spec.unsqueeze(-1), list(inputs))
        return (mask.squeeze(-1), *states_out)
