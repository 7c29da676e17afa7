"""The torch back-end of the ModelRuntime protocol: the step form run eagerly, for parity and debugging.

Slower than ONNX Runtime and not allocation-free, so never the default; it lets a checkpoint be
heard before it is exported, and pins the ONNX graph to the torch model in tests.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from livedenoise.models.card_builder import build_card
from livedenoise.models.checkpoint import load_checkpoint_model
from livedenoise.models.streaming import UNetStep
from livedenoise.models.unet import CausalUNet


class TorchState:
    def __init__(self, model: CausalUNet) -> None:
        self.tensors = model.initial_states(1)

    def reset(self) -> None:
        for tensor in self.tensors:
            tensor.zero_()


class TorchRuntime:
    def __init__(self, model: CausalUNet | str | Path, name: str | None = None) -> None:
        if not isinstance(model, CausalUNet):
            path = Path(model)
            model, _ = load_checkpoint_model(path)
            name = name or path.stem
        self.step_model = UNetStep(model.eval())
        self.card = build_card(model, name or "torch")

    def initial_state(self) -> TorchState:
        return TorchState(self.step_model.model)

    @torch.inference_mode()
    def step(self, spec: np.ndarray, state: TorchState) -> np.ndarray:
        mask, *state.tensors = self.step_model(torch.from_numpy(spec)[None], *state.tensors)
        return mask[0].numpy()
