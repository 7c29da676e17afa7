"""A tiny end-to-end training run on generated signals: it learns, checkpoints, resumes, exports."""

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from livedenoise.models.checkpoint import load_checkpoint_model
from livedenoise.models.config import UNetConfig
from livedenoise.realtime.runtimes.model_choice import SHIPPED_MODEL
from livedenoise.training.bundle import BundleConfig, pack_bundle
from livedenoise.training.config import load_config, to_toml
from livedenoise.training.export import read_onnx_card
from livedenoise.training.train import Denoiser, train

SAMPLE_RATE = 48000


def tiny_overrides(manifest, out_dir, epochs, extra=()):
    return [
        f'data.manifest="{manifest}"',
        "data.segment_s=0.5",
        "data.n_train_items=8",
        "data.n_validation_items=4",
        "data.cache=false",
        "data.n_workers=0",
        "mix.noise_weights={ambience = 1.0, colored = 1.0}",
        "mix.snr_db_range=[0.0, 5.0]",
        "mix.reverb_prob=0.0",
        "mix.band_limit_prob=0.0",
        "model.channels=[8, 8]",
        "model.n_rows=32",
        "model.gru_hidden=16",
        f"train.epochs={epochs}",
        "train.batch_size=4",
        "train.warmup_steps=2",
        "train.learning_rate=3e-3",
        f'train.out_dir="{out_dir}"',
        "train.validation_skip_s=0.1",
        *extra,
    ]


def tiny_config(manifest, out_dir, epochs, extra=()):
    return load_config(overrides=tiny_overrides(manifest, out_dir, epochs, extra))


def test_one_fixed_batch_is_learned(tiny_manifest, tmp_path):
    """The loss, the STFT mirror and the model together can fit: 40 steps on one batch cut the loss."""
    from livedenoise.models.unet import CausalUNet
    from livedenoise.training.dataset import MixtureDataset
    from livedenoise.training.losses import DenoiseLoss

    config = tiny_config(tiny_manifest, tmp_path / "run", 1)
    torch.manual_seed(0)
    denoiser = Denoiser(CausalUNet(config.model))
    batch = torch.utils.data.default_collate(
        [MixtureDataset(tiny_manifest, "train", n_items=4, segment_s=0.5, config=config.mix)[i] for i in range(4)]
    )
    optimizer = torch.optim.Adam(denoiser.parameters(), lr=3e-3)
    loss_fn = DenoiseLoss(config.loss, config.model.n_fft, config.model.hop_samples)
    losses = []
    for _ in range(40):
        estimate, _, wave = denoiser(batch["noisy"])
        loss, _ = loss_fn(estimate, wave, batch["target"])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    assert losses[-1] < 0.8 * losses[0], losses[::10]


def same_weights(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[name], b[name]) for name in a)


def test_training_writes_checkpoints_history_and_resumes(tiny_manifest, tmp_path):
    out_dir = tmp_path / "run"
    keep = ["train.keep_epochs=true"]
    record = train(tiny_config(tiny_manifest, out_dir, epochs=1, extra=keep))
    assert record["epoch"] == 1
    for name in ("last.pt", "best.pt", "epoch_001.pt", "config.toml", "history.jsonl"):
        assert (out_dir / name).is_file(), name
    assert load_config(out_dir / "config.toml") == tiny_config(tiny_manifest, out_dir, 1, extra=keep)
    first_epoch = load_checkpoint_model(out_dir / "epoch_001.pt")[0].state_dict()
    # resume: a longer run continues from epoch 1 instead of starting over
    record = train(tiny_config(tiny_manifest, out_dir, epochs=2, extra=keep))
    assert record["epoch"] == 2
    lines = [json.loads(line) for line in (out_dir / "history.jsonl").read_text().splitlines()]
    assert [line["epoch"] for line in lines] == [1, 2]
    assert lines[1]["step"] == 2 * lines[0]["step"]
    model, saved = load_checkpoint_model(out_dir / "last.pt")
    # each epoch's weights are kept apart: epoch 2's are the last ones, epoch 1's still as they were
    second_epoch, kept = load_checkpoint_model(out_dir / "epoch_002.pt")
    assert kept["card"]["metrics"]["epoch"] == 2
    assert same_weights(second_epoch.state_dict(), model.state_dict())
    assert same_weights(load_checkpoint_model(out_dir / "epoch_001.pt")[0].state_dict(), first_epoch)
    assert not same_weights(first_epoch, model.state_dict())
    assert saved["card"]["training"]["origins_and_licences"] == {"generated": "CC0"}
    assert np.isfinite(saved["card"]["metrics"]["validation"]["sisdr_improvement_db"])


