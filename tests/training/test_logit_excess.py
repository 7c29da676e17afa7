"""The logit term: mask logits past the limit, where the output nonlinearity passes no gradient,
are pulled back; inside it the term is zero and the loss is what it was."""

from __future__ import annotations

import pytest
import torch

from livedenoise.models.config import UNetConfig
from livedenoise.models.unet import CausalUNet
from livedenoise.training.losses import DenoiseLoss, LossConfig, logit_excess
from livedenoise.training.train import Denoiser


def test_the_excess_is_zero_inside_the_limit_and_squared_beyond():
    logits = torch.tensor([-20.0, -8.0, 0.0, 7.9, 8.0, 11.0], requires_grad=True)
    excess = logit_excess(logits, 8.0)
    assert float(excess.detach()) == pytest.approx((12.0**2 + 3.0**2) / 6)
    excess.backward()
    # a gradient only where the limit is crossed, towards it
    assert logits.grad.tolist() == pytest.approx([-4.0, 0.0, 0.0, 0.0, 0.0, 1.0])


def saturated_model() -> CausalUNet:
    """A gain-mask model whose head asks for gains of exactly one: logits around 30."""
    model = CausalUNet(UNetConfig(mask_prior="none"))
    with torch.no_grad():
        model.head.bias.fill_(30.0)
    return model


def test_a_saturated_mask_learns_again_only_with_the_term():
    torch.manual_seed(0)
    noisy = 0.1 * torch.randn(2, 48000 // 4)
    target = 0.5 * noisy  # half of the input must go: every gain should fall
    gradients = {}
    for weight in (0.0, 0.1):
        denoiser = Denoiser(saturated_model())
        config = LossConfig(logit_weight=weight, mrstft_sizes=(512,))
        stft = denoiser.model.config
        loss_fn = DenoiseLoss(config, stft.n_fft, stft.hop_samples, stft.sample_rate)
        estimate, _, wave, logits = denoiser(noisy)
        assert logits.min() > config.logit_limit  # saturated: sigmoid(30) is 1.0 in float32
        loss, parts = loss_fn(estimate, wave, target, logits=logits)
        loss.backward()
        gradients[weight] = float(denoiser.model.head.bias.grad.abs().max())
        assert ("logit_excess" in parts) == (weight > 0)
    assert gradients[0.0] < 1e-6  # the sigmoid passes nothing back
    assert gradients[0.1] > 1e-2


def test_the_term_needs_the_logits():
    denoiser = Denoiser(CausalUNet(UNetConfig()))
    stft = denoiser.model.config
    loss_fn = DenoiseLoss(LossConfig(logit_weight=0.1, mrstft_sizes=(512,)), stft.n_fft, stft.hop_samples,
                          stft.sample_rate)
    noisy = 0.1 * torch.randn(1, 4800)
    estimate, _, wave, _ = denoiser(noisy)
    with pytest.raises(ValueError, match="logit_weight"):
        loss_fn(estimate, wave, noisy)


def test_forward_with_logits_gives_the_same_mask():
    torch.manual_seed(0)
    model = CausalUNet(UNetConfig()).eval()
    spec = torch.randn(1, 2, model.config.n_freqs, 20)
    with torch.no_grad():
        mask, logits = model.forward_with_logits(spec)
        assert torch.equal(mask, model(spec))
    config = model.config
    assert logits.shape == (1, 1, config.n_rows, 20)
