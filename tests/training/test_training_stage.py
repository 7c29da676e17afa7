"""The next default's training, kept in the repository between runs (training/stage/): it is
print.toml's model (the print-conditioned one, grown from the generalization recipe's end), it
holds weights only (no optimizer state goes into git), a run starts from it or resumes from it with
its blind network kept, and nothing in it or in its lineage heard a reserved package."""

import json
import shutil
from pathlib import Path

import pytest
import torch

from livedenoise.models.checkpoint import load_checkpoint_model
from livedenoise.training.config import load_config
from livedenoise.training.frozen_init import blind_network_state
from livedenoise.training.packages import RESERVED_PACKAGES
from livedenoise.training.train import train

STAGE = Path(__file__).resolve().parents[2] / "training" / "stage"
RECIPE = Path(__file__).resolve().parents[2] / "training" / "configs" / "print.toml"
# What `train.keep_epochs` writes for each epoch: the weights, their card and the resolved config.
WEIGHTS_ONLY_KEYS = {"model_config", "model_state", "card", "train_config"}


@pytest.fixture(scope="module")
def stage():
    model, checkpoint = load_checkpoint_model(STAGE / "last.pt")
    return model, checkpoint


def test_the_stage_is_the_print_recipe_s_model_and_loss(stage):
    model, checkpoint = stage
    assert model.config == load_config(RECIPE).model
    stage_config = load_config(STAGE / "config.toml")
    assert stage_config.model == model.config
    assert stage_config.loss == load_config(RECIPE).loss, "the stage's last run trained another loss"


def test_the_stage_holds_weights_only(stage):
    _, checkpoint = stage
    assert set(checkpoint) == WEIGHTS_ONLY_KEYS, (
        f"training/stage/last.pt holds {sorted(set(checkpoint) - WEIGHTS_ONLY_KEYS)}: commit an epoch_NNN.pt, "
        "never a resumable last.pt (optimizer state stays out of git)"
    )


def test_the_stage_s_history_is_the_run_that_made_it(stage):
    _, checkpoint = stage
    history = [json.loads(line) for line in (STAGE / "history.jsonl").read_text(encoding="utf-8").splitlines()]
    metrics = checkpoint["card"]["metrics"]
    assert history[-1]["epoch"] == metrics["epoch"] == len(history)
    assert history[-1]["val_sisdr_improvement_db"] == metrics["validation"]["sisdr_improvement_db"]


def stage_run_overrides(manifest: Path, out_dir: Path, extra=()) -> list[str]:
    """The stage's own config, on the tiny manifest, for one short epoch."""
    return [
        f'data.manifest="{manifest}"',
        "data.segment_s=0.5",
        "data.n_train_items=4",
        "data.n_validation_items=2",
        "data.cache=false",
        "data.n_workers=0",
        "data.validation_segment_s=0.5",
        "mix.noise_weights={ambience = 1.0, colored = 1.0}",
        "train.batch_size=4",
        "train.epochs=1",
        f'train.out_dir="{out_dir}"',
        "train.validation_skip_s=0.1",
        *extra,
    ]


def test_a_run_starts_from_the_weights_only_stage_and_resumes_from_it(tiny_manifest, tmp_path, stage):
    stage_model, _ = stage
    started = tmp_path / "started"
    config = load_config(
        STAGE / "config.toml",
        stage_run_overrides(
            tiny_manifest,
            started,
            [f'train.init_from="{STAGE / "last.pt"}"', "train.learning_rate=0.0", "train.min_learning_rate=0.0"],
        ),
    )
    record = train(config)
    assert record["step"] == 1
    model, checkpoint = load_checkpoint_model(started / "last.pt")
    assert checkpoint["card"]["training"]["schedule"]["initialised_from"]["checkpoint"] == str(STAGE / "last.pt")
    # at a learning rate of zero the run's weights are the stage's
    theirs = stage_model.state_dict()
    assert all(
        torch.equal(value, theirs[name])
        for name, value in model.state_dict().items()
        if not name.endswith("num_batches_tracked") and "norm.running" not in name
    )

    # A copy of the stage as a run's last.pt resumes: Adam starts afresh, the weights carry on.
    resumed = tmp_path / "resumed"
    resumed.mkdir()
    shutil.copy(STAGE / "last.pt", resumed / "last.pt")
    record = train(load_config(STAGE / "config.toml", stage_run_overrides(tiny_manifest, resumed)))
    assert record["epoch"] == 1 and record["step"] == 1
    # the recipe trains only the print's path: the stage's blind network is as it was
    model, _ = load_checkpoint_model(resumed / "last.pt")
    ours, stage_weights = model.state_dict(), stage_model.state_dict()
    for name, blind in blind_network_state(model).items():
        part = (slice(None), slice(0, blind.shape[1])) if ours[name].shape != blind.shape else ...
        assert torch.equal(ours[name][part], stage_weights[name][part]), f"{name} moved"
    trained = torch.load(resumed / "last.pt", weights_only=True)["progress"]["training_state"]
    assert not torch.equal(trained["print_film.2.weight"], stage_model.state_dict()["print_film.2.weight"])


def test_nothing_in_the_stage_or_its_lineage_heard_a_reserved_package(stage):
    _, checkpoint = stage
    training = checkpoint["card"]["training"]
    origins = set(training["origins_and_licences"])
    assert origins
    assert not any(reserved in origin for origin in origins for reserved in RESERVED_PACKAGES)
    # Started from scratch or from stages that themselves never heard one: the shipped v7 did.
    lineage = training["schedule"]["initialised_from"]
    while lineage:
        assert not str(lineage["checkpoint"]).endswith(".onnx"), lineage["checkpoint"]
        lineage = (lineage.get("schedule") or {}).get("initialised_from")