def test_a_weight_average_is_scored_kept_and_resumed_as_if_never_stopped(tiny_manifest, tmp_path):
    ema = ["train.ema_decay=0.5", "train.keep_epochs=true"]
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    train(tiny_config(tiny_manifest, straight, epochs=2, extra=ema))
    train(tiny_config(tiny_manifest, resumed, epochs=1, extra=ema))
    average, saved = load_checkpoint_model(resumed / "last.pt")
    assert same_weights(average.state_dict(), load_checkpoint_model(resumed / "epoch_001.pt")[0].state_dict())
    assert not same_weights(average.state_dict(), saved["progress"]["training_state"])
    train(tiny_config(tiny_manifest, resumed, epochs=2, extra=ema))
    (one, one_saved), (other, other_saved) = (load_checkpoint_model(run / "last.pt") for run in (straight, resumed))
    assert same_weights(one.state_dict(), other.state_dict())
    assert same_weights(one_saved["progress"]["training_state"], other_saved["progress"]["training_state"])
    assert one_saved["card"]["metrics"]["validation"] == other_saved["card"]["metrics"]["validation"]


def test_the_recipe_builds_the_shipped_model_so_it_can_be_fine_tuned():
    # read as the runtime reads it: keys the card predates take their defaults
    shipped = UNetConfig.from_dict(read_onnx_card(SHIPPED_MODEL).config)
    assert load_config().model == shipped


def test_config_overrides_and_errors(tmp_path):
    config = load_config(overrides=["train.epochs=3", "mix.snr_db_range=[-5, 5]"])
    assert config.train.epochs == 3 and config.mix.snr_db_range == (-5, 5)
    (tmp_path / "c.toml").write_text(to_toml(config))
    assert load_config(tmp_path / "c.toml") == config
    with pytest.raises(ValueError, match="unknown keys"):
        load_config(overrides=["train.epoch=3"])
    with pytest.raises(ValueError, match="section.key=value"):
        load_config(overrides=["epochs=3"])
    with pytest.raises(ValueError, match="not found"):
        load_config(tmp_path / "missing.toml")


def test_init_from_starts_a_grown_model_and_the_card_traces_it(tiny_manifest, tmp_path):
    train(tiny_config(tiny_manifest, tmp_path / "first", epochs=1, extra=["model.floor_rise_db_per_s=0.0"]))
    source = str(tmp_path / "first" / "last.pt")
    grown = tmp_path / "grown"

    def grown_config(epochs):
        return tiny_config(
            tiny_manifest, grown, epochs, extra=[f'train.init_from="{source}"', "model.floor_rise_db_per_s=6.0"]
        )

    train(grown_config(1))
    model, saved = load_checkpoint_model(grown / "last.pt")
    assert model.config.n_input_channels == 3
    lineage = saved["card"]["training"]["schedule"]["initialised_from"]
    assert lineage["checkpoint"] == source and lineage["steps"] == 2
    assert lineage["train_config"]["model"]["floor_rise_db_per_s"] == 0.0
    train(grown_config(2))  # a resumed run still says what it started from
    _, saved = load_checkpoint_model(grown / "last.pt")
    assert saved["card"]["training"]["schedule"]["initialised_from"]["checkpoint"] == source
    assert saved["card"]["training"]["schedule"]["steps"] == 4


def test_init_from_an_exported_model_fine_tunes_it(tiny_manifest, tmp_path):
    """A shipped model is ONNX only: training can start from it, and the card traces it."""
    from livedenoise.training.export import card_extra_from_checkpoint, export_onnx

    train(tiny_config(tiny_manifest, tmp_path / "first", epochs=1))
    model, first = load_checkpoint_model(tmp_path / "first" / "last.pt")
    shipped = tmp_path / "shipped.onnx"
    export_onnx(model, shipped, {**card_extra_from_checkpoint(first), "name": "shipped"})
    tuned = tmp_path / "tuned"
    record = train(tiny_config(tiny_manifest, tuned, epochs=1, extra=[f'train.init_from="{shipped}"']))
    assert np.isfinite(record["val_sisdr_improvement_db"])
    _, saved = load_checkpoint_model(tuned / "last.pt")
    lineage = saved["card"]["training"]["schedule"]["initialised_from"]
    assert lineage["checkpoint"] == str(shipped) and lineage["name"] == "shipped" and lineage["steps"] == 2
    assert lineage["train_config"] == first["train_config"]  # the source stage's recipe, from its card


