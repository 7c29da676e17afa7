"""Step form of the causal U-Net: one STFT frame in, one mask out, caches passed explicitly.

This is what gets exported to ONNX. It wraps a ``CausalUNet`` and shares its weights; the graph
reads ``{name}_state`` and writes ``{name}_state_out`` for every ``StateSpec`` of ``state_specs``, in order.
"""

from __future__ import annotations

import torch
from torch import nn

from .config import UNetConfig
from .state_layout import state_specs
from .unet import CausalUNet

__all__ = ["UNetStep", "state_specs"]


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
