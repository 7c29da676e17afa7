"""Music with noise: the noise-leak term scores what the mask lets through of the noise alone, the
music-kept term what the same mask does to the music alone; both count only examples that hold
both."""

from __future__ import annotations

import math

import pytest
import torch

from livedenoise.training.losses import DenoiseLoss, LossConfig

SAMPLE_RATE, N_FFT, HOP = 48000, 1024, 128
N_SAMPLES = 94 * HOP


def _one_hop_late(wave: torch.Tensor) -> torch.Tensor:
    return torch.cat([torch.zeros(wave.shape[0], HOP), wave[:, :-HOP]], dim=1)


def _leak_loss(**overrides) -> DenoiseLoss:
    weights = {"noise_leak_weight": 1.0, **overrides}
    config = LossConfig(compressed_weight=0.0, mrstft_weight=0.0, sisdr_weight=0.0, **weights)
    return DenoiseLoss(config, N_FFT, HOP)


def _music_and_noise(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    t = torch.arange(N_SAMPLES) / SAMPLE_RATE
    music = 0.2 * torch.sin(2 * math.pi * 110.0 * t).unsqueeze(0)
    noise = 0.02 * torch.randn(1, N_SAMPLES, generator=generator)
    return music, noise


def test_a_mask_that_keeps_the_note_and_cuts_the_noise_band_by_20_db_leaks_minus_20_db():
    loss_fn = _leak_loss(noise_leak_floor_db=-60.0)
    music, noise = _music_and_noise(5)
    noisy_spec = loss_fn.target_features.stft.analyze(music + noise)
    # a gain of one on the note's bins (110 Hz lies in bins 2-3 of 46.9 Hz) and 0.1 elsewhere
    gain = torch.full((noisy_spec.shape[-2], 1), 0.1)
    gain[1:5] = 1.0
    _, parts = loss_fn(gain * noisy_spec, _one_hop_late(music + noise), music, noisy_spec=noisy_spec)
    noise_spec = loss_fn.target_features.stft.analyze(noise)
    expected = 10 * math.log10(float((gain * noise_spec).abs().pow(2).sum() / noise_spec.abs().pow(2).sum()))
    assert parts["noise_leak_db"] == pytest.approx(expected, abs=0.01)
    assert -20.0 < parts["noise_leak_db"] < -15.0  # the four passed bins hold a little noise


def test_music_alone_and_noise_alone_are_left_to_the_other_terms():
    loss_fn = _leak_loss()
    music, noise = _music_and_noise(6)
    target = torch.cat([music, torch.zeros_like(noise), music])
    noisy = torch.cat([music, noise, music + noise])
    noisy_spec = loss_fn.target_features.stft.analyze(noisy)
    _, parts = loss_fn(0.5 * noisy_spec, _one_hop_late(0.5 * noisy), target, noisy_spec=noisy_spec)
    assert parts["noise_leak_db"] == pytest.approx(-6.02, abs=0.01)  # the third example's alone
    _, parts = loss_fn(0.5 * noisy_spec[:2], _one_hop_late(0.5 * noisy[:2]), target[:2], noisy_spec=noisy_spec[:2])
    assert parts["noise_leak_db"] == 0.0


def test_the_leak_is_floored_and_pushes_the_gain_down_above_the_floor():
    loss_fn = _leak_loss(noise_leak_floor_db=-20.0)
    music, noise = _music_and_noise(7)
    noisy = music + noise
    noisy_spec = loss_fn.target_features.stft.analyze(noisy)
    for gain_value, floored in ((0.01, True), (0.5, False)):
        gain = torch.tensor(gain_value, requires_grad=True)
        loss, _ = loss_fn(gain * noisy_spec, _one_hop_late(gain * noisy), music, noisy_spec=noisy_spec)
        loss.backward()
        if floored:
            assert float(loss.detach()) == pytest.approx(-20.0)
            assert float(gain.grad) == 0.0
        else:
            assert float(gain.grad) > 0.0  # less gain, less leak


def test_the_leak_term_needs_the_noisy_spectrum():
    loss_fn = _leak_loss()
    music, noise = _music_and_noise(8)
    spec = loss_fn.target_features.stft.analyze(music + noise)
    with pytest.raises(ValueError, match="noisy spectrum"):
        loss_fn(spec, _one_hop_late(music + noise), music)


def test_the_music_kept_is_its_sdr_after_the_mask_and_pulls_the_gain_up_to_its_ceiling():
    loss_fn = _leak_loss(noise_leak_weight=0.0, music_kept_weight=1.0, music_kept_ceiling_db=60.0)
    music, noise = _music_and_noise(9)
    noisy = music + noise
    noisy_spec = loss_fn.target_features.stft.analyze(noisy)
    gain = torch.tensor(0.5, requires_grad=True)
    loss, parts = loss_fn(gain * noisy_spec, _one_hop_late(gain * noisy), music, noisy_spec=noisy_spec)
    assert parts["neg_music_kept_db"] == pytest.approx(-6.02, abs=0.01)  # the music at half amplitude
    loss.backward()
    assert float(gain.grad) < 0.0  # more gain, more music kept
    capped = _leak_loss(noise_leak_weight=0.0, music_kept_weight=1.0, music_kept_ceiling_db=20.0)
    _, parts = capped(noisy_spec, _one_hop_late(noisy), music, noisy_spec=noisy_spec)
    assert parts["neg_music_kept_db"] == pytest.approx(-20.0, abs=0.01)  # a unit mask keeps it whole
