"""Training checkpoints: a ``torch.save`` dict that rebuilds its ``CausalUNet`` on its own.

Keys: ``model_config`` (``UNetConfig.to_dict()``), ``model_state`` (state dict), and optionally
``card`` (merged into the model card at export: ``training``, ``metrics``, ``name``) and
``train_config`` (the resolved training config); callers may add further keys (``extra``), e.g.
optimizer state and progress for resuming.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import torch

from livedenoise.models.config import UNetConfig
from livedenoise.models.errors import LivedenoiseError
from livedenoise.models.unet import CausalUNet

REQUIRED_KEYS = ("model_config", "model_state")
# Weights a grown model may lack: at their initialization they leave the function unchanged (the print's
# weights act only where a print is given, or start at zero).
_INERT_AT_INIT = ("print_film.", "no_print_rows", "no_print_shape", "print_prior_log_bias", "print_prior_weight")


class CheckpointError(LivedenoiseError, ValueError):
    """A checkpoint is missing, unreadable or does not describe a CausalUNet."""


def save_checkpoint(
    path: str | Path,
    model: CausalUNet,
    card: dict[str, Any] | None = None,
    train_config: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    """Write atomically (temp file, then rename), so a crash never leaves half a checkpoint.

    ``extra`` holds further entries (a trainer's progress: epoch, optimizer state) kept alongside.
    """
    path = Path(path)
    data: dict[str, Any] = {"model_config": model.config.to_dict(), "model_state": model.state_dict()}
    if card is not None:
        data["card"] = card
    if train_config is not None:
        data["train_config"] = train_config
    if extra:
        data.update(extra)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            torch.save(data, handle)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_checkpoint_model(path: str | Path) -> tuple[CausalUNet, dict[str, Any]]:
    """Rebuild the model (in eval mode) and return it with the whole checkpoint dict."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist or is not a file")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for truncated or foreign files
        raise CheckpointError(f"cannot read checkpoint {path}: not a livedenoise torch checkpoint ({exc})") from exc
    if not isinstance(data, dict) or any(key not in data for key in REQUIRED_KEYS):
        raise CheckpointError(
            f"checkpoint {path} lacks the keys {list(REQUIRED_KEYS)}; was it written by livedenoise train?"
        )
    try:
        config = UNetConfig.from_dict(dict(data["model_config"]))
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"checkpoint {path} has an invalid model_config: {exc}") from exc
    model = CausalUNet(config)
    try:
        model.load_state_dict(data["model_state"])
    except (RuntimeError, TypeError, AttributeError) as exc:
        raise CheckpointError(f"checkpoint {path} weights do not match its model_config: {exc}") from exc
    return model.eval(), data


def init_from_model(model: CausalUNet, source: CausalUNet, label: str | Path) -> None:
    """Copy the weights of a related model into ``model`` (fine-tuning, a new input channel, a
    wider recurrent bottleneck), so that ``model`` starts as the same function as ``source``.

    Tensors of the same shape are copied. The print's weights the source lacks keep their
    initialization (``_INERT_AT_INIT``), which leaves the function unchanged. A tensor that differs only by having
    more entries on axis 1 (a convolution with more input channels, the GRU read-out of more hidden
    units) takes the source's and keeps zeros for the rest, so the new inputs start with no effect.
    A GRU with more hidden units (``_grow_gru``) keeps the source's units as they were and adds
    units that nothing reads yet. Any other mismatch is an error naming ``label`` (where the source
    came from).
    """
    theirs = source.state_dict()
    ours = model.state_dict()
    missing = sorted(name for name in set(ours) - set(theirs) if not name.startswith(_INERT_AT_INIT))
    if missing:
        raise CheckpointError(f"{label} has no weights for {missing}")
    n_old, n_new = source.config.gru_hidden, model.config.gru_hidden
    with torch.no_grad():
        for name, tensor in ours.items():
            if name not in theirs:
                continue
            old = theirs[name]
            if old.shape == tensor.shape:
                tensor.copy_(old)
            elif name.startswith("gru.") and n_old < n_new and old.shape == _narrower_gru_shape(name, tensor, n_old):
                _grow_gru(name, tensor, old, n_old, n_new)
            elif (
                old.dim() == tensor.dim() > 1
                and old.shape[1] < tensor.shape[1]
                and all(a == b for axis, (a, b) in enumerate(zip(old.shape, tensor.shape, strict=True)) if axis != 1)
            ):
                tensor.zero_()
                tensor[:, : old.shape[1]].copy_(old)
            else:
                raise CheckpointError(
                    f"{label}: {name} has shape {tuple(old.shape)}, the model needs {tuple(tensor.shape)}"
                )


def _narrower_gru_shape(name: str, tensor: torch.Tensor, n_old: int) -> tuple[int, ...]:
    """The shape GRU tensor ``name`` (``tensor`` in this model) has in a GRU of ``n_old`` units."""
    return (3 * n_old, n_old) if "weight_hh" in name else (3 * n_old, *tensor.shape[1:])


def _grow_gru(name: str, tensor: torch.Tensor, old: torch.Tensor, n_old: int, n_new: int) -> None:
    """Fill one GRU weight or bias of a wider GRU from a narrower one, in place.

    Torch stacks the three gates (reset, update, new) on axis 0, one row per unit each. Each
    gate's first ``n_old`` rows take the old rows; of the recurrent weight those rows read the new
    units through zeros, so the old units compute what they did. The new units keep ``tensor``'s
    fresh initialization: they run, but start unread (the read-out's new columns are zero), and a
    unit left at zero weights would stay at zero and never learn.
    """
    for gate in range(3):
        rows = tensor[gate * n_new : gate * n_new + n_old]
        source_rows = old[gate * n_old : (gate + 1) * n_old]
        if "weight_hh" in name:  # the recurrent weight's columns are units too
            rows.zero_()
            rows[:, :n_old].copy_(source_rows)
        else:
            rows.copy_(source_rows)
