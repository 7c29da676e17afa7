"""Weights recovered from an exported step graph: the same model, trainable again."""

from __future__ import annotations

import copy
import json

import onnx
import pytest
import torch

from livedenoise.models.card import CARD_METADATA_KEY
from livedenoise.models.checkpoint import CheckpointError
from livedenoise.training.export import export_onnx
from livedenoise.training.onnx_weights import calibrate_batch_norms, load_onnx_model
from test_export import random_spectra, small_model


@pytest.mark.parametrize(
    "floor_rise, prior",
    [
        (6.0, "none"),
        (6.0, "wiener"),
        (0.0, "none"),
    ],
)
def test_recovered_model_computes_what_the_exported_one_did(tmp_path, floor_rise, prior):
    model = small_model(floor_rise_db_per_s=floor_rise, mask_prior=prior)
    path = tmp_path / "m.onnx"
    export_onnx(model, path, {"metrics": {"si_sdr_db": 1.0}})
    recovered, source = load_onnx_model(path)
    spectra = torch.from_numpy(random_spectra(300))
    with torch.no_grad():
        torch.testing.assert_close(recovered(spectra), model(spectra), atol=1e-4, rtol=1e-4)
    assert source["card"]["metrics"] == {"si_sdr_db": 1.0}
    assert recovered.config == model.config


def test_calibration_keeps_eval_output_and_brings_training_mode_to_it(tmp_path):
    path = tmp_path / "m.onnx"
    export_onnx(small_model(), path)
    model, _ = load_onnx_model(path)
    spectra = torch.from_numpy(random_spectra(400))
    with torch.no_grad():
        before = model.eval()(spectra)
        # a training-mode pass also moves the running statistics, so it runs on a copy
        train_mode_before = copy.deepcopy(model).train()(spectra)
        model.train()
        calibrate_batch_norms(model, lambda: model(spectra))
        assert model.training  # the mode it was in is kept
        train_mode_after = copy.deepcopy(model)(spectra)
        torch.testing.assert_close(model.eval()(spectra), before, atol=1e-4, rtol=1e-4)
    gap_before = float((train_mode_before - before).abs().mean())
    gap_after = float((train_mode_after - before).abs().mean())
    assert gap_after < 0.1 * gap_before, (gap_before, gap_after)


def test_files_that_are_not_step_graphs_are_refused(tmp_path):
    missing = tmp_path / "missing.onnx"
    with pytest.raises(CheckpointError, match="does not exist"):
        load_onnx_model(missing)
    path = tmp_path / "m.onnx"
    export_onnx(small_model(), path)
    graph = onnx.load(str(path))
    del graph.metadata_props[:]
    onnx.save(graph, str(tmp_path / "bare.onnx"))
    with pytest.raises(CheckpointError, match="metadata"):
        load_onnx_model(tmp_path / "bare.onnx")
    # a card that does not describe its graph gives a model that does not reproduce it
    graph = onnx.load(str(path))
    entry = next(e for e in graph.metadata_props if e.key == CARD_METADATA_KEY)
    card = json.loads(entry.value)
    card["config"]["compression_exponent"] = 0.5
    entry.value = json.dumps(card)
    onnx.save(graph, str(tmp_path / "other_card.onnx"))
    with pytest.raises(CheckpointError, match="do not reproduce"):
        load_onnx_model(tmp_path / "other_card.onnx")
