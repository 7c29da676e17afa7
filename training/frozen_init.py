"""Training only the print's path (``train.freeze_init``): the weights of the blind network the
print grows on (the same model without its print) stay as ``train.init_from`` gave them, batch
norms' statistics included.

With ``model.print_blind_exact`` the model run blind is then that network for the whole run, so
nothing that training with prints learns can cost the blind case. Which weights are the blind
network's follows from the model's own config, so a run resumed from a stage needs no other file.
A tensor the print grew (the first convolution's input channels) keeps its blind part: the
gradient there is zeroed before clipping, and the part is written back after each step, since
weight decay would move it anyway.
"""

from __future__ import annotations

import dataclasses

import torch
from torch import nn

from livedenoise.models.unet import CausalUNet


def blind_network_state(model: CausalUNet) -> dict[str, torch.Tensor]:
    """The names and shapes of the weights ``model`` has without its print (zero tensors)."""
    config = dataclasses.replace(model.config, print_conditioning="none", print_prior=False, print_blind_exact=False)
    return CausalUNet(config).state_dict()


class FrozenInit:
    """Freezes in ``model`` (one that takes a print) every weight of its blind network."""

    def __init__(self, model: CausalUNet) -> None:
        if not model.config.takes_print:
            raise ValueError("train.freeze_init keeps the blind network a print grows on: the model takes no print")
        blind = blind_network_state(model)
        self.norms = [
            module
            for name, module in model.named_modules()
            if isinstance(module, nn.modules.batchnorm._BatchNorm) and f"{name}.running_mean" in blind
        ]
        self._grown: list[tuple[nn.Parameter, tuple[slice, slice], torch.Tensor]] = []
        for name, parameter in model.named_parameters():
            if name not in blind:
                continue
            if blind[name].shape == parameter.shape:
                parameter.requires_grad_(False)
            else:
                # the print's input channels follow the blind ones (init_from_model copies into the first)
                part = (slice(None), slice(0, blind[name].shape[1]))
                parameter.register_hook(lambda grad, part=part: _zero_part(grad, part))
                self._grown.append((parameter, part, parameter.detach()[part].clone()))

    def hold_norms(self) -> None:
        """Frozen batch norms normalise by their running statistics, in training mode too."""
        for norm in self.norms:
            norm.eval()

    @torch.no_grad()
    def restore(self) -> None:
        """Write the blind part of each grown tensor back (after an optimizer step)."""
        for parameter, part, saved in self._grown:
            parameter[part] = saved


def _zero_part(grad: torch.Tensor, part: tuple[slice, slice]) -> torch.Tensor:
    grad = grad.clone()
    grad[part] = 0.0
    return grad
