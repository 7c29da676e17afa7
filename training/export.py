"""Export the step form of a CausalUNet to ONNX, with its model card, and prove it matches.

The file appears only after the ONNX checker and an ONNX Runtime parity run (step graph fed its
own states, frame by frame, against the torch sequence form) have passed; a failed check raises
and leaves nothing behind.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import torch

from livedenoise.models.card import CARD_METADATA_KEY, ModelCard, ModelCardError
from livedenoise.models.card_builder import build_card
from livedenoise.models.checkpoint import CheckpointError, load_checkpoint_model
from livedenoise.models.errors import LivedenoiseError
from livedenoise.models.streaming import PRINT_INPUTS, UNetStep, print_input_shapes, state_specs
from livedenoise.models.unet import CausalUNet

__all__ = [
    "CheckpointError",
    "ExportError",
    "card_extra_from_checkpoint",
    "check_onnx_parity",
    "export_onnx",
    "load_checkpoint_model",
    "read_onnx_card",
]

OPSET_VERSION = 17
PARITY_FRAMES = 512
# Float32 step graph vs float32 sequence form: differences come from op order only.
PARITY_TOLERANCE = 1e-3


class ExportError(LivedenoiseError, RuntimeError):
    """The exported graph is invalid or does not compute what the torch model computes."""


def _versions() -> dict[str, str]:
    try:
        livedenoise_version = metadata.version("livedenoise")
    except metadata.PackageNotFoundError:
        livedenoise_version = "unknown"
    return {"torch": torch.__version__, "onnx": onnx.__version__, "livedenoise": livedenoise_version}


def _export_graph(model: CausalUNet, path: Path) -> None:
    step = UNetStep(model).eval()
    specs = state_specs(model.config)
    spec = torch.zeros(1, 2, model.config.n_freqs)
    print_inputs = print_input_shapes(model.config)
    prints = tuple(torch.zeros(shape) for shape in print_inputs.values())
    states = tuple(torch.zeros(s.shape) for s in specs)
    with warnings.catch_warnings():
        # The TorchScript-based exporter (kept for its compact fixed-shape graph with one GRU node
        # and folded batch norms, and for torch < 2.5) announces its own deprecation, twice.
        warnings.filterwarnings("ignore", message=r"You are using the legacy TorchScript", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=r"The feature will be removed", category=DeprecationWarning)
        # Shape-dependent branches (single frame vs sequence) are meant to be frozen by tracing.
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        # The step graph is batch 1 by contract, which is what this GRU warning asks for.
        warnings.filterwarnings("ignore", message=r"Exporting a model to ONNX with a batch_size other than 1")
        torch.onnx.export(
            step,
            (spec, *prints, *states),
            str(path),
            dynamo=False,
            opset_version=OPSET_VERSION,
            input_names=["spec", *print_inputs, *(s.input_name for s in specs)],
            output_names=["mask", *(s.output_name for s in specs)],
            do_constant_folding=True,
        )


def _random_spectra(n_freqs: int, n_frames: int, seed: int) -> np.ndarray:
    """Gaussian spectra ``(1, 2, n_freqs, frames)`` whose level wanders over 60 dB, so the running
    normalization and every state are exercised."""
    rng = np.random.default_rng(seed)
    level_db = np.cumsum(rng.normal(0.0, 3.0, n_frames)).clip(-60.0, 0.0)
    spectra = rng.standard_normal((1, 2, n_freqs, n_frames)) * 10.0 ** (level_db / 20.0)
    return spectra.astype(np.float32)


def _random_print(n_freqs: int, seed: int) -> np.ndarray:
    """A print ``(1, 3, n_freqs)`` (mean, spread, power in dB) of a noise with a wandering spectrum."""
    rng = np.random.default_rng(seed)
    power_db = np.cumsum(rng.normal(0.0, 1.0, n_freqs)) - 40.0
    return np.stack([power_db - 2.5, rng.uniform(4.0, 8.0, n_freqs), power_db])[None].astype(np.float32)


def check_onnx_parity(
    model: CausalUNet,
    onnx_path: str | Path,
    n_frames: int = PARITY_FRAMES,
    tolerance: float = PARITY_TOLERANCE,
    seed: int = 0,
) -> float:
    """Run the ONNX step graph over ``n_frames`` random frames with explicit state feeding and
    compare with the torch sequence form; a model that takes a print runs once with a print and
    once blind. Returns the max abs mask difference; raises ``ExportError`` above ``tolerance``."""
    if not model.config.takes_print:
        return _check_parity(model, onnx_path, n_frames, tolerance, seed, {})
    noise_print = _random_print(model.config.n_freqs, seed)
    given = {"noise_print": noise_print, "print_present": np.ones(1, dtype=np.float32)}
    blind = {"noise_print": np.zeros_like(noise_print), "print_present": np.zeros(1, dtype=np.float32)}
    return max(_check_parity(model, onnx_path, n_frames, tolerance, seed, prints) for prints in (given, blind))


def _check_parity(
    model: CausalUNet, onnx_path: str | Path, n_frames: int, tolerance: float, seed: int, prints: dict[str, np.ndarray]
) -> float:
    import onnxruntime as ort

    specs = state_specs(model.config)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    try:
        session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # ORT raises its own exception types for unreadable graphs
        raise ExportError(f"ONNX Runtime cannot load {onnx_path}: {exc}") from exc
    expected_inputs = ["spec", *prints, *(s.input_name for s in specs)]
    if [i.name for i in session.get_inputs()] != expected_inputs:
        raise ExportError(f"{onnx_path} inputs {[i.name for i in session.get_inputs()]} != {expected_inputs}")

    spectra = _random_spectra(model.config.n_freqs, n_frames, seed)
    with torch.no_grad():
        condition = [torch.from_numpy(prints[name]) for name in PRINT_INPUTS] if prints else []
        expected = model.eval()(torch.from_numpy(spectra), *condition).numpy()
    states = {s.input_name: np.zeros(s.shape, dtype=np.float32) for s in specs}
    output_names = ["mask", *(s.output_name for s in specs)]
    worst = 0.0
    for frame in range(n_frames):
        outputs = session.run(output_names, {"spec": spectra[..., frame], **prints, **states})
        states = {s.input_name: out for s, out in zip(specs, outputs[1:], strict=True)}
        difference = float(np.abs(outputs[0] - expected[..., frame]).max())
        if not difference <= tolerance:  # also catches NaN
            with_print = " (with a print)" if prints.get("print_present", [0])[0] else ""
            raise ExportError(
                f"ONNX step differs from the torch sequence form{with_print} at frame {frame}: "
                f"max abs mask difference {difference:.3g} > tolerance {tolerance:.3g}"
            )
        worst = max(worst, difference)
    return worst


def _attach_card(onnx_path: Path, card: ModelCard) -> None:
    graph = onnx.load(str(onnx_path))
    del graph.metadata_props[:]
    entry = graph.metadata_props.add()
    entry.key, entry.value = CARD_METADATA_KEY, card.to_json()
    graph.producer_name = "livedenoise"
    onnx.checker.check_model(graph, full_check=True)
    onnx.save(graph, str(onnx_path))


def card_extra_from_checkpoint(checkpoint: dict[str, Any]) -> dict[str, Any]:
    """The card fields a training checkpoint carries, with its resolved training config (losses,
    learning rate, epochs) added as ``training.train_config``: weights shipped as ONNX alone still
    name the recipe of the stage that made them, and a run started from them records it."""
    extra = dict(checkpoint.get("card") or {})
    if checkpoint.get("train_config"):
        extra["training"] = {**extra.get("training", {}), "train_config": checkpoint["train_config"]}
    return extra


def export_onnx(model: CausalUNet, path: str | Path, card_extra: dict[str, Any] | None = None) -> ModelCard:
    """Write the step graph to ``path`` and its card to ``path`` with a ``.json`` suffix.

    Both files are written under temporary names and renamed only after the checker and the
    parity run pass; on failure they are removed and ``ExportError`` is raised.
    """
    path = Path(path)
    if path.suffix != ".onnx":
        raise ValueError(f"export path must end in .onnx, got {path}")
    card_path = path.with_suffix(".json")
    card = build_card(model, path.stem, card_extra, versions=_versions())
    model = model.eval()

    tmp_dir = Path(tempfile.mkdtemp(prefix=f".{path.stem}.", dir=path.parent))
    tmp_onnx, tmp_card = tmp_dir / path.name, tmp_dir / card_path.name
    try:
        _export_graph(model, tmp_onnx)
        try:
            _attach_card(tmp_onnx, card)
        except onnx.checker.ValidationError as exc:
            raise ExportError(f"exported graph fails the ONNX checker: {exc}") from exc
        check_onnx_parity(model, tmp_onnx)
        card.save(tmp_card)
        os.replace(tmp_onnx, path)
        os.replace(tmp_card, card_path)
    finally:
        for leftover in (tmp_onnx, tmp_card):
            leftover.unlink(missing_ok=True)
        tmp_dir.rmdir()
    return card


def read_onnx_card(path: str | Path) -> ModelCard:
    """The card stored in an exported model's metadata; ``ModelCardError`` for a missing,
    corrupt or card-less file."""
    path = Path(path)
    if not path.is_file():
        raise ModelCardError(f"model file {path} does not exist")
    try:
        graph = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # protobuf raises DecodeError and friends for corrupt bytes
        raise ModelCardError(f"{path} is not a readable ONNX model ({exc}); re-export it") from exc
    entries = {entry.key: entry.value for entry in graph.metadata_props}
    if CARD_METADATA_KEY not in entries:
        raise ModelCardError(f"{path} has no '{CARD_METADATA_KEY}' metadata; export it with livedenoise export")
    return ModelCard.from_json(entries[CARD_METADATA_KEY])
