"""Checkpoints: starting a related model from another's weights."""

import pytest
import torch

from livedenoise.models.checkpoint import CheckpointError, init_from_model, load_checkpoint_model, save_checkpoint
from livedenoise.models.unet import CausalUNet
from test_unet import random_spectra, small_config, trained_looking


def init_from_checkpoint(model: CausalUNet, path) -> None:
    """As ``train.init_from`` starts a run from a checkpoint."""
    init_from_model(model, load_checkpoint_model(path)[0], path)


def test_new_input_channel_starts_with_no_effect(tmp_path):
    torch.manual_seed(0)
    source = trained_looking(CausalUNet(small_config(floor_rise_db_per_s=0.0)))
    save_checkpoint(tmp_path / "source.pt", source)
    grown = CausalUNet(small_config())  # the same network plus the noise-floor input channel
    init_from_checkpoint(grown, tmp_path / "source.pt")
    grown.eval()
    spectra = random_spectra(100)
    with torch.no_grad():
        torch.testing.assert_close(grown(spectra), source(spectra), atol=1e-5, rtol=0.0)
    first = grown.encoders[0].conv.weight
    assert first.shape[1] == 3 and first[:, 2].abs().max() == 0.0


def test_unrelated_shapes_are_refused(tmp_path):
    save_checkpoint(tmp_path / "source.pt", CausalUNet(small_config(gru_hidden=24)))
    with pytest.raises(CheckpointError, match="gru"):  # a narrower GRU would lose units
        init_from_checkpoint(CausalUNet(small_config()), tmp_path / "source.pt")
    save_checkpoint(tmp_path / "source.pt", CausalUNet(small_config(channels=(4, 6, 6))))
    with pytest.raises(CheckpointError, match="encoders.2"):
        init_from_checkpoint(CausalUNet(small_config()), tmp_path / "source.pt")


def test_wider_gru_starts_as_the_same_function_and_its_new_units_learn(tmp_path):
    torch.manual_seed(0)
    source = trained_looking(CausalUNet(small_config(gru_hidden=8)))
    save_checkpoint(tmp_path / "source.pt", source)
    grown = CausalUNet(small_config(gru_hidden=12))
    init_from_checkpoint(grown, tmp_path / "source.pt")
    grown.eval()
    spectra = random_spectra(100)
    with torch.no_grad():
        torch.testing.assert_close(grown(spectra), source(spectra), atol=1e-5, rtol=0.0)
    # The new units run (they have weights) and, through the read-out, get a gradient at once.
    assert grown.gru.weight_ih_l0[8:12].abs().max() > 0.0
    grown.train()
    grown(spectra).square().mean().backward()
    assert grown.gru_out.weight.grad[:, 8:].abs().max() > 0.0
