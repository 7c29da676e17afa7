import numpy as np
import pytest

from livedenoise.training.mixing import MixConfig, NoiseSources, mix_example
from livedenoise.training.recording_augment import random_eq, vary_recording

SR = 48_000


def test_random_eq_stays_within_its_range_and_varies_per_draw():
    rng = np.random.default_rng(0)
    impulse = np.zeros(SR, dtype=np.float32)
    impulse[SR // 2] = 1.0
    responses = []
    for _ in range(20):
        out, gains = random_eq(impulse, rng, SR, max_db=12.0)
        response_db = 20 * np.log10(np.abs(np.fft.rfft(out)) + 1e-12)
        assert response_db.max() <= 12.0 + 0.1 and response_db.min() >= -12.0 - 0.1
        assert all(abs(g) <= 12.0 for g in gains)
        responses.append(response_db)
    assert np.std(np.array(responses), axis=0).mean() > 3.0


def test_nothing_is_applied_or_drawn_when_every_probability_is_zero():
    rng = np.random.default_rng(1)
    audio = rng.standard_normal(SR).astype(np.float32)
    state = rng.bit_generator.state
    out, detail = vary_recording(audio, rng, SR, 0.0, 12.0, 0.0, 0.0)
    np.testing.assert_array_equal(out, audio)
    assert detail == {} and rng.bit_generator.state == state


def test_every_variation_is_recorded_when_asked():
    rng = np.random.default_rng(2)
    audio = rng.standard_normal(SR).astype(np.float32)
    out, detail = vary_recording(audio, rng, SR, 1.0, 12.0, 1.0, 1.0)
    assert set(detail) == {"eq_db", "reverb", "swell"}
    assert out.shape == audio.shape and out.dtype == np.float32 and np.all(np.isfinite(out))


def _chord(n_samples):
    t = np.arange(n_samples) / SR
    return (0.3 * sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6))).astype(np.float32)


@pytest.mark.parametrize("seed", range(6))
def test_augmentation_never_changes_the_clean_target(seed):
    """The same example with and without every noise augmentation: the target is the same music
    (up to the level the mixer sets from the noisy mixture), only the noise differs."""
    rng = np.random.default_rng(99)
    sources = NoiseSources.from_arrays(ambience={"rain": rng.standard_normal(3 * SR)})
    plain = MixConfig(noise_weights={"ambience": 1.0}, second_noise_prob=0.0, reverb_prob=0.0, band_limit_prob=0.0)
    augmented = MixConfig(
        noise_weights={"ambience": 1.0, "procedural": 1.0},
        second_noise_prob=0.5,
        reverb_prob=0.0,
        band_limit_prob=0.0,
        noise_variation_prob=1.0,
        recording_eq_prob=1.0,
        recording_reverb_prob=1.0,
        recording_swell_prob=1.0,
    )
    music = _chord(SR)
    a = mix_example(music, sources, np.random.default_rng(seed), plain)
    b = mix_example(music, sources, np.random.default_rng(seed), augmented)
    scale = float(np.dot(b.clean, music) / np.dot(music, music))
    np.testing.assert_allclose(b.clean, scale * music, atol=1e-5)
    scale_a = float(np.dot(a.clean, music) / np.dot(music, music))
    np.testing.assert_allclose(a.clean, scale_a * music, atol=1e-5)
    np.testing.assert_array_equal(b.noisy, b.clean + b.noise)