def test_torchrun_shares_each_epoch_between_two_processes(tiny_manifest, tmp_path):
    """DDP on the CPU (gloo), started the way a multi-GPU run is: each rank takes half the epoch."""
    out_dir = tmp_path / "ddp"
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        "2",
        "-m",
        "livedenoise.realtime.cli.main",
        "train",
    ]
    for override in tiny_overrides(tiny_manifest, out_dir, epochs=1):
        command += ["--set", override]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    (record,) = [json.loads(line) for line in (out_dir / "history.jsonl").read_text().splitlines()]
    assert record["step"] == 1  # 8 items, batches of 4, two ranks: one step each (one process takes 2)
    assert np.isfinite(record["val_sisdr_improvement_db"])
    load_checkpoint_model(out_dir / "last.pt")


def test_a_bundle_of_the_data_trains_as_a_data_root_of_its_own(tiny_manifest, tmp_path):
    """What a machine without the sources trains from: the splits packed as Opus clips."""
    bundle = tmp_path / "bundle"
    records = pack_bundle(tiny_manifest, bundle, BundleConfig(max_bytes=120_000, piece_s=2.0))
    assert {r.split for r in records} == {"train", "validation"}
    out_dir = tmp_path / "from-bundle"
    record = train(tiny_config(bundle / "manifest.jsonl", out_dir, 1))
    assert record["epoch"] == 1 and np.isfinite(record["val_sisdr_improvement_db"])
    load_checkpoint_model(out_dir / "last.pt")


def test_freeze_init_trains_only_what_the_print_adds_and_blind_stays_the_source(tiny_manifest, tmp_path):
    """A blind model grown by the print's path with ``train.freeze_init`` and
    ``model.print_blind_exact``: trained and resumed, every weight and norm statistic the source
    had is as it was, blind it is the source's function, and the print's weights learned."""
    train(tiny_config(tiny_manifest, tmp_path / "first", epochs=1))
    source_path = tmp_path / "first" / "last.pt"
    source, _ = load_checkpoint_model(source_path)
    grown = tmp_path / "grown"
    extra = [
        f'train.init_from="{source_path}"',
        'model.print_conditioning="film"',
        "model.print_prior=true",
        "model.print_blind_exact=true",
        "train.freeze_init=true",
        "mix.print_none_prob=0.0",
    ]
    train(tiny_config(tiny_manifest, grown, epochs=1, extra=extra))
    train(tiny_config(tiny_manifest, grown, epochs=2, extra=extra))  # resumed: still frozen
    model, _ = load_checkpoint_model(grown / "last.pt")
    ours = model.state_dict()
    for name, value in source.state_dict().items():
        mine = ours[name] if ours[name].shape == value.shape else ours[name][:, : value.shape[1]]
        assert torch.equal(mine, value), f"{name} moved"
    spectra = torch.randn(2, 2, model.config.n_freqs, 60)
    noise_print = torch.randn(2, 3, model.config.n_freqs) * 3.0 - 60.0
    with torch.no_grad():
        np.testing.assert_allclose(model(spectra), source(spectra), atol=1e-6)
        given = model(spectra, noise_print, torch.ones(2))
        assert float(model.print_prior_weight.abs()) > 0.0 and float(model.print_film[-1].weight.abs().max()) > 0.0
        assert float((given - source(spectra)).abs().max()) > 1e-3, "the print's path learned nothing"


def test_freeze_init_needs_weights_to_keep(tiny_manifest, tmp_path):
    with pytest.raises(ValueError, match="freeze_init needs train.init_from"):
        train(tiny_config(tiny_manifest, tmp_path / "run", epochs=1, extra=["train.freeze_init=true"]))


def test_freeze_init_needs_a_model_that_takes_a_print():
    from livedenoise.models.unet import CausalUNet
    from livedenoise.training.frozen_init import FrozenInit

    with pytest.raises(ValueError, match="takes no print"):
        FrozenInit(CausalUNet(UNetConfig()))
