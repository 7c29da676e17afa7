"""The training loop: mixtures -> STFT -> causal U-Net mask -> losses; validation every epoch.

Runs on the CPU, one GPU, or several through ``torchrun`` (DDP: each process takes its share of
every epoch; rank 0 validates and writes). ``runs/<name>/last.pt`` is written after every epoch
with the optimizer state, so an interrupted run resumes where it stopped (``train.init_from``
starts a fresh run from another checkpoint's weights instead, or from an exported ``.onnx`` such
as the shipped model); ``best.pt`` keeps the best validation SI-SDR improvement, and
``epoch_NNN.pt`` every epoch when ``train.keep_epochs`` asks for them. All are ordinary
checkpoints that ``livedenoise export`` reads. With ``train.ema_decay`` they hold the weights'
moving average (``WeightAverage``), which is also what validation scores; ``last.pt`` keeps the
trained weights beside it (``progress["training_state"]``) to resume from.
The resolved config is saved beside them as ``config.toml``; ``history.jsonl`` has one line per epoch.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, DistributedSampler
from tqdm import tqdm

from livedenoise.models.checkpoint import init_from_model, load_checkpoint_model, save_checkpoint
from livedenoise.models.stft_torch import TorchStft
from livedenoise.models.unet import CausalUNet
from livedenoise.training.config import TrainConfig, to_toml
from livedenoise.training.dataset import MixtureDataset
from livedenoise.training.frozen_init import FrozenInit
from livedenoise.training.losses import DenoiseLoss, si_sdr
from livedenoise.training.manifest import read_manifest
from livedenoise.training.onnx_weights import calibrate_batch_norms, load_onnx_model
from livedenoise.training.target_features import TargetFeatures
from livedenoise.training.validation_mix import validation_mix
from livedenoise.training.weight_average import WeightAverage


class Denoiser(torch.nn.Module):
    """Waveform in, waveform out: the training view of STFT + U-Net mask + synthesis.

    ``forward(noisy (batch, samples), noise_print=None, print_present=None)`` returns the estimate
    spectrum ``(batch, freqs, frames)``, the noisy spectrum and the waveform ``(batch, frames * hop)``
    delayed by one hop.
    """

    def __init__(self, model: CausalUNet) -> None:
        super().__init__()
        self.model = model
        self.stft = TorchStft(model.config.n_fft, model.config.hop_samples)

    def forward(
        self, noisy: torch.Tensor, noise_print: torch.Tensor | None = None, print_present: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        spec = self.stft.analyze(noisy)
        mask = self.model(torch.stack([spec.real, spec.imag], dim=1), noise_print, print_present)
        estimate = spec * torch.complex(mask[:, 0], mask[:, 1])
        return estimate, spec, self.stft.synthesize(estimate)


def _distributed() -> tuple[int, int]:
    if int(os.environ.get("WORLD_SIZE", "1")) > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    if dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def _device(choice: str, rank: int) -> torch.device:
    if choice == "cuda" or (choice == "auto" and torch.cuda.is_available()):
        if not torch.cuda.is_available():
            raise RuntimeError("train.device is 'cuda' but torch sees no CUDA device")
        torch.cuda.set_device(rank % torch.cuda.device_count())
        return torch.device("cuda", rank % torch.cuda.device_count())
    return torch.device("cpu")


def _learning_rate(step: int, total_steps: int, config: TrainConfig) -> float:
    """Linear warm-up, then cosine decay to the minimum."""
    loop = config.train
    if step < loop.warmup_steps:
        return loop.learning_rate * (step + 1) / loop.warmup_steps
    progress = min(1.0, (step - loop.warmup_steps) / max(1, total_steps - loop.warmup_steps))
    return loop.min_learning_rate + 0.5 * (loop.learning_rate - loop.min_learning_rate) * (
        1 + math.cos(math.pi * progress)
    )


def training_data_card(config: TrainConfig) -> dict[str, Any]:
    """What the model was trained on, for its card: sources, licences, hours per split."""
    manifest = Path(config.data.manifest)
    records = read_manifest(manifest)
    seconds: Counter = Counter()
    licences: dict[str, str] = {}
    for record in records:
        seconds[(record.split, record.kind)] += record.duration_s
        licences[record.origin] = record.licence
    return {
        "manifest": str(manifest),
        "n_files": len(records),
        "minutes": {f"{split}/{kind}": round(s / 60, 1) for (split, kind), s in sorted(seconds.items())},
        "origins_and_licences": dict(sorted(licences.items())),
        "mix": config.to_dict()["mix"],
    }


def _schedule(checkpoint: dict[str, Any]) -> dict[str, Any]:
    """The card's record of how a checkpoint was trained: epochs, steps and what it started from
    (``initialised_from``: that checkpoint's steps, schedule and config, so a card traces every stage)."""
    return (checkpoint.get("card") or {}).get("training", {}).get("schedule") or {}


def _print_condition(batch: dict[str, torch.Tensor], device: torch.device) -> tuple[torch.Tensor | None, ...]:
    """The batch's print and whether each example has one, or nothing for a mix without prints."""
    if "noise_print" not in batch:
        return ()
    return batch["noise_print"].to(device), batch["print_present"].to(device)


def _load_source(path: str) -> tuple[CausalUNet, dict[str, Any]]:
    """The model ``train.init_from`` names (a checkpoint or an exported model) and its card or
    checkpoint dict."""
    if Path(path).suffix == ".onnx":
        return load_onnx_model(path)
    return load_checkpoint_model(path)


@torch.no_grad()
def validate(
    denoiser: Denoiser, batches: list[dict[str, torch.Tensor]], skip_samples: int, device: torch.device
) -> dict[str, float]:
    """Mean SI-SDR of input and output against the clean target, and transparency on clean input."""
    denoiser.eval()
    hop = denoiser.stft.config.hop_samples
    sums: Counter = Counter()
    n = 0
    for batch in batches:
        noisy, target = batch["noisy"].to(device), batch["target"].to(device)
        condition = _print_condition(batch, device)
        _, _, estimate = denoiser(noisy, *condition)
        length = estimate.shape[-1] - hop
        ref = target[:, skip_samples:length]
        out = estimate[:, hop + skip_samples : hop + length]
        sums["sisdr_in_db"] += float(si_sdr(noisy[:, skip_samples:length], ref).sum())
        sums["sisdr_out_db"] += float(si_sdr(out, ref).sum())
        _, _, passed = denoiser(target, *condition)
        sums["transparency_db"] += float(si_sdr(passed[:, hop + skip_samples : hop + length], ref).sum())
        n += noisy.shape[0]
    metrics = {k: v / n for k, v in sums.items()}
    metrics["sisdr_improvement_db"] = metrics["sisdr_out_db"] - metrics["sisdr_in_db"]
    denoiser.train()
    return metrics


def train(config: TrainConfig, max_steps: int | None = None) -> dict[str, Any]:
    """Train (or resume) into ``config.train.out_dir``; returns the last epoch's record."""
    rank, world = _distributed()
    loop = config.train
    device = _device(loop.device, rank)
    if loop.n_threads:
        torch.set_num_threads(loop.n_threads)
    torch.manual_seed(loop.seed)
    out_dir = Path(loop.out_dir)
    if rank == 0:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "config.toml").write_text(to_toml(config), encoding="utf-8")

    model = CausalUNet(config.model)
    start_epoch, best, history, step = 0, -math.inf, [], 0
    optimizer_state, lineage, needs_calibration, training_state = None, None, False, None
    last = out_dir / "last.pt"
    if last.is_file():
        model, saved = load_checkpoint_model(last)
        lineage = _schedule(saved).get("initialised_from")
        progress = saved.get("progress", {})
        start_epoch, best, step = progress.get("epoch", 0), progress.get("best", -math.inf), progress.get("step", 0)
        history, optimizer_state = progress.get("history", []), progress.get("optimizer")
        training_state = progress.get("training_state")
    elif loop.init_from:
        source_model, source = _load_source(loop.init_from)
        init_from_model(model, source_model, loop.init_from)
        # An exported model's encoder norms were folded away: fit them to a real batch before
        # training mode.
        needs_calibration = Path(loop.init_from).suffix == ".onnx"
        lineage = {
            "checkpoint": loop.init_from,
            "name": (source.get("card") or {}).get("name"),
            "steps": source.get("progress", {}).get("step", _schedule(source).get("steps")),
            "schedule": _schedule(source) or None,
            "train_config": source.get("train_config"),
        }
    frozen = None
    if loop.freeze_init:
        if not loop.init_from:
            raise ValueError("train.freeze_init needs train.init_from (the weights to keep)")
        frozen = FrozenInit(model)
    model.train()
    denoiser = Denoiser(model).to(device)
    trained = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trained, lr=loop.learning_rate, weight_decay=loop.weight_decay)
    if optimizer_state is not None:
        optimizer.load_state_dict(optimizer_state)
    loss_fn = DenoiseLoss(config.loss, config.model.n_fft, config.model.hop_samples).to(device)

    data = config.data
    # The worker computes what the loss needs from each target, on the CPU beside the step;
    # validation needs none of it.
    target_features = None
    if data.target_features:
        target_features = TargetFeatures(config.loss, config.model.n_fft, config.model.hop_samples)
    train_set = MixtureDataset(
        data.manifest,
        "train",
        n_items=data.n_train_items,
        segment_s=data.segment_s,
        config=config.mix,
        seed=loop.seed,
        cache=data.cache,
        target_features=target_features,
        print_stft=(config.model.n_fft, config.model.hop_samples),
    )
    val_set = MixtureDataset(
        data.manifest,
        "validation",
        n_items=data.n_validation_items,
        segment_s=data.validation_segment_s or data.segment_s,
        config=validation_mix(data.validation_noise, config.mix),
        seed=loop.seed + 1,
        cache=data.cache,
        print_stft=(config.model.n_fft, config.model.hop_samples),
    )
    sampler = DistributedSampler(train_set, world, rank, shuffle=False) if world > 1 else None
    loader = DataLoader(
        train_set,
        batch_size=loop.batch_size,
        sampler=sampler,
        num_workers=data.n_workers,
        persistent_workers=False,
        drop_last=True,
    )
    val_batches = list(DataLoader(val_set, batch_size=loop.batch_size)) if rank == 0 else []
    skip = int(loop.validation_skip_s * config.model.sample_rate)
    total_steps = loop.epochs * len(loader)
    card_training = training_data_card(config) if rank == 0 else {}

    if needs_calibration:
        first = next(iter(loader))
        calibrate_batch_norms(model, lambda: denoiser(first["noisy"].to(device)))
    # The average starts from the weights loaded (an average itself where the run kept one).
    average = WeightAverage(model, loop.ema_decay) if loop.ema_decay else None
    if training_state is not None:
        model.load_state_dict(training_state)
    scored = average.model if average else model
    scoring = Denoiser(scored).to(device) if average else denoiser
    # Wrapped after calibration: DDP starts every rank from rank 0's weights.
    wrapped = torch.nn.parallel.DistributedDataParallel(denoiser) if world > 1 else denoiser
    record: dict[str, Any] = history[-1] if history else {}
    for epoch in range(start_epoch, loop.epochs):
        train_set.set_epoch(epoch)
        if frozen is not None:
            frozen.hold_norms()
        if sampler is not None:
            sampler.set_epoch(epoch)
        started = time.time()
        losses: Counter = Counter()
        n_batches = 0
        bar = tqdm(loader, desc=f"epoch {epoch + 1}/{loop.epochs}", disable=rank != 0, leave=False)
        for batch in bar:
            noisy, target = batch["noisy"].to(device), batch["target"].to(device)
            for group in optimizer.param_groups:
                group["lr"] = _learning_rate(step, total_steps, config)
            features = batch.get("target_features")
            if features is not None:
                features = {name: value.to(device) for name, value in features.items()}
            estimate, spec, wave = wrapped(noisy, *_print_condition(batch, device))
            loss, parts = loss_fn(estimate, wave, target, features, spec)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trained, loop.grad_clip)
            optimizer.step()
            if frozen is not None:
                frozen.restore()
            if average is not None:
                average.update(model)
            step += 1
            n_batches += 1
            losses.update(parts)
            bar.set_postfix(loss=f"{float(loss.detach()):.3f}")
            if max_steps is not None and n_batches >= max_steps:
                break
        if rank == 0:
            metrics = validate(scoring, val_batches, skip, device)
            record = {
                "epoch": epoch + 1,
                "step": step,
                "seconds": round(time.time() - started, 1),
                "learning_rate": optimizer.param_groups[0]["lr"],
                **{f"loss_{k}": v / max(1, n_batches) for k, v in losses.items()},
                **{f"val_{k}": v for k, v in metrics.items()},
            }
            history.append(record)
            with (out_dir / "history.jsonl").open("a", encoding="utf-8") as log:
                log.write(json.dumps(record) + "\n")
            print(
                f"epoch {epoch + 1}: loss {sum(losses.values()) / max(1, n_batches):.3f}, validation SI-SDR "
                f"{metrics['sisdr_in_db']:.2f} -> {metrics['sisdr_out_db']:.2f} dB "
                f"({metrics['sisdr_improvement_db']:+.2f}), transparency {metrics['transparency_db']:.1f} dB",
                flush=True,
            )
            schedule = {"epochs": epoch + 1, "steps": step, "initialised_from": lineage}
            card = {
                "training": {**card_training, "schedule": schedule},
                "metrics": {"validation": metrics, "epoch": epoch + 1},
            }
            if metrics["sisdr_improvement_db"] > best:
                best = metrics["sisdr_improvement_db"]
                save_checkpoint(out_dir / "best.pt", scored, card=card, train_config=config.to_dict())
            if loop.keep_epochs:
                save_checkpoint(out_dir / f"epoch_{epoch + 1:03d}.pt", scored, card=card, train_config=config.to_dict())
            progress = {
                "epoch": epoch + 1,
                "best": best,
                "step": step,
                "history": history,
                "optimizer": optimizer.state_dict(),
            }
            if average is not None:
                progress["training_state"] = model.state_dict()
            save_checkpoint(last, scored, card=card, train_config=config.to_dict(), extra={"progress": progress})
        if world > 1:
            dist.barrier()
    if dist.is_initialized():
        dist.destroy_process_group()
    return record
