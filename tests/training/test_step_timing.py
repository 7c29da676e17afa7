"""`train --time-steps`: recipes timed side by side; with target features the step is given them,
and the bytes reported per item are what the data loader really hands over."""

import pytest
import torch

from livedenoise.realtime.cli.main import main
from livedenoise.training.config import to_toml
from livedenoise.training.dataset import MixtureDataset
from livedenoise.training.step_timing import item_bytes, time_steps
from livedenoise.training.target_features import TargetFeatures
from test_train import tiny_config


@pytest.fixture(autouse=True)
def keep_threads():
    """Timing sets torch's thread count for the process; the tests after these keep theirs."""
    n_threads = torch.get_num_threads()
    yield
    torch.set_num_threads(n_threads)


def test_bytes_per_item_are_those_of_a_real_item(tiny_manifest, tmp_path):
    configs = {
        flag: tiny_config(tiny_manifest, tmp_path, 1, extra=[f"data.target_features={flag}"])
        for flag in ("true", "false")
    }
    results = time_steps(configs, n_steps=1)
    config = configs["true"]
    for flag, with_features in (("true", True), ("false", False)):
        features = TargetFeatures(config.loss, config.model.n_fft, config.model.hop_samples) if with_features else None
        dataset = MixtureDataset(
            tiny_manifest,
            "train",
            n_items=1,
            segment_s=config.data.segment_s,
            config=config.mix,
            cache=False,
            target_features=features,
        )
        assert results[flag]["bytes_per_item"] == item_bytes(dataset[0]), flag
        assert results[flag]["seconds_per_step"] > 0
    assert ("target_feature_seconds_per_item" in results["true"]) and (
        "target_feature_seconds_per_item" not in results["false"]
    )


def test_the_command_times_a_recipe_with_its_overrides_beside_another(tiny_manifest, tmp_path, capsys):
    recipe = tmp_path / "recipe.toml"
    recipe.write_text(to_toml(tiny_config(tiny_manifest, tmp_path, 1, extra=["data.target_features=true"])))
    assert (
        main(
            ["train", str(recipe), "--set", "data.target_features=false", "--time-steps", "1", "--against", str(recipe)]
        )
        == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{recipe} --set data.target_features=false: ")
    assert lines[1].startswith(f"{recipe}: ") and "MiB per item" in lines[1]
    assert lines[2].startswith("  its data-loader worker computes each item's target features in ")
    assert lines[3].startswith(f"a step of {recipe} --set data.target_features=false costs ")
