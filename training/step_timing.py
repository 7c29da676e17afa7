"""What one training step costs: forward, loss and backward of one batch, for recipes side by side.

Steps of the recipes are interleaved round by round, so a machine that gets busier or quieter
during the measurement moves every recipe alike and the ratio stays meaningful. Inputs are
Gaussian noise of each recipe's batch and segment length: mixing runs in the data-loader's worker
process, beside the step, and is not counted here. Neither are the target features of a recipe
with ``data.target_features``: the worker computes them with each item, so the step is given them
(what they cost the worker, and the bytes each item then carries to the step, are reported apart).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Mapping

import torch
from torch.utils.data import default_collate

from livedenoise.models.unet import CausalUNet
from livedenoise.training.config import TrainConfig
from livedenoise.training.losses import DenoiseLoss
from livedenoise.training.train import Denoiser


def item_bytes(item: Mapping[str, object]) -> int:
    """Bytes of the tensors in one data-loader item (nested dicts too): what crosses the worker queue."""
    return sum(item_bytes(value) if isinstance(value, Mapping) else value.nbytes for value in item.values())


class _Stepper:
    """One recipe's model, optimizer and fixed batch (with its target features if the recipe has them)."""

    def __init__(self, config: TrainConfig, seed: int) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.model = CausalUNet(config.model)
        self.denoiser = Denoiser(self.model)
        self.loss_fn = DenoiseLoss(config.loss, config.model.n_fft, config.model.hop_samples)
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=config.train.learning_rate)
        n_samples = int(round(config.data.segment_s * config.model.sample_rate))
        shape = (config.train.batch_size, n_samples)
        self.noisy = 0.05 * torch.randn(shape, generator=generator)
        self.target = 0.05 * torch.randn(shape, generator=generator)
        # An item as MixtureDataset makes it: noisy and target waveforms and the SNR.
        self.item_bytes = 2 * self.target[0].nbytes + 4
        self.features = None
        self.feature_seconds: list[float] = []
        if config.data.target_features:
            per_item = []
            for target in self.target:
                started = time.perf_counter()
                per_item.append(self.loss_fn.target_features(target))
                self.feature_seconds.append(time.perf_counter() - started)
            self.item_bytes += item_bytes(per_item[0])
            self.features = default_collate(per_item)

    def step(self) -> float:
        started = time.perf_counter()
        estimate, spec, wave = self.denoiser(self.noisy)
        loss, _ = self.loss_fn(estimate, wave, self.target, self.features, spec)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return time.perf_counter() - started


def time_steps(configs: Mapping[str, TrainConfig], n_steps: int, n_threads: int = 1) -> dict[str, dict[str, float]]:
    """Per recipe name: median seconds per step (after one warm-up step), steps per second, audio
    seconds per step, bytes per data-loader item, and (with ``data.target_features``) the median
    seconds the worker spends on one item's target features."""
    if n_steps < 1:
        raise ValueError(f"n_steps must be >= 1, got {n_steps}")
    torch.set_num_threads(n_threads)
    steppers = {name: _Stepper(config, seed=i) for i, (name, config) in enumerate(configs.items())}
    for stepper in steppers.values():
        stepper.step()
    seconds: dict[str, list[float]] = {name: [] for name in steppers}
    for _ in range(n_steps):
        for name, stepper in steppers.items():
            seconds[name].append(stepper.step())
    results = {}
    for name, values in seconds.items():
        stepper = steppers[name]
        results[name] = {
            "seconds_per_step": statistics.median(values),
            "steps_per_second": 1.0 / statistics.median(values),
            "audio_seconds_per_step": configs[name].data.segment_s * configs[name].train.batch_size,
            "bytes_per_item": stepper.item_bytes,
        }
        if stepper.feature_seconds:
            results[name]["target_feature_seconds_per_item"] = statistics.median(stepper.feature_seconds)
    return results
