"""The spectral loss terms: means over every bin and frame."""

from __future__ import annotations

import pytest
import torch

from livedenoise.training.losses import DenoiseLoss, LossConfig

N_FFT, HOP = 1024, 128


def _one_hop_late(wave: torch.Tensor) -> torch.Tensor:
    """``wave`` as the model's synthesis returns it: one hop late, of the same length."""
    return torch.cat([torch.zeros(wave.shape[0], HOP), wave[:, :-HOP]], dim=1)


def test_the_compressed_term_is_the_plain_mean_over_bins():
    torch.manual_seed(1)
    config = LossConfig(mrstft_sizes=(512,))
    loss_fn = DenoiseLoss(config, N_FFT, HOP)
    target = 0.05 * torch.randn(2, 94 * HOP)
    estimate_spec = loss_fn.target_features.stft.analyze(0.7 * target)
    _, parts = loss_fn(estimate_spec, _one_hop_late(0.7 * target), target)
    features = loss_fn.target_features(target)
    est_c = estimate_spec.abs().clamp_min(1e-8).pow(0.3)
    plain = (est_c - features["compressed_magnitude"]).abs().mean() + (
        est_c * estimate_spec / estimate_spec.abs().clamp_min(1e-8) - features["compressed_complex"]
    ).abs().mean()
    assert parts["compressed"] == pytest.approx(float(plain), rel=1e-6)
