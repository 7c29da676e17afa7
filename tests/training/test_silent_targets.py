"""A noise-alone example's target is silence: the loss stays finite and its scale-free terms
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


def _residual_config(**overrides) -> LossConfig:
    return LossConfig(compressed_weight=0.0, mrstft_weight=0.0, sisdr_weight=0.0, residual_noise_weight=1.0, **overrides)


def test_noise_alone_left_at_half_amplitude_costs_six_db_and_audible_examples_nothing():
    torch.manual_seed(3)
    loss_fn = DenoiseLoss(_residual_config(), N_FFT, HOP)
    noisy = 0.05 * torch.randn(2, 94 * HOP)
    target = torch.cat([noisy[:1], torch.zeros(1, 94 * HOP)])  # music alone, then noise alone
    noisy_spec = loss_fn.target_features.stft.analyze(noisy)
    _, parts = loss_fn(0.5 * noisy_spec, _one_hop_late(0.5 * noisy), target, noisy_spec=noisy_spec)
    assert parts["residual_noise_db"] == pytest.approx(-6.02, abs=0.01)
    _, parts = loss_fn(0.5 * noisy_spec[:1], _one_hop_late(0.5 * noisy[:1]), target[:1], noisy_spec=noisy_spec[:1])
    assert parts["residual_noise_db"] == 0.0


def test_the_residual_is_floored_and_pushes_the_gain_down_above_the_floor():
    torch.manual_seed(4)
    loss_fn = DenoiseLoss(_residual_config(residual_noise_floor_db=-20.0), N_FFT, HOP)
    noisy = 0.05 * torch.randn(1, 94 * HOP)
    target = torch.zeros_like(noisy)
    noisy_spec = loss_fn.target_features.stft.analyze(noisy)
    gain = torch.tensor(0.01, requires_grad=True)  # -40 dB, past the floor
    loss, _ = loss_fn(gain * noisy_spec, _one_hop_late(gain * noisy), target, noisy_spec=noisy_spec)
    assert float(loss.detach()) == pytest.approx(-20.0)
    loss.backward()
    assert float(gain.grad) == 0.0
    gain = torch.tensor(0.5, requires_grad=True)
    loss, _ = loss_fn(gain * noisy_spec, _one_hop_late(gain * noisy), target, noisy_spec=noisy_spec)
    loss.backward()
    assert float(gain.grad) > 0.0  # less gain, less loss


def test_the_residual_term_needs_the_noisy_spectrum():
    loss_fn = DenoiseLoss(_residual_config(), N_FFT, HOP)
    wave = 0.05 * torch.randn(1, 94 * HOP)
    spec = loss_fn.target_features.stft.analyze(wave)
    with pytest.raises(ValueError, match="noisy spectrum"):
        loss_fn(spec, _one_hop_late(wave), torch.zeros_like(wave))
