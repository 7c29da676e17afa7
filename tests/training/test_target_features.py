"""The loss's target side computed in the data loader's worker gives the loss computed in the step."""

import json

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from livedenoise.models.unet import CausalUNet
from livedenoise.training.dataset import MixtureDataset
from livedenoise.training.losses import DenoiseLoss, LossConfig
from livedenoise.training.target_features import TargetFeatures
from livedenoise.training.train import Denoiser, train
from test_train import tiny_config

# every loss on, two resolutions: each feature the loss reads is exercised
LOSS = LossConfig(compressed_weight=1.0, mrstft_weight=0.5, sisdr_weight=0.3, mrstft_sizes=(256, 512))


def _datasets(manifest, config):
    features = TargetFeatures(LOSS, config.model.n_fft, config.model.hop_samples)
    common = dict(n_items=4, segment_s=0.5, config=config.mix, seed=3, cache=False)
    return MixtureDataset(manifest, "train", **common), MixtureDataset(
        manifest, "train", target_features=features, **common
    )


def _loss_and_gradients(denoiser, loss_fn, batch, features):
    denoiser.zero_grad(set_to_none=True)
    estimate, _, wave = denoiser(batch["noisy"])
    loss, parts = loss_fn(estimate, wave, batch["target"], features)
    loss.backward()
    return loss.detach(), parts, {name: p.grad.clone() for name, p in denoiser.named_parameters() if p.grad is not None}


def test_features_from_the_loader_worker_give_the_same_loss_and_gradients(tiny_manifest, tmp_path):
    config = tiny_config(tiny_manifest, tmp_path / "run", 1)
    plain, featured = _datasets(tiny_manifest, config)
    (batch,) = DataLoader(featured, batch_size=4, num_workers=1)  # through a real worker and collation
    (plain_batch,) = DataLoader(plain, batch_size=4)
    assert torch.equal(batch["target"], plain_batch["target"]) and torch.equal(batch["noisy"], plain_batch["noisy"])
    features = batch["target_features"]
    n_frames = int(0.5 * 48000) // config.model.hop_samples
    assert features["compressed_complex"].shape == (4, config.model.n_fft // 2 + 1, n_frames)
    assert features["mrstft_512_norm"].shape == (4,)

    torch.manual_seed(0)
    denoiser = Denoiser(CausalUNet(config.model))
    loss_fn = DenoiseLoss(LOSS, config.model.n_fft, config.model.hop_samples)
    loss, parts, grads = _loss_and_gradients(denoiser, loss_fn, batch, None)
    cached_loss, cached_parts, cached_grads = _loss_and_gradients(denoiser, loss_fn, batch, features)
    assert set(parts) == {"compressed", "mrstft", "neg_sisdr"}
    torch.testing.assert_close(cached_loss, loss, rtol=1e-6, atol=1e-7)
    assert cached_parts == pytest.approx(parts, rel=1e-6)
    assert grads.keys() == cached_grads.keys() and len(grads) > 0
    for name in grads:
        torch.testing.assert_close(cached_grads[name], grads[name], rtol=1e-5, atol=1e-8, msg=name)

    # The features are what the loss reads: another clip's features give another loss.
    other = {name: value.roll(1, dims=0) for name, value in features.items()}
    wrong_loss, _, _ = _loss_and_gradients(denoiser, loss_fn, batch, other)
    assert abs(float(wrong_loss - loss)) > 1e-3 * abs(float(loss))


def test_only_the_weighed_losses_have_features():
    features = TargetFeatures(LossConfig(mrstft_weight=0.0), n_fft=256, hop_samples=64)(torch.randn(2, 4096))
    assert set(features) == {"compressed_magnitude", "compressed_complex"}
    features = TargetFeatures(LossConfig(compressed_weight=0.0, mrstft_sizes=(512,)), n_fft=256, hop_samples=64)(
        torch.randn(4096)
    )
    assert set(features) == {"mrstft_512_magnitude", "mrstft_512_log_magnitude", "mrstft_512_norm"}
    assert features["mrstft_512_norm"].shape == ()


def test_a_tiny_run_with_features_in_the_loader_trains_as_one_without(tiny_manifest, tmp_path):
    """Same seed, same data: the flag moves the target side into the worker and changes nothing else."""
    runs = {}
    for flag, n_workers in (("false", 0), ("true", 1)):
        out_dir = tmp_path / flag
        record = train(
            tiny_config(
                tiny_manifest, out_dir, 1, extra=[f"data.target_features={flag}", f"data.n_workers={n_workers}"]
            )
        )
        assert record["step"] == 2 and np.isfinite(record["val_sisdr_improvement_db"])
        runs[flag] = json.loads((out_dir / "history.jsonl").read_text())
    losses = {
        flag: {k: v for k, v in record.items() if k.startswith(("loss_", "val_"))} for flag, record in runs.items()
    }
    assert losses["true"] == pytest.approx(losses["false"], rel=1e-5, abs=1e-6)
