"""Recover a trainable ``CausalUNet`` from an exported step graph, so a shipped model (which
ships as ONNX only) can be fine-tuned: ``train.init_from = "models/weights/default.onnx"``.

The export folds each encoder's batch norm into its convolution and repacks the GRU, so the
weights are mapped back: an encoder convolution takes the folded weight and its norm becomes an
identity carrying the folded bias; the GRU gates go from ONNX order (update, reset, new) to
torch order (reset, update, new). The recovered model is checked against the graph it came from
with the export's parity run, so a mapping that is wrong raises instead of training.

A folded norm is exact in eval mode but not in training mode, which normalizes by batch
statistics; ``calibrate_batch_norms`` rescales every norm to a batch's statistics while keeping
the eval-mode function unchanged, so fine-tuning starts where the shipped model is.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn

from livedenoise.models.card import ModelCardError
from livedenoise.models.checkpoint import CheckpointError
from livedenoise.models.config import UNetConfig
from livedenoise.models.unet import CausalUNet
from livedenoise.training.export import ExportError, check_onnx_parity, read_onnx_card

# The step graph's wrapper (``UNetStep``) holds the network under this attribute, so parameters
# the exporter keeps as plain initializers are named after it.
STEP_MODEL_ATTRIBUTE = "model"
# Frames of the recovery parity run: enough for every state to matter, quick to run.
RECOVERY_PARITY_FRAMES = 256


def _node_prefix(module_path: str) -> str:
    """Where the exporter names a module's nodes: ``encoders.1.conv`` -> ``/encoders.1/conv/``."""
    parts: list[str] = []
    for part in module_path.split("."):
        if part.isdigit() and parts:
            parts[-1] += f".{part}"
        else:
            parts.append(part)
    return "/" + "/".join(parts) + "/"


class _Graph:
    """Nodes by the module that made them, and the constant tensors they read (the exporter
    stores equal tensors once under one name, so weights are found through the nodes using them)."""

    def __init__(self, graph: onnx.GraphProto) -> None:
        self.nodes = list(graph.node)
        self.arrays = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
        # Equal tensors are stored once and handed on by Identity nodes.
        for node in self.nodes:
            if node.op_type == "Identity" and node.input[0] in self.arrays:
                self.arrays[node.output[0]] = self.arrays[node.input[0]]

    def _node(self, module_path: str, op_type: str) -> onnx.NodeProto:
        prefix = _node_prefix(module_path)
        nodes = [n for n in self.nodes if n.op_type == op_type and n.name.startswith(prefix)]
        if len(nodes) != 1:
            raise CheckpointError(f"the step graph has {len(nodes)} {op_type} nodes for {module_path}, expected one")
        return nodes[0]

    def weight(self, module_path: str, op_type: str, index: int) -> np.ndarray | None:
        """Input ``index`` of a module's one ``op_type`` node; None where it is absent or computed."""
        inputs = self._node(module_path, op_type).input
        return self.arrays.get(inputs[index]) if index < len(inputs) else None

    def constant(self, module_path: str, op_type: str) -> np.ndarray:
        """The one constant input of a module's one ``op_type`` node (a bias Add has it either side)."""
        found = [self.arrays[name] for name in self._node(module_path, op_type).input if name in self.arrays]
        if len(found) != 1:
            raise CheckpointError(f"the {op_type} node of {module_path} has {len(found)} constant inputs, expected one")
        return found[0]


def _gru_to_torch(packed: np.ndarray, hidden: int) -> np.ndarray:
    """ONNX gate blocks (z, r, h) along axis 0 -> torch blocks (r, z, n)."""
    z, r, h = packed[:hidden], packed[hidden : 2 * hidden], packed[2 * hidden :]
    return np.concatenate([r, z, h])


def _module_weights(
    graph: _Graph, path: str, module: nn.Module, folded_bias: np.ndarray | None
) -> dict[str, np.ndarray | None]:
    if isinstance(module, nn.GRU):
        w, r, b = (graph.weight(path, "GRU", index) for index in (1, 2, 3))
        if w is None or r is None or b is None:
            raise CheckpointError(f"the GRU node of {path} does not hold constant weights and biases")
        hidden = module.hidden_size
        return {
            "weight_ih_l0": _gru_to_torch(w[0], hidden),
            "weight_hh_l0": _gru_to_torch(r[0], hidden),
            "bias_ih_l0": _gru_to_torch(b[0, : 3 * hidden], hidden),
            "bias_hh_l0": _gru_to_torch(b[0, 3 * hidden :], hidden),
        }
    if isinstance(module, nn.Linear):
        bias = graph.constant(path, "Add") if module.bias is not None else None
        return {"weight": graph.constant(path, "MatMul").T, "bias": bias}
    if isinstance(module, nn.BatchNorm2d):
        if folded_bias is not None:  # folded into the convolution before it: an identity norm
            ones = np.ones(module.num_features, np.float32)
            # sqrt(running_var + eps) == 1, so the norm passes its input through
            return {
                "weight": ones,
                "bias": folded_bias,
                "running_mean": 0 * ones,
                "running_var": (1.0 - module.eps) * ones,
            }
        names = ("weight", "bias", "running_mean", "running_var")
        return {name: graph.weight(path, "BatchNormalization", index) for index, name in enumerate(names, start=1)}
    op_type = "ConvTranspose" if isinstance(module, nn.ConvTranspose2d) else "Conv"
    return {"weight": graph.weight(path, op_type, 1), "bias": graph.weight(path, op_type, 2)}


