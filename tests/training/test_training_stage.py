"""The next default's training, kept in the repository between runs (training/stage/): it is
generalize.toml's model, it resumes, and nothing in it or in its lineage heard a reserved package."""

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from livedenoise.models.checkpoint import load_checkpoint_model
from livedenoise.training.config import load_config
from livedenoise.training.packages import RESERVED_PACKAGES

STAGE = Path(__file__).resolve().parents[2] / "training" / "stage"
RECIPE = Path(__file__).resolve().parents[2] / "training" / "configs" / "generalize.toml"


@pytest.fixture(scope="module")
def stage():
    model, checkpoint = load_checkpoint_model(STAGE / "last.pt")
    return model, checkpoint


def test_the_stage_is_the_generalization_recipe_s_model_and_loss(stage):
    model, checkpoint = stage
    assert model.config == load_config(RECIPE).model
    stage_config = load_config(STAGE / "config.toml")
    assert stage_config.model == model.config
    assert stage_config.loss == load_config(RECIPE).loss, "the stage's last run trained another loss"


def test_the_stage_resumes_where_it_stopped(stage):
    _, checkpoint = stage
    progress = checkpoint["progress"]
    assert progress["step"] > 0 and progress["epoch"] == len(progress["history"])
    assert progress["optimizer"]["state"], "no optimizer state: a resume would restart Adam's moments"
    history = (STAGE / "history.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(history) == progress["epoch"]


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
