"""What one training step costs: forward, loss and backward of one batch, for recipes side by side.

Steps of the recipes are interleaved round by round, so a machine that gets busier or quieter
during the measurement moves every recipe alike and the ratio stays meaningful. Inputs are
Gaussian noise of each recipe's batch and segment length: mixing runs in the data-loader's worker
process, beside the step, and is not counted here.
"""

from __future__ import annotations

import statistics
import time
from typing import Mapping

import torch

from livedenoise.models.unet import CausalUNet

from .config import TrainConfig
from .losses import DenoiseLoss
from .train import Denoiser


class _Stepper:
    """One recipe's model, optimizer and fixed batch."""

    def __init__(self, config: TrainConfig, seed: int) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.model = CausalUNet(config.model)
        self.denoiser = Denoiser(self.model)
        self.loss_fn = DenoiseLoss(config.loss)
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=config.train.learning_rate)
        n_samples = int(round(config.data.segment_s * config.model.sample_rate))
        shape = (config.train.batch_size, n_samples)
        self.noisy = 0.05 * torch.randn(shape, generator=generator)
        self.target = 0.05 * torch.randn(shape, generator=generator)
        self.hop = config.model.hop_samples

    def step(self) -> float:
        started = time.perf_counter()
        estimate, _, wave = self.denoiser(self.noisy)
        target_spec = self.denoiser.stft.analyze(self.target)
        n_out = wave.shape[-1] - self.hop
        loss, _ = self.loss_fn(estimate, target_spec, wave[:, self.hop :], self.target[:, :n_out])
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return time.perf_counter() - started


def time_steps(configs: Mapping[str, TrainConfig], n_steps: int, n_threads: int = 1) -> dict[str, dict[str, float]]:
    """Median seconds per step (after one warm-up step) and steps per second, per recipe name."""
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
    return {
        name: {
            "seconds_per_step": statistics.median(values),
            "steps_per_second": 1.0 / statistics.median(values),
            "audio_seconds_per_step": configs[name].data.segment_s * configs[name].train.batch_size,
        }
        for name, values in seconds.items()
    }
