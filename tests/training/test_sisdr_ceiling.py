"""The SI-SDR term's ceiling: music alone, passed almost untouched, stops asking for more, so its
gradient no longer outweighs the noisy examples'."""

from __future__ import annotations

import math

import pytest
import torch

from livedenoise.training.losses import DenoiseLoss, LossConfig, si_sdr

SAMPLE_RATE, N_FFT, HOP = 48000, 1024, 128


def test_the_ceiling_bounds_the_score_and_leaves_poor_estimates_as_they_were():
    torch.manual_seed(0)
    reference = torch.randn(3, 9600)
    assert si_sdr(reference, reference, 30.0) == pytest.approx(torch.full((3,), 30.0), abs=1e-3)
    close = reference + 1e-4 * torch.randn(3, 9600)
    assert (si_sdr(close, reference) > 70).all() and (si_sdr(close, reference, 30.0) < 30).all()
    poor = reference + 0.5 * torch.randn(3, 9600)
    assert si_sdr(poor, reference, 30.0) == pytest.approx(si_sdr(poor, reference), abs=0.05)
    assert torch.equal(si_sdr(poor, reference, math.inf), si_sdr(poor, reference))


def _sisdr_gradient(estimate: torch.Tensor, target: torch.Tensor, ceiling_db: float) -> torch.Tensor:
    config = LossConfig(compressed_weight=0.0, mrstft_weight=0.0, sisdr_weight=1.0, sisdr_ceiling_db=ceiling_db)
    loss_fn = DenoiseLoss(config, N_FFT, HOP, SAMPLE_RATE)
    estimate = estimate.clone().requires_grad_()
    late = torch.cat([torch.zeros(estimate.shape[0], HOP), estimate[:, :-HOP]], dim=1)
    loss, _ = loss_fn(loss_fn.target_features.stft.analyze(estimate), late, target)
    loss.backward()
    return estimate.grad


def test_music_passed_almost_untouched_no_longer_outweighs_a_noisy_example():
    torch.manual_seed(1)
    target = 0.1 * torch.randn(2, 60 * HOP)
    # the first example: music alone, passed at 80 dB; the second: music with noise, at 6 dB
    estimate = torch.stack([target[0] + 1e-5 * torch.randn(60 * HOP), target[1] + 0.05 * torch.randn(60 * HOP)])
    unbounded = _sisdr_gradient(estimate, target, math.inf).norm(dim=-1)
    bounded = _sisdr_gradient(estimate, target, 30.0).norm(dim=-1)
    assert unbounded[0] > 100 * unbounded[1]
    assert bounded[0] < 0.1 * bounded[1]
    assert float(bounded[1]) == pytest.approx(float(unbounded[1]), rel=0.05)


def test_a_ceiling_that_is_not_a_number_is_refused():
    with pytest.raises(ValueError, match="sisdr_ceiling_db"):
        LossConfig(sisdr_ceiling_db=math.nan)
