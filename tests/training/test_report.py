import numpy as np
import pytest

from livedenoise.training.mixing import MixConfig, Mixture, NoiseSources, mix_example
from livedenoise.training.report import FEATURES, input_features, pearson_r, write_dataset_report

SR = 48_000
N_SAMPLES = SR // 4


class _Planted:
    """Mixtures whose loudness follows the SNR (noise added on top of fixed-level music)."""

    def __init__(self, n_items: int) -> None:
        self.n_items = n_items

    def __len__(self) -> int:
        return self.n_items

    def mixture(self, index: int) -> Mixture:
        rng = np.random.default_rng(index)
        snr_db = float(rng.uniform(-10, 10))
        clean = (0.1 * np.sin(2 * np.pi * 440 * np.arange(N_SAMPLES) / SR)).astype(np.float32)
        noise = rng.standard_normal(N_SAMPLES)
        noise *= np.sqrt(np.mean(clean**2.0)) / (np.sqrt(np.mean(noise**2)) * 10 ** (snr_db / 20))
        noise = noise.astype(np.float32)
        metadata = {"noise_types": ["colored"], "noises": [{"type": "colored"}], "reverb": None, "band_limit": None}
        return Mixture(clean + noise, clean, noise, snr_db, metadata)


class _Mixed:
    def __init__(self, n_items: int) -> None:
        self.n_items = n_items
        self.config = MixConfig(noise_weights={"colored": 1.0, "hum": 1.0, "hiss": 1.0}, reverb_prob=0.3)

    def __len__(self) -> int:
        return self.n_items

    def mixture(self, index: int) -> Mixture:
        t = np.arange(N_SAMPLES) / SR
        level = 10 ** np.random.default_rng(1000 + index).uniform(-2, 0)
        clean = level * (np.sin(2 * np.pi * 220 * t) + 0.5 * np.sin(2 * np.pi * 330 * t))
        return mix_example(clean, NoiseSources(), np.random.default_rng(index), self.config)


def test_planted_loudness_shortcut_is_flagged(tmp_path):
    path = tmp_path / "reports" / "dataset.md"
    report = write_dataset_report(_Planted(80), 80, path)
    assert "rms_dbfs" in report.shortcut_risks
    assert report.correlations["rms_dbfs"] < -0.9
    text = path.read_text()
    assert "**Shortcut risk**" in text and "rms_dbfs" in text
    assert "| colored | 80 (100%)" in text


def test_mixer_level_randomisation_avoids_loudness_shortcut(tmp_path):
    report = write_dataset_report(_Mixed(60), 60, tmp_path / "report.md")
    assert abs(report.correlations["rms_dbfs"]) < 0.3
    assert "rms_dbfs" not in report.shortcut_risks
    assert sum(report.first_noise_counts.values()) == 60
    assert set(report.noise_type_counts) <= {"colored", "hum", "hiss"}
    text = (tmp_path / "report.md").read_text()
    for name in FEATURES:
        assert name in text
    assert "## SNR" in text and "reverb" in text


def test_input_features_are_sensible():
    t = np.arange(SR) / SR
    tone = 0.5 * np.sin(2 * np.pi * 1_000 * t)
    noise = np.random.default_rng(0).standard_normal(SR)
    tone_features, noise_features = input_features(tone, SR), input_features(noise, SR)
    assert tone_features["rms_dbfs"] == pytest.approx(20 * np.log10(0.5 / np.sqrt(2)), abs=0.01)
    assert tone_features["spectral_centroid_hz"] == pytest.approx(1_000, rel=0.05)
    assert tone_features["zero_crossing_rate"] == pytest.approx(2_000 / SR, rel=0.01)
    assert tone_features["spectral_flatness"] < 0.01 < 0.5 < noise_features["spectral_flatness"]
    assert noise_features["spectral_centroid_hz"] == pytest.approx(SR / 4, rel=0.05)
    assert (
        noise_features["low_high_ratio_db"] < 0 < input_features(np.sin(2 * np.pi * 100 * t), SR)["low_high_ratio_db"]
    )


def test_pearson_r():
    x = np.arange(10.0)
    assert pearson_r(x, 2 * x + 1) == pytest.approx(1.0)
    assert pearson_r(x, -x) == pytest.approx(-1.0)
    assert np.isnan(pearson_r(x, np.ones(10)))


def test_needs_examples(tmp_path):
    with pytest.raises(ValueError):
        write_dataset_report(_Planted(2), 10, tmp_path / "r.md")
