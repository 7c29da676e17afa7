"""A silent target (a batch may hold one): the loss stays finite and its scale-free terms
(SI-SDR, spectral convergence) count the audible examples only."""

from __future__ import annotations

import pytest
import torch

from livedenoise.training.losses import DenoiseLoss, LossConfig

N_FFT, HOP = 1024, 128


def _one_hop_late(wave: torch.Tensor) -> torch.Tensor:
    return torch.cat([torch.zeros(wave.shape[0], HOP), wave[:, :-HOP]], dim=1)


def test_a_silent_target_leaves_the_loss_finite_and_the_scale_free_terms_to_the_rest():
    torch.manual_seed(2)
    config = LossConfig(mrstft_sizes=(512,), sisdr_weight=0.3)
    loss_fn = DenoiseLoss(config, N_FFT, HOP)
    audible = 0.05 * torch.randn(1, 94 * HOP)
    target = torch.cat([audible, torch.zeros(1, 94 * HOP)])
    noisy = target + 0.02 * torch.randn(2, 94 * HOP)
    estimate = (0.8 * noisy).requires_grad_()
    spec = loss_fn.target_features.stft.analyze(estimate)
    loss, parts = loss_fn(spec, _one_hop_late(estimate), target)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(estimate.grad).all()
    assert float(estimate.grad[1].abs().sum()) > 0  # the silent example is still pushed towards silence
    alone = LossConfig(compressed_weight=0.0, mrstft_weight=0.0, sisdr_weight=0.3)
    _, audible_parts = DenoiseLoss(alone, N_FFT, HOP)(spec[:1], _one_hop_late(estimate[:1]), target[:1])
    assert parts["neg_sisdr"] == pytest.approx(audible_parts["neg_sisdr"], rel=1e-5)
