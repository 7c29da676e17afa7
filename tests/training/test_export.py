"""ONNX export: the step graph matches the torch sequence form, the card travels, bad files fail clearly."""

from __future__ import annotations

import argparse
import json

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from livedenoise.models.card import CARD_METADATA_KEY, ModelCard, ModelCardError
from livedenoise.models.checkpoint import save_checkpoint
from livedenoise.models.config import UNetConfig
from livedenoise.models.streaming import state_specs
from livedenoise.models.unet import CausalUNet
from livedenoise.training import export_cli
from livedenoise.training.export import (
    CheckpointError,
    ExportError,
    check_onnx_parity,
    export_onnx,
    load_checkpoint_model,
    read_onnx_card,
)

N_FRAMES = 500
TOLERANCE = 1e-4


def small_model(seed: int = 0, **overrides) -> CausalUNet:
    values = dict(n_rows=32, linear_max_hz=1000.0, channels=(4, 6, 8), gru_hidden=16)
    values.update(overrides)
    torch.manual_seed(seed)
    model = CausalUNet(UNetConfig(**values))
    with torch.no_grad():  # move away from the near-constant initial mask so parity means something
        model.head.weight.mul_(30.0)
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.normal_(0.0, 0.2)
                module.running_var.uniform_(0.5, 2.0)
    return model.eval()