def _recovered_state(graph: onnx.GraphProto, model: CausalUNet) -> dict[str, torch.Tensor]:
    nodes = _Graph(graph)
    # The exporter folds each encoder's norm into its convolution, which then carries a bias.
    folded = {
        f"encoders.{level}.norm": nodes.weight(f"encoders.{level}.conv", "Conv", 2)
        for level in range(len(model.encoders))
    }
    recovered: dict[str, np.ndarray | None] = {}
    for path, module in model.named_modules():
        if next(module.parameters(recurse=False), None) is None:
            continue
        if module is model:  # the network's own parameters (the mask prior's) keep their names
            for name, _ in module.named_parameters(recurse=False):
                recovered[name] = nodes.arrays.get(f"{STEP_MODEL_ATTRIBUTE}.{name}")
            continue
        for name, array in _module_weights(nodes, path, module, folded.get(path)).items():
            recovered[f"{path}.{name}"] = array

    state: dict[str, torch.Tensor] = {}
    for name, tensor in model.state_dict().items():
        if name.endswith("num_batches_tracked"):
            state[name] = tensor
            continue
        array = recovered.get(name)
        if array is None:
            raise CheckpointError(f"the step graph has no weights for {name}")
        if tuple(array.shape) != tuple(tensor.shape):
            raise CheckpointError(
                f"the step graph's {name} has shape {array.shape}, the model needs {tuple(tensor.shape)}"
            )
        state[name] = torch.from_numpy(np.array(array, dtype=np.float32))
    return state


def load_onnx_model(path: str | Path) -> tuple[CausalUNet, dict[str, Any]]:
    """Rebuild the model an exported ``.onnx`` holds (eval mode) and return it with a checkpoint-
    shaped dict whose ``card`` is the model card and whose ``train_config`` is the one the card
    records (``card_extra_from_checkpoint`` put it there), None for older cards. Raises
    ``CheckpointError`` when the file is not a livedenoise step graph or the recovered model does
    not compute what the graph computes."""
    path = Path(path)
    try:
        card = read_onnx_card(path)
    except ModelCardError as exc:
        raise CheckpointError(str(exc)) from exc
    try:
        config = UNetConfig.from_dict(dict(card.config))
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"{path} has an invalid model config in its card: {exc}") from exc
    model = CausalUNet(config)
    model.load_state_dict(_recovered_state(onnx.load(str(path)).graph, model))
    model.eval()
    try:
        check_onnx_parity(model, path, n_frames=RECOVERY_PARITY_FRAMES)
    except ExportError as exc:
        raise CheckpointError(f"weights recovered from {path} do not reproduce it: {exc}") from exc
    return model, {
        "card": card.to_dict(),
        "model_config": config.to_dict(),
        "train_config": card.training.get("train_config"),
    }


@torch.no_grad()
def calibrate_batch_norms(model: nn.Module, run: Callable[[], Any]) -> None:
    """Set every batch norm's running statistics to those its input has while ``run()`` makes an
    eval-mode forward pass, and rescale its affine part so the eval-mode function stays the same.

    Afterwards training mode (batch statistics) starts close to eval mode on batches like the
    one seen, instead of renormalizing layers whose norm was folded away.
    """
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    seen: dict[nn.Module, tuple[torch.Tensor, torch.Tensor]] = {}

    def capture(module: nn.Module, inputs: tuple[torch.Tensor, ...]) -> None:
        x = inputs[0].transpose(0, 1).flatten(1)
        seen[module] = (x.mean(dim=1), x.var(dim=1, unbiased=False))

    hooks = [norm.register_forward_pre_hook(capture) for norm in norms]
    was_training = model.training
    model.eval()
    try:
        run()
    finally:
        for hook in hooks:
            hook.remove()
        model.train(was_training)
    for norm in norms:
        if norm not in seen:
            continue
        mean, var = seen[norm]
        old_scale = norm.weight / torch.sqrt(norm.running_var + norm.eps)
        new_std = torch.sqrt(var + norm.eps)
        # eval output: (x - mean) * weight / new_std + bias == (x - old_mean) * old_scale + old_bias
        norm.bias.copy_(norm.bias + (mean - norm.running_mean) * old_scale)
        norm.weight.copy_(old_scale * new_std)
        norm.running_mean.copy_(mean)
        norm.running_var.copy_(var)
