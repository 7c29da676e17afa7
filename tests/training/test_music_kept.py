"""Music with noise: the music-kept term scores what the mask does to the music alone, and counts
only examples that hold both."""

from __future__ import annotations

import math

import pytest
import torch

from livedenoise.training.losses import DenoiseLoss, LossConfig

SAMPLE_RATE, N_FFT, HOP = 48000, 1024, 128
N_SAMPLES = 94 * HOP


def _one_hop_late(wave: torch.Tensor) -> torch.Tensor:
    return torch.cat([torch.zeros(wave.shape[0], HOP), wave[:, :-HOP]], dim=1)


def _kept_loss(ceiling_db: float = 20.0) -> DenoiseLoss:
    config = LossConfig(
        compressed_weight=0.0,
        mrstft_weight=0.0,
        sisdr_weight=0.0,
        music_kept_weight=1.0,
        music_kept_ceiling_db=ceiling_db,
    )
    return DenoiseLoss(config, N_FFT, HOP)


def _music_and_noise(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    t = torch.arange(N_SAMPLES) / SAMPLE_RATE
    music = 0.2 * torch.sin(2 * math.pi * 110.0 * t).unsqueeze(0)
    noise = 0.02 * torch.randn(1, N_SAMPLES, generator=generator)
    return music, noise


def test_the_music_kept_is_its_sdr_after_the_mask_and_pulls_the_gain_up_to_its_ceiling():
    loss_fn = _kept_loss(ceiling_db=60.0)
    music, noise = _music_and_noise(9)
    noisy = music + noise
    noisy_spec = loss_fn.target_features.stft.analyze(noisy)
    gain = torch.tensor(0.5, requires_grad=True)
    loss, parts = loss_fn(gain * noisy_spec, _one_hop_late(gain * noisy), music, noisy_spec=noisy_spec)
    assert parts["neg_music_kept_db"] == pytest.approx(-6.02, abs=0.01)  # the music at half amplitude
    loss.backward()
    assert float(gain.grad) < 0.0  # more gain, more music kept
    _, parts = _kept_loss(ceiling_db=20.0)(noisy_spec, _one_hop_late(noisy), music, noisy_spec=noisy_spec)
    assert parts["neg_music_kept_db"] == pytest.approx(-20.0, abs=0.01)  # a unit mask keeps it whole


def test_music_alone_and_noise_alone_are_not_scored():
    loss_fn = _kept_loss(ceiling_db=60.0)
    music, noise = _music_and_noise(6)
    target = torch.cat([music, torch.zeros_like(noise), music])
    noisy = torch.cat([music, noise, music + noise])
    noisy_spec = loss_fn.target_features.stft.analyze(noisy)
    gains = torch.tensor([1.0, 1.0, 0.5]).reshape(3, 1, 1)
    _, parts = loss_fn(gains * noisy_spec, _one_hop_late(gains[:, 0] * noisy), target, noisy_spec=noisy_spec)
    assert parts["neg_music_kept_db"] == pytest.approx(-6.02, abs=0.01)  # the third example's alone
    _, parts = loss_fn(noisy_spec[:2], _one_hop_late(noisy[:2]), target[:2], noisy_spec=noisy_spec[:2])
    assert parts["neg_music_kept_db"] == 0.0


def test_the_music_kept_term_needs_the_noisy_spectrum():
    loss_fn = _kept_loss()
    music, noise = _music_and_noise(8)
    spec = loss_fn.target_features.stft.analyze(music + noise)
    with pytest.raises(ValueError, match="noisy spectrum"):
        loss_fn(spec, _one_hop_late(music + noise), music)