def random_spectra(n_frames: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    level_db = np.cumsum(rng.normal(0.0, 3.0, n_frames)).clip(-60.0, 0.0)
    return (rng.standard_normal((1, 2, 513, n_frames)) * 10.0 ** (level_db / 20.0)).astype(np.float32)


def onnx_steps(path, specs, spectra: np.ndarray) -> np.ndarray:
    """Run the exported step graph frame by frame, feeding each hop's states to the next."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    states = {s.input_name: np.zeros(s.shape, np.float32) for s in specs}
    masks = []
    for frame in range(spectra.shape[-1]):
        mask, *outs = session.run(["mask", *(s.output_name for s in specs)], {"spec": spectra[..., frame], **states})
        states = {s.input_name: out for s, out in zip(specs, outs, strict=True)}
        masks.append(mask)
    return np.stack(masks, axis=-1)


@pytest.mark.parametrize(
    "floor_rise, prior",
    [
        (6.0, "none"),
        (6.0, "wiener"),
        (0.0, "none"),
        (3.0, "none"),
    ],
)
def test_onnx_step_matches_torch_sequence(tmp_path, floor_rise, prior):
    model = small_model(floor_rise_db_per_s=floor_rise, mask_prior=prior)
    path = tmp_path / "model.onnx"
    card = export_onnx(model, path, {"metrics": {"si_sdr_db": 1.5}})
    specs = state_specs(model.config)

    graph = onnx.load(str(path))
    assert [i.name for i in graph.graph.input] == ["spec", *(s.input_name for s in specs)]
    assert [o.name for o in graph.graph.output] == ["mask", *(s.output_name for s in specs)]
    assert graph.opset_import[0].version >= 17

    spectra = random_spectra(N_FRAMES)
    with torch.no_grad():
        expected = model(torch.from_numpy(spectra)).numpy()
    stepped = onnx_steps(path, specs, spectra)
    difference = np.abs(stepped - expected).max(axis=(0, 1, 2))
    assert difference.max() <= TOLERANCE, f"first mismatch at frame {int(np.argmax(difference > TOLERANCE))}"
    assert np.abs(expected[:, 0] - expected[:, 0].mean()).max() > 0.05, "mask is constant: parity proves nothing"
    assert card.mask_kind == "gain"


def test_card_in_metadata_equals_json_beside(tmp_path):
    model = small_model()
    path = tmp_path / "denoiser.onnx"
    card = export_onnx(model, path, {"training": {"data": ["demo"], "licences": ["CC0"]}, "metrics": {"lsd_db": 3.0}})
    beside = ModelCard.load(tmp_path / "denoiser.json")
    entries = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    assert ModelCard.from_json(entries[CARD_METADATA_KEY]) == beside == card == read_onnx_card(path)
    assert card.name == "denoiser" and card.training["licences"] == ["CC0"]
    assert UNetConfig.from_dict(card.config) == model.config
    assert card.states == state_specs(model.config)
    assert set(card.versions) == {"torch", "onnx", "livedenoise"}
    assert len(card.features["row_center_hz"]) == model.config.n_rows
    assert sorted(p.name for p in tmp_path.iterdir()) == ["denoiser.json", "denoiser.onnx"]


def test_unknown_card_extra_rejected(tmp_path):
    with pytest.raises(ValueError, match="card_extra"):
        export_onnx(small_model(), tmp_path / "m.onnx", {"licence": "CC0"})
    assert list(tmp_path.iterdir()) == []


def test_parity_failure_raises(tmp_path):
    model = small_model()
    path = tmp_path / "m.onnx"
    export_onnx(model, path)
    with torch.no_grad():  # the torch model drifts from the exported graph
        model.head.bias.add_(1.0)
    with pytest.raises(ExportError, match="differs from the torch sequence form"):
        check_onnx_parity(model, path)


def test_corrupt_onnx_gives_clear_error(tmp_path):
    model = small_model()
    path = tmp_path / "m.onnx"
    export_onnx(model, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(ModelCardError, match="not a readable ONNX model"):
        read_onnx_card(path)
    with pytest.raises(ExportError, match="cannot load"):
        check_onnx_parity(model, path)
    with pytest.raises(ModelCardError, match="does not exist"):
        read_onnx_card(tmp_path / "missing.onnx")


def test_checkpoint_round_trip_and_cli(tmp_path, capsys):
    model = small_model()
    checkpoint = tmp_path / "best.pt"
    recipe = {"loss": {"sisdr_weight": 0.5}, "train": {"epochs": 7}}
    save_checkpoint(
        checkpoint, model, card={"training": {"hours": 0.1}, "metrics": {"si_sdri_db": 2.0}}, train_config=recipe
    )
    loaded, data = load_checkpoint_model(checkpoint)
    spectra = torch.from_numpy(random_spectra(50))
    with torch.no_grad():
        assert torch.equal(loaded(spectra), model(spectra))
    assert data["card"]["metrics"]["si_sdri_db"] == 2.0

    parser = argparse.ArgumentParser()
    export_cli.configure(parser)
    out = tmp_path / "exported.onnx"
    assert export_cli.run(parser.parse_args([str(checkpoint), str(out)])) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["onnx"] == str(out)
    card = read_onnx_card(out)
    assert card.metrics == {"si_sdri_db": 2.0} and card.mask_kind == "gain"
    # The stage's recipe travels with the weights, beside what the checkpoint's card said.
    assert card.training == {"hours": 0.1, "train_config": recipe}
    # An existing output needs --force.
    assert export_cli.run(parser.parse_args([str(checkpoint), str(out)])) == 2
    assert "--force" in capsys.readouterr().err
    # Dev-set figures measured on these weights travel in the card, the baselines' beside them.
    report = tmp_path / "quality.json"
    summary = {"headline": {"si_sdri_db": 7.5}, "transparency": {"si_sdr_db": 21.0}, "examples": [{"id": "x"}]}
    report.write_text(
        json.dumps(
            {
                "devset": {"path": "devset", "n_examples": 1},
                "strength_db": 40.0,
                "models": {"exported.onnx": summary, "dsp": {"headline": {"si_sdri_db": -2.8}}},
            }
        )
    )
    args = parser.parse_args([str(checkpoint), str(out), "--force", "--dev-set-report", str(report)])
    assert export_cli.run(args) == 0
    capsys.readouterr()
    dev_set = read_onnx_card(out).metrics["dev_set"]
    assert dev_set["models"]["exported.onnx"] == {"headline": {"si_sdri_db": 7.5}, "transparency": {"si_sdr_db": 21.0}}
    assert dev_set["models"]["dsp"]["headline"]["si_sdri_db"] == -2.8
    assert read_onnx_card(out).metrics["si_sdri_db"] == 2.0  # the checkpoint's own metrics stay
    # A report of both dev sets and the probe: the headline set as before, the others and the probe beside it.
    report.write_text(
        json.dumps(
            {
                "devset": {"path": "devset-unseen", "n_examples": 1},
                "strength_db": 40.0,
                "models": {"exported.onnx": summary},
                "sets": [
                    {"name": "unseen", "devset": {"path": "devset-unseen"}, "models": {"exported.onnx": summary}},
                    {
                        "name": "in-distribution",
                        "devset": {"path": "devset"},
                        "models": {"exported.onnx": {"headline": {"si_sdri_db": 9.0}, "examples": []}},
                    },
                ],
                "probe": {
                    "exported.onnx": {
                        "model": "exported.onnx",
                        "by_band": {"20-200 Hz": {"stationary_db": 3.0}},
                        "min_stationary_db": 3.0,
                    }
                },
            }
        )
    )
    assert (
        export_cli.run(parser.parse_args([str(checkpoint), str(out), "--force", "--dev-set-report", str(report)])) == 0
    )
    capsys.readouterr()
    metrics = read_onnx_card(out).metrics
    assert metrics["dev_set"]["devset"]["path"] == "devset-unseen"
    assert [s["name"] for s in metrics["other_dev_sets"]] == ["in-distribution"]
    assert metrics["other_dev_sets"][0]["models"]["exported.onnx"] == {"headline": {"si_sdri_db": 9.0}}
    assert metrics["probe"] == {
        "exported.onnx": {"by_band": {"20-200 Hz": {"stationary_db": 3.0}}, "min_stationary_db": 3.0}
    }
    report.write_text("{}")
    args = parser.parse_args([str(checkpoint), str(out), "--force", "--dev-set-report", str(report)])
    assert export_cli.run(args) == 1
    assert "dev-set report" in capsys.readouterr().err


def test_corrupt_or_missing_checkpoint_gives_clear_error(tmp_path, capsys):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint at all")
    with pytest.raises(CheckpointError, match="cannot read checkpoint"):
        load_checkpoint_model(bad)
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint_model(tmp_path / "missing.pt")
    foreign = tmp_path / "foreign.pt"
    torch.save({"state_dict": {}}, foreign)
    with pytest.raises(CheckpointError, match="lacks the keys"):
        load_checkpoint_model(foreign)
    mismatched = tmp_path / "mismatched.pt"
    torch.save({"model_config": UNetConfig().to_dict(), "model_state": small_model().state_dict()}, mismatched)
    with pytest.raises(CheckpointError, match="do not match"):
        load_checkpoint_model(mismatched)

    parser = argparse.ArgumentParser()
    export_cli.configure(parser)
    out = tmp_path / "out.onnx"
    assert export_cli.run(parser.parse_args([str(bad), str(out)])) == 1
    assert "cannot read checkpoint" in capsys.readouterr().err
    assert not out.exists() and not out.with_suffix(".json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.pt", "foreign.pt", "mismatched.pt"]
