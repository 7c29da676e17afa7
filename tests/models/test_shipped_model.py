"""The shipped model: self-describing, the default everywhere, and it denoises without damaging music."""

import numpy as np
import pytest

from livedenoise.bench.metrics import noise_attenuation_db, si_sdr
from livedenoise.realtime.denoiser import StreamingDenoiser
from livedenoise.realtime.runtimes.model_choice import SHIPPED_MODEL, open_runtime
from livedenoise.realtime.runtimes.onnx_runtime import OnnxRuntime
from livedenoise.training.packages import RESERVED_PACKAGES


def denoise(runtime, audio):
    denoiser = StreamingDenoiser(runtime, n_channels=1)
    out = np.concatenate([denoiser.process(audio), denoiser.flush()])
    return out[denoiser.latency_samples :]


def plucked_notes(seconds=4.0, sample_rate=48000):
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    audio = np.zeros_like(t)
    for i, f0 in enumerate((110.0, 146.8, 196.0, 164.8, 220.0, 130.8, 174.6, 246.9)):
        local = t - i * 0.5
        envelope = (local >= 0) * np.exp(-3 * np.clip(local, 0, None))
        audio += sum(0.1 / k * np.sin(2 * np.pi * f0 * k * local) for k in range(1, 10)) * envelope
    return audio.astype(np.float32)


def test_the_default_model_is_the_shipped_onnx_model_with_a_complete_card():
    runtime = open_runtime("default")
    assert isinstance(runtime, OnnxRuntime) and runtime.path == SHIPPED_MODEL
    card = runtime.card
    assert (card.sample_rate, card.n_fft, card.hop_samples) == (48000, 1024, 128)
    origins = card.training["origins_and_licences"]
    assert origins and all(licence for licence in origins.values())
    dev_set = card.metrics["dev_set"]["models"]
    assert any("headline" in figures for figures in dev_set.values())
    assert {"torch", "onnx", "livedenoise"} <= set(card.versions)


@pytest.mark.xfail(
    strict=True,
    reason="v7 was trained on a package reserved after its training (it shares a recording with the "
    "independent evaluation); the retrained default must not have heard it, and then this passes",
)
def test_the_shipped_model_never_heard_a_reserved_package():
    origins = open_runtime("default").card.training["origins_and_licences"]
    assert not any(reserved in origin for origin in origins for reserved in RESERVED_PACKAGES)


# Measured with the shipped model: 27.1 dB of noise removed, music kept at 30.8 dB SI-SDR and -0.8 dB
# of level, 11.6 dB of improvement. Each bound leaves 2 dB for another machine's rounding, not for a
# worse model; a model that does worse is a regression, and a new model moves these with its card.
MIN_ATTENUATION_DB = 25.0
MIN_KEPT_DB = 28.8
MAX_MUSIC_LEVEL_CHANGE_DB = 1.5
MIN_IMPROVEMENT_DB = 9.6


def test_the_shipped_model_removes_noise_and_keeps_music():
    runtime = open_runtime("default")
    rng = np.random.default_rng(0)
    music = plucked_notes()
    noise = (0.03 * rng.standard_normal(music.size)).astype(np.float32)
    skip = 24000  # the model's running normalization settles in the first half second
    attenuation = noise_attenuation_db(denoise(runtime, noise)[skip:], noise[skip:])
    assert attenuation > MIN_ATTENUATION_DB
    music_out = denoise(runtime, music)[skip:]
    kept = si_sdr(music_out, music[skip:])
    assert kept > MIN_KEPT_DB
    # SI-SDR ignores scale: a flat volume cut would keep the music perfectly by it
    energy_ratio = np.sum(music_out.astype(np.float64) ** 2) / np.sum(music[skip:].astype(np.float64) ** 2)
    assert abs(10 * np.log10(energy_ratio)) < MAX_MUSIC_LEVEL_CHANGE_DB
    noisy = music + noise
    improvement = si_sdr(denoise(runtime, noisy)[skip:], music[skip:]) - si_sdr(noisy[skip:], music[skip:])
    assert improvement > MIN_IMPROVEMENT_DB
