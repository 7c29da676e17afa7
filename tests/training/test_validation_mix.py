import hashlib
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from livedenoise.training.config import load_config
from livedenoise.training.dataset import MixtureDataset
from livedenoise.training.manifest import SourceFile, write_manifest
from livedenoise.training.mixing import RECORDED_TYPES, MixConfig
from livedenoise.training.validation_mix import validation_mix

SR = 48_000
RECIPE = Path(__file__).resolve().parents[2] / "training" / "configs" / "generalize.toml"


@pytest.fixture
def validation_split(tmp_path):
    """Music, a rain recording and a voice in the validation split."""
    rng = np.random.default_rng(3)
    t = np.arange(2 * SR) / SR
    files = {
        "chord.wav": ("music", "piano", 0.2 * sum(np.sin(2 * np.pi * f * t) for f in (220.0, 275.0, 330.0))),
        "rain.wav": ("noise", "rain", 0.1 * rng.standard_normal(2 * SR)),
        "voice.wav": ("noise", "speech", 0.1 * rng.standard_normal(SR)),
    }
    records = []
    for name, (kind, category, audio) in files.items():
        path = tmp_path / name
        sf.write(path, audio, SR, subtype="FLOAT")
        records.append(
            SourceFile(
                path=name,
                kind=kind,
                category=category,
                origin="test",
                licence="CC0",
                sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
                sample_rate=SR,
                n_channels=1,
                duration_s=audio.size / SR,
                split="validation",
            )
        )
    write_manifest(tmp_path / "manifest.jsonl", records)
    return tmp_path / "manifest.jsonl"


def test_recorded_validation_draws_one_dry_recording_at_the_dev_set_s_snrs(validation_split):
    config = validation_mix("recorded", load_config(RECIPE).mix)
    dataset = MixtureDataset(validation_split, "validation", n_items=24, segment_s=0.5, config=config, seed=7)
    drawn = set()
    for index in range(len(dataset)):
        mixture = dataset.mixture(index)
        (noise_type,) = mixture.metadata["noise_types"]  # one noise, never a second
        drawn.add(noise_type)
        assert -5.0 <= mixture.snr_db <= 10.0
        assert mixture.metadata["reverb"] is None and mixture.metadata["band_limit"] is None
        assert np.any(mixture.noise) and np.any(mixture.clean)
    # the recipe's procedural and synthetic types never appear; its recorded ones with sources do
    assert drawn == {"ambience", "babble"}


def test_recorded_validation_keeps_only_recorded_types_and_turns_augmentation_off():
    mix = load_config(RECIPE).mix
    config = validation_mix("recorded", mix)
    assert set(config.noise_weights) <= set(RECORDED_TYPES)
    assert config.noise_weights == {name: mix.noise_weights[name] for name in config.noise_weights}
    assert config.snr_db_range == (-5.0, 10.0)
    for key in (
        "second_noise_prob",
        "reverb_prob",
        "band_limit_prob",
        "noise_variation_prob",
        "recording_eq_prob",
        "recording_reverb_prob",
        "recording_swell_prob",
    ):
        assert getattr(config, key) == 0.0, key


def test_mixed_validation_is_training_s_mix():
    mix = MixConfig(second_noise_prob=0.4, recording_eq_prob=1.0)
    assert validation_mix("mixed", mix) == mix


def test_unknown_kinds_and_recipes_without_recordings_are_clear_errors():
    with pytest.raises(ValueError, match="validation_noise"):
        validation_mix("procedural", MixConfig())
    with pytest.raises(ValueError, match="recorded noise type"):
        validation_mix("recorded", MixConfig(noise_weights={"procedural": 1.0, "babble": 0.0}))


def test_the_recipe_validates_on_recordings_as_long_as_the_dev_set_s_examples():
    data = load_config(RECIPE).data
    assert data.validation_noise == "recorded"
    assert data.validation_segment_s == 6.0
