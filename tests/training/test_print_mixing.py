"""Training with noise prints: each example's print is a stretch of its own noise that never
overlaps the mixed one, the shares of no print, a wrong print and a print with music hold, and a
tiny training run with prints still learns."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from livedenoise.training.mixing import MixConfig, NoiseSources, _draw_print_kind, mix_example
from test_train import tiny_config

SR = 48_000
RECORDING = np.random.default_rng(0).standard_normal(40 * SR).astype(np.float32)

PLAIN = MixConfig(
    noise_weights={"ambience": 1.0},
    second_noise_prob=0.0,
    reverb_prob=0.0,
    band_limit_prob=0.0,
    print_none_prob=0.0,
    print_level_jitter_db=0.0,
    print_tilt_jitter_db_per_octave=0.0,
    print_drift_db=0.0,
)


def _offset_in_recording(stretch: np.ndarray) -> int:
    """Where ``stretch`` (a scaled copy of part of RECORDING) starts in it."""
    probe = stretch[:4096] / np.linalg.norm(stretch[:4096])
    correlation = np.correlate(RECORDING, probe, mode="valid")
    return int(np.argmax(np.abs(correlation)))


def _chord(n_samples: int) -> np.ndarray:
    t = np.arange(n_samples) / SR
    return (0.3 * sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6))).astype(np.float32)


@pytest.mark.parametrize("seed", range(6))
def test_a_given_print_is_the_same_recording_at_the_same_gain_and_never_overlaps_the_mixed_noise(seed):
    sources = NoiseSources.from_arrays(ambience={"room": RECORDING})
    mixture = mix_example(_chord(2 * SR), sources, np.random.default_rng(seed), PLAIN)
    assert mixture.metadata["print"]["kind"] == "given"
    print_audio = mixture.print_audio
    assert 0.5 * SR <= print_audio.size <= 6 * SR
    print_start, noise_start = _offset_in_recording(print_audio), _offset_in_recording(mixture.noise)
    np.testing.assert_allclose(
        print_audio,
        RECORDING[print_start : print_start + print_audio.size] * (print_audio[0] / RECORDING[print_start]),
        rtol=1e-3,
        atol=1e-6,
    )
    assert print_start + print_audio.size <= noise_start or noise_start + mixture.noise.size <= print_start
    # the same gain as the mixed noise: equal RMS per sample for a stationary recording
    rms = lambda audio: float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))  # noqa: E731
    assert rms(print_audio) == pytest.approx(rms(mixture.noise), rel=0.1)


def test_the_shares_of_no_print_a_wrong_print_and_music_in_the_print_hold():
    config = MixConfig(print_none_prob=0.2, print_mismatch_prob=0.1, print_music_prob=0.1)
    rng = np.random.default_rng(0)
    kinds = [_draw_print_kind(rng, config)[0] for _ in range(20_000)]
    shares = {kind: kinds.count(kind) / len(kinds) for kind in ("none", "mismatched", "music", "given")}
    assert shares == pytest.approx({"none": 0.2, "mismatched": 0.1, "music": 0.1, "given": 0.6}, abs=0.01)


def test_a_mismatched_print_is_another_noise_and_a_music_print_holds_the_music():
    sources = NoiseSources.from_arrays(ambience={"room": RECORDING})
    wrong = dataclasses.replace(
        PLAIN, noise_weights={"ambience": 1.0, "hum": 1.0}, print_none_prob=0.0, print_mismatch_prob=1.0
    )
    mixture = mix_example(_chord(2 * SR), sources, np.random.default_rng(1), wrong)
    assert mixture.metadata["print"]["kind"] == "mismatched"
    assert not set(mixture.metadata["print_types"]) & set(mixture.metadata["noise_types"])
    with_music = dataclasses.replace(PLAIN, print_music_prob=1.0, print_music_db_range=(-10.0, -10.0))
    mixture = mix_example(_chord(2 * SR), sources, np.random.default_rng(2), with_music)
    spectrum = np.abs(np.fft.rfft(mixture.print_audio[: SR // 2]))
    freqs = np.fft.rfftfreq(SR // 2, 1 / SR)
    tone = spectrum[np.argmin(np.abs(freqs - 220.0))]
    assert tone > 5 * np.median(spectrum), "the chord's root stands out of the print's noise"


def test_a_mix_without_prints_draws_the_same_examples_as_before():
    """Prints off (the default) draws nothing more, so earlier recipes' examples stay as they were."""
    sources = NoiseSources.from_arrays(ambience={"room": RECORDING})
    config = MixConfig(noise_weights={"ambience": 1.0, "colored": 1.0})
    assert not config.draws_prints
    a = mix_example(_chord(SR), sources, np.random.default_rng(4), config)
    assert a.print_audio is None and "print" not in a.metadata
    b = mix_example(_chord(SR), sources, np.random.default_rng(4), config)
    np.testing.assert_array_equal(a.noisy, b.noisy)


def test_a_tiny_training_run_with_prints_learns(tiny_manifest, tmp_path):
    from livedenoise.models.unet import CausalUNet
    from livedenoise.training.dataset import MixtureDataset
    from livedenoise.training.losses import DenoiseLoss
    from livedenoise.training.train import Denoiser

    extra = [
        "model.mask_prior='wiener'",
        "model.floor_rise_db_per_s=6.0",
        "model.print_conditioning='film'",
        "model.print_prior=true",
        "mix.print_none_prob=0.25",
        "mix.print_s_range=[0.5, 1.0]",
    ]
    config = tiny_config(tiny_manifest, tmp_path / "run", 1, extra)
    dataset = MixtureDataset(tiny_manifest, "train", n_items=4, segment_s=0.5, config=config.mix, cache=False)
    batch = torch.utils.data.default_collate([dataset[i] for i in range(4)])
    assert batch["noise_print"].shape == (4, 3, config.model.n_freqs)
    assert set(batch["print_present"].tolist()) <= {0.0, 1.0} and batch["print_present"].sum() >= 1
    torch.manual_seed(0)
    denoiser = Denoiser(CausalUNet(config.model))
    optimizer = torch.optim.Adam(denoiser.parameters(), lr=3e-3)
    loss_fn = DenoiseLoss(config.loss, config.model.n_fft, config.model.hop_samples)
    losses = []
    for _ in range(40):
        estimate, _, wave = denoiser(batch["noisy"], batch["noise_print"], batch["print_present"])
        loss, _ = loss_fn(estimate, wave, batch["target"])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    assert losses[-1] < 0.8 * losses[0], losses[::10]
