"""Training only what a grown model adds (``train.freeze_init``): the weights copied from
``train.init_from`` stay as they were, batch norms' statistics included.

With ``model.print_blind_exact`` the model run blind is then the model it grew from for the whole
run, so nothing that training with prints learns can cost the blind case. A tensor that grew (a
convolution with more input channels) keeps its copied part: the gradient there is zeroed before
clipping, and the part is written back after each step, since weight decay would move it anyway.
"""

from __future__ import annotations

import torch
from torch import nn

from livedenoise.models.unet import CausalUNet


class FrozenInit:
    """Freezes in ``model`` every weight that ``source`` (what it was initialised from) has."""

    def __init__(self, model: CausalUNet, source: CausalUNet) -> None:
        theirs = source.state_dict()
        self.norms = [
            module
            for name, module in model.named_modules()
            if isinstance(module, nn.modules.batchnorm._BatchNorm) and f"{name}.running_mean" in theirs
        ]
        self._grown: list[tuple[nn.Parameter, tuple[slice, slice], torch.Tensor]] = []
        for name, parameter in model.named_parameters():
            if name not in theirs:
                continue
            old = theirs[name]
            if old.shape == parameter.shape:
                parameter.requires_grad_(False)
            elif old.dim() > 1 and old.shape[0] == parameter.shape[0] and old.shape[2:] == parameter.shape[2:]:
                # grown on axis 1 (init_from_model copied the source into the first entries)
                part = (slice(None), slice(0, old.shape[1]))
                parameter.register_hook(lambda grad, part=part: _zero_part(grad, part))
                self._grown.append((parameter, part, parameter.detach()[part].clone()))
            else:
                raise ValueError(
                    f"freeze_init cannot keep {name} as it was: it grew from {tuple(old.shape)} "
                    f"to {tuple(parameter.shape)} otherwise than by input channels"
                )

    def hold_norms(self) -> None:
        """Frozen batch norms normalise by their running statistics, in training mode too."""
        for norm in self.norms:
            norm.eval()

    @torch.no_grad()
    def restore(self) -> None:
        """Write the copied part of each grown tensor back (after an optimizer step)."""
        for parameter, part, saved in self._grown:
            parameter[part] = saved


def _zero_part(grad: torch.Tensor, part: tuple[slice, slice]) -> torch.Tensor:
    grad = grad.clone()
    grad[part] = 0.0
    return grad
