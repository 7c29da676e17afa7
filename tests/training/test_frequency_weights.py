"""ERB weighting of the spectral losses: every band of hearing weighs alike, so an error at 100 Hz
costs more than the same error at 10 kHz; the uniform weighting keeps the loss as it was."""

from __future__ import annotations

import math

import pytest
import torch

from livedenoise.training.frequency_weights import bin_weights
from livedenoise.training.losses import DenoiseLoss, LossConfig

SAMPLE_RATE, N_FFT, HOP = 48000, 1024, 128


def test_erb_weights_fall_with_frequency_and_give_the_low_band_a_fifth():
    weights = bin_weights("erb", N_FFT, SAMPLE_RATE)[:, 0]
    assert weights.shape == (N_FFT // 2 + 1,)
    assert float(weights.mean()) == pytest.approx(1.0)
    assert bool(torch.all(weights[1:] < weights[:-1]))
    freqs_hz = torch.arange(N_FFT // 2 + 1) * SAMPLE_RATE / N_FFT
    low = (freqs_hz >= 20) & (freqs_hz < 500)
    assert 0.15 < float(weights[low].sum() / weights.sum()) < 0.3  # uniform: 10 of 513 bins
    assert torch.equal(bin_weights("uniform", N_FFT, SAMPLE_RATE), torch.ones(N_FFT // 2 + 1, 1))


def test_an_unknown_weighting_is_refused():
    with pytest.raises(ValueError, match="frequency_weighting"):
        LossConfig(frequency_weighting="octave")
    with pytest.raises(ValueError, match="unknown frequency weighting"):
        bin_weights("octave", N_FFT, SAMPLE_RATE)


def _one_hop_late(wave: torch.Tensor) -> torch.Tensor:
    """``wave`` as the model's synthesis returns it: one hop late, of the same length."""
    return torch.cat([torch.zeros(wave.shape[0], HOP), wave[:, :-HOP]], dim=1)


def _loss_of_a_tone(config: LossConfig, freq_hz: float) -> float:
    """The loss of an estimate that is the target plus a tone at ``freq_hz``."""
    torch.manual_seed(0)
    n_samples = 188 * HOP
    target = 0.05 * torch.randn(1, n_samples)
    t = torch.arange(n_samples) / SAMPLE_RATE
    estimate = target + 0.05 * torch.sin(2 * math.pi * freq_hz * t)
    loss_fn = DenoiseLoss(config, N_FFT, HOP, SAMPLE_RATE)
    estimate_spec = loss_fn.target_features.stft.analyze(estimate)
    loss, _ = loss_fn(estimate_spec, _one_hop_late(estimate), target)
    return float(loss)


# the multi-resolution loss's spectral convergence stays unweighted (it is weighted by energy already)
@pytest.mark.parametrize("part, least_gain", [("compressed", 3.0), ("mrstft", 1.3)])
def test_erb_weighting_makes_a_low_error_cost_more_than_a_high_one(part, least_gain):
    weights = {"compressed_weight": 0.0, "mrstft_weight": 0.0, "sisdr_weight": 0.0, f"{part}_weight": 1.0}
    ratios = {}
    for weighting in ("uniform", "erb"):
        config = LossConfig(**weights, mrstft_sizes=(512, 1024), frequency_weighting=weighting)
        ratios[weighting] = _loss_of_a_tone(config, 100.0) / _loss_of_a_tone(config, 10_000.0)
    assert ratios["erb"] > least_gain * ratios["uniform"]


def test_the_uniform_weighting_is_the_plain_mean():
    torch.manual_seed(1)
    config = LossConfig(mrstft_sizes=(512,))
    loss_fn = DenoiseLoss(config, N_FFT, HOP, SAMPLE_RATE)
    target = 0.05 * torch.randn(2, 94 * HOP)
    estimate_spec = loss_fn.target_features.stft.analyze(0.7 * target)
    _, parts = loss_fn(estimate_spec, _one_hop_late(0.7 * target), target)
    features = loss_fn.target_features(target)
    est_c = estimate_spec.abs().clamp_min(1e-8).pow(0.3)
    plain = (est_c - features["compressed_magnitude"]).abs().mean() + (
        est_c * estimate_spec / estimate_spec.abs().clamp_min(1e-8) - features["compressed_complex"]
    ).abs().mean()
    assert parts["compressed"] == pytest.approx(float(plain), rel=1e-6)

