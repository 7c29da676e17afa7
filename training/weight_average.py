"""An exponential moving average of a model's weights (``train.ema_decay``).

Single steps move the weights a long way at the learning rates a short run needs, so the score of
one epoch's weights swings from epoch to epoch; their average over the last few hundred steps
swings less. The average is what a run validates, keeps and exports; the optimizer keeps working
on the weights it steps.
"""

from __future__ import annotations

import copy

import torch

from livedenoise.models.unet import CausalUNet


class WeightAverage:
    """``model`` is the average: after each step, ``update`` moves each of its weights
    ``1 - decay`` of the way to the trained model's. Buffers average too (a batch norm's running
    statistics belong with the weights that produced them); counters are copied."""

    def __init__(self, trained: CausalUNet, decay: float) -> None:
        if not 0.0 < decay < 1.0:
            raise ValueError(f"ema_decay must lie between 0 and 1 (exclusive), got {decay}")
        self.decay = decay
        self.model = copy.deepcopy(trained).eval()
        for parameter in self.model.parameters():
            parameter.requires_grad_(False)

    @torch.no_grad()
    def update(self, trained: CausalUNet) -> None:
        current = trained.state_dict()
        for name, average in self.model.state_dict().items():
            if average.is_floating_point():
                average.lerp_(current[name], 1.0 - self.decay)
            else:
                average.copy_(current[name])
