"""Model configs written before an experiment left the code still load; one that used it is refused."""

import json
from pathlib import Path

import pytest
import torch

from livedenoise.models.checkpoint import CheckpointError, load_checkpoint_model, save_checkpoint
from livedenoise.models.config import RETIRED_MODEL_KEYS, UNetConfig
from livedenoise.models.unet import CausalUNet
from test_unet import small_config

SHIPPED_CARD = Path(__file__).resolve().parents[2] / "models" / "weights" / "default.json"
# A model config as the code wrote it before the experiments left: the stage of generalize.toml.
OLD_STAGE_CONFIG = {
    "sample_rate": 48000,
    "n_fft": 1024,
    "hop_samples": 128,
    "layout": "compressed",
    "n_rows": 64,
    "linear_max_hz": 2000.0,
    "compression_exponent": 0.3,
    "floor_power": 1e-10,
    "norm_time_s": 1.0,
    "floor_rise_db_per_s": 6.0,
    "floor_smooth_s": 0.04,
    "phase_lag_hops": 0,
    "channels": [16, 24, 32, 32],
    "freq_kernel": 3,
    "time_kernel": 2,
    "skip": "add",
    "attention_channels": 8,
    "gru_hidden": 128,
    "gru_span": "all_rows",
    "output": "gain",
    "mask_max": 1.05,
    "mask_prior": "wiener",
    "learn_prior_weight": True,
    "gate_prior": False,
    "mask_init": 0.9,
}


def test_a_config_written_before_the_experiments_left_loads_without_them():
    config = UNetConfig.from_dict(OLD_STAGE_CONFIG)
    assert config == UNetConfig(floor_rise_db_per_s=6.0, mask_max=1.05, mask_prior="wiener")
    assert not set(RETIRED_MODEL_KEYS) & set(config.to_dict()), "a retired key is written again"


def test_the_shipped_card_s_config_loads():
    card = json.loads(SHIPPED_CARD.read_text())
    assert UNetConfig.from_dict(card["config"]).gru_hidden == 256


@pytest.mark.parametrize("key", sorted(RETIRED_MODEL_KEYS))
def test_a_retired_key_at_another_value_is_refused_with_where_to_read_about_it(key):
    off = RETIRED_MODEL_KEYS[key]
    used = (not off) if isinstance(off, bool) else ("other" if isinstance(off, str) else off + 1)
    with pytest.raises(ValueError, match=rf"model\.{key} = .* was an experiment, removed; see docs/experiments\.md"):
        UNetConfig.from_dict({**small_config().to_dict(), key: used})


def test_an_unknown_key_is_still_refused():
    with pytest.raises(ValueError, match="unknown UNetConfig keys"):
        UNetConfig.from_dict({**small_config().to_dict(), "depth": 3})


def test_a_checkpoint_naming_retired_keys_loads_only_at_their_off_values(tmp_path):
    torch.manual_seed(0)
    model = CausalUNet(small_config(mask_prior="wiener"))
    data = {"model_config": {**model.config.to_dict(), **RETIRED_MODEL_KEYS}, "model_state": model.state_dict()}
    torch.save(data, tmp_path / "old.pt")
    loaded, _ = load_checkpoint_model(tmp_path / "old.pt")
    assert loaded.config == model.config
    key = sorted(RETIRED_MODEL_KEYS)[0]
    torch.save({**data, "model_config": {**data["model_config"], key: "on"}}, tmp_path / "used.pt")
    with pytest.raises(CheckpointError, match=f'invalid model_config: model.{key} = "on" was an experiment'):
        load_checkpoint_model(tmp_path / "used.pt")
    save_checkpoint(tmp_path / "new.pt", model)
    assert load_checkpoint_model(tmp_path / "new.pt")[0].config == model.config
