import numpy as np
import pytest

from livedenoise.training import degradations
from livedenoise.training.mixing import NOISE_TYPES, MixConfig, NoiseSources, fill_segment, mix_example

SR = 48_000


def _chord(n_samples: int) -> np.ndarray:
    t = np.arange(n_samples) / SR
    return (0.3 * sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6))).astype(np.float32)


def _sources(with_irs: bool = False) -> NoiseSources:
    rng = np.random.default_rng(123)
    return NoiseSources.from_arrays(
        ambience={"rain": rng.standard_normal(SR // 2), "wind": rng.standard_normal(3 * SR)},
        speech={f"voice{i}": rng.standard_normal(SR // 5) for i in range(4)},
        harmonic={"flute": np.sin(2 * np.pi * 880.0 * np.arange(SR) / SR)},
        impulse_responses=[np.r_[np.zeros(100), 1.0, 0.3 * rng.standard_normal(2_000)]] if with_irs else [],
    )


def _measured_snr_db(mixture) -> float:
    clean = mixture.clean.astype(np.float64)
    noise = mixture.noise.astype(np.float64)
    return 10.0 * np.log10(np.sum(clean**2) / np.sum(noise**2))


@pytest.mark.parametrize("seed", range(12))
def test_snr_is_exact_and_noisy_is_clean_plus_noise(seed):
    config = MixConfig(second_noise_prob=0.5, reverb_prob=0.5, band_limit_prob=0.5)
    mixture = mix_example(_chord(SR), _sources(with_irs=True), np.random.default_rng(seed), config)
    assert config.snr_db_range[0] <= mixture.snr_db <= config.snr_db_range[1]
    assert _measured_snr_db(mixture) == pytest.approx(mixture.snr_db, abs=1e-3)
    np.testing.assert_array_equal(mixture.noisy, mixture.clean + mixture.noise)
    for audio in (mixture.noisy, mixture.clean, mixture.noise):
        assert audio.shape == (SR,) and audio.dtype == np.float32
        assert np.all(np.isfinite(audio))
    assert np.max(np.abs(mixture.noisy)) <= config.peak_limit + 1e-6
    assert mixture.metadata["snr_db"] == mixture.snr_db


@pytest.mark.parametrize("noise_type", NOISE_TYPES)
def test_every_noise_type(noise_type):
    config = MixConfig(noise_weights={noise_type: 1.0}, second_noise_prob=0.0)
    mixture = mix_example(_chord(SR // 2), _sources(), np.random.default_rng(0), config)
    assert mixture.metadata["noise_types"] == [noise_type]
    assert "fallback" not in mixture.metadata["noises"][0]
    assert _measured_snr_db(mixture) == pytest.approx(mixture.snr_db, abs=1e-3)


def test_deterministic_given_seed_and_different_across_seeds():
    clean, sources = _chord(SR), _sources()
    first = mix_example(clean, sources, np.random.default_rng(5))
    again = mix_example(clean, sources, np.random.default_rng(5))
    other = mix_example(clean, sources, np.random.default_rng(6))
    np.testing.assert_array_equal(first.noisy, again.noisy)
    np.testing.assert_array_equal(first.clean, again.clean)
    assert first.metadata == again.metadata
    assert not np.array_equal(first.noisy, other.noisy)


def test_level_is_set_on_the_mixture_and_clipping_is_avoided():
    loud = 10.0 * _chord(SR)  # far above full scale
    config = MixConfig(level_dbfs_range=(-3.0, -3.0), noise_weights={"clicks": 1.0}, snr_db_range=(-10.0, -10.0))
    mixture = mix_example(loud, _sources(), np.random.default_rng(0), config)
    assert np.max(np.abs(mixture.noisy)) <= config.peak_limit + 1e-6
    assert mixture.metadata["peak_normalized"] is True
    assert mixture.metadata["peak_gain_db"] < 0.0
    quiet = mix_example(loud, _sources(), np.random.default_rng(0), MixConfig(level_dbfs_range=(-30.0, -30.0)))
    rms_db = 20 * np.log10(np.sqrt(np.mean(quiet.noisy.astype(np.float64) ** 2)))
    assert rms_db == pytest.approx(-30.0, abs=0.01)
    assert quiet.metadata["peak_normalized"] is False


def test_reverb_reaches_the_target_too():
    config = MixConfig(reverb_prob=1.0, noise_weights={"colored": 1.0}, second_noise_prob=0.0)
    dry = _chord(SR)
    mixture = mix_example(dry, _sources(), np.random.default_rng(2), config)
    assert mixture.metadata["reverb"]["ir"] == "synthetic"
    # Clean stays aligned with the dry music (direct path at sample 0) but is no longer a scaled copy.
    assert np.corrcoef(mixture.clean, dry)[0, 1] > 0.5
    scale = np.dot(mixture.clean, dry) / np.dot(dry, dry)
    assert np.max(np.abs(mixture.clean - scale * dry)) > 1e-3


def test_band_limit_is_applied_to_target():
    config = MixConfig(
        band_limit_prob=1.0,
        high_cut_hz_range=(4_000.0, 4_000.0),
        low_cut_hz_range=(100.0, 100.0),
        noise_weights={"colored": 1.0},
        second_noise_prob=0.0,
        reverb_prob=0.0,
    )
    t = np.arange(SR) / SR
    clean = (0.3 * np.sin(2 * np.pi * 440 * t) + 0.3 * np.sin(2 * np.pi * 12_000 * t)).astype(np.float32)
    mixture = mix_example(clean, _sources(), np.random.default_rng(3), config)
    assert mixture.metadata["band_limit"]["high_cut_hz"] == 4_000.0
    spectrum = np.abs(np.fft.rfft(mixture.clean))
    assert spectrum[12_000] < 0.01 * spectrum[440]


def test_unavailable_recorded_types_are_skipped():
    config = MixConfig(noise_weights={"ambience": 100.0, "hum": 1.0}, second_noise_prob=0.0)
    for seed in range(5):
        mixture = mix_example(_chord(SR // 4), NoiseSources(), np.random.default_rng(seed), config)
        assert mixture.metadata["noise_types"] == ["hum"]
    with pytest.raises(ValueError, match="no noise type"):
        mix_example(_chord(SR // 4), NoiseSources(), np.random.default_rng(0), MixConfig(noise_weights={"babble": 1.0}))


def test_rejects_silent_or_bad_music():
    with pytest.raises(ValueError, match="silent"):
        mix_example(np.zeros(SR), _sources(), np.random.default_rng(0))
    with pytest.raises(ValueError, match="NaN"):
        mix_example(np.full(SR, np.nan), _sources(), np.random.default_rng(0))
    with pytest.raises(ValueError):
        MixConfig(noise_weights={"thunder": 1.0})
    with pytest.raises(ValueError):
        MixConfig(snr_db_range=(10.0, -10.0))


def test_fill_segment_concatenates_short_recordings():
    pieces = iter([np.ones(30, np.float32), 2 * np.ones(30, np.float32), 3 * np.ones(100, np.float32)])
    segment, label = fill_segment(80, np.random.default_rng(0), lambda n_max, rng: (next(pieces)[:n_max], "x"))
    assert segment.shape == (80,)
    assert label == "x+x+x"
    assert segment[15] == 1.0 and segment[45] == 2.0 and segment[70] == 3.0


def test_measured_impulse_response_keeps_alignment():
    ir = np.r_[np.zeros(50), 1.0, np.zeros(10), 0.5]
    impulse = np.zeros(200, np.float32)
    impulse[20] = 1.0
    wet = degradations.apply_impulse_response(impulse, ir)
    assert wet[20] == pytest.approx(1.0) and wet[31] == pytest.approx(0.5)


def test_synthetic_impulse_response_decays_at_rt60():
    ir = degradations.synthetic_impulse_response(np.random.default_rng(0), 0.5, SR, high_rt60_ratio=1.0)
    tail = ir[int(0.01 * SR) :].astype(np.float64) ** 2
    early = tail[: int(0.05 * SR)].mean()
    late = tail[int(0.45 * SR) : int(0.5 * SR)].mean()
    assert 10 * np.log10(early / late) == pytest.approx(54.0, abs=3.0)  # 60 dB over 0.45 s of 0.5 s


def test_noise_variation_changes_recorded_noise_and_keeps_the_mixture_exact():
    # One 1 kHz tone as the only recording: the speed change moves it; the SNR and the sum stay exact.
    tone = np.sin(2 * np.pi * 1000.0 * np.arange(2 * SR) / SR)
    sources = NoiseSources.from_arrays(ambience={"tone": tone})
    config = MixConfig(
        noise_weights={"ambience": 1.0}, second_noise_prob=0.0, noise_variation_prob=1.0, noise_speed_range=(1.2, 1.25)
    )
    mixture = mix_example(_chord(SR), sources, np.random.default_rng(3), config)
    assert "speed 1.2" in mixture.metadata["noises"][0]["source"]
    spectrum = np.abs(np.fft.rfft(mixture.noise))
    assert 1200.0 <= np.argmax(spectrum) <= 1250.0  # 1 Hz bins over 1 s
    assert _measured_snr_db(mixture) == pytest.approx(mixture.snr_db, abs=1e-3)
    np.testing.assert_array_equal(mixture.noisy, mixture.clean + mixture.noise)
    again = mix_example(_chord(SR), sources, np.random.default_rng(3), config)
    np.testing.assert_array_equal(mixture.noisy, again.noisy)


def test_noise_variation_off_draws_nothing_extra():
    # Configs without variation (the dev set's) keep their random streams, hence their examples.
    sources = _sources()
    plain = mix_example(_chord(SR), sources, np.random.default_rng(8), MixConfig())
    ranged = mix_example(_chord(SR), sources, np.random.default_rng(8), MixConfig(noise_speed_range=(0.5, 2.0)))
    np.testing.assert_array_equal(plain.noisy, ranged.noisy)


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"noise_variation_prob": 1.5}, "noise_variation_prob"),
        ({"noise_speed_range": (1.25, 0.8)}, "noise_speed_range"),
        ({"noise_speed_range": (0.0, 1.0)}, "positive"),
        ({"noise_tilt_db_per_octave_range": (3.0, -3.0)}, "noise_tilt_db_per_octave_range"),
    ],
)
def test_noise_variation_settings_are_checked(bad, message):
    with pytest.raises(ValueError, match=message):
        MixConfig(**bad)
