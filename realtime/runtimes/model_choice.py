"""Turn a user's ``--model`` choice into a runtime.

``default`` is the shipped trained model (a missing one is an error, never a silent switch to
another model); ``dsp`` is the noise-floor/Wiener baseline; ``identity`` passes audio through (for
measuring the signal path); anything else is a path to an exported ``.onnx`` step model or a
``.pt`` training checkpoint (run by the torch back-end). With ``--provider auto`` and no usable
GPU, one line on stderr says that the model runs on the CPU.

Given a noise print, the runtime is set up to use it: ``dsp`` takes the print's PSD instead of
tracking the floor, ``identity`` ignores it, a runtime that accepts prints of its own
(``accepts_noise_print``) is handed it, and a blind model (the shipped one, any other ONNX or torch
model) is wrapped in ``PrintCombined``, its mask joined with the print-Wiener's gain. A print made
for another STFT is refused with ``NoisePrintError``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import livedenoise.models
from livedenoise.realtime.runtimes.protocol import ModelLoadError, ModelRuntime

if TYPE_CHECKING:
    from livedenoise.realtime.noise_print import NoisePrint

SHIPPED_MODEL = Path(livedenoise.models.__file__).resolve().parent / "weights" / "default.onnx"
BUILTIN_MODELS = ("default", "dsp", "identity")
PROVIDER_CHOICES = ("cpu", "cuda", "auto")


def open_runtime(
    model: str = "default", provider: str = "cpu", hop_samples: int | None = None, noise_print: NoisePrint | None = None
) -> ModelRuntime:
    """Open ``model``; ``hop_samples`` picks the hop of the built-in runtimes (a trained model has its own);
    ``noise_print``: the room's noise, used as the runtime can (``with_noise_print``)."""
    return with_noise_print(_open_blind(model, provider, hop_samples), noise_print)


def with_noise_print(runtime: ModelRuntime, noise_print: NoisePrint | None) -> ModelRuntime:
    """``runtime`` set up to use ``noise_print`` (see above); None leaves it as it is."""
    if noise_print is None:
        return runtime
    card = runtime.card
    noise_print.check_geometry(card.sample_rate, card.n_fft, card.hop_samples)
    if getattr(runtime, "passes_through", False):  # identity: its unit mask has no use for a print
        return runtime
    if getattr(runtime, "accepts_noise_print", False):
        runtime.set_noise_print(noise_print)
        return runtime
    from livedenoise.realtime.runtimes.print_combined import PrintCombined

    return PrintCombined(runtime, noise_print)


def _open_blind(model: str, provider: str, hop_samples: int | None) -> ModelRuntime:
    hop = {} if hop_samples is None else {"hop_samples": hop_samples}
    if model == "default":
        if not SHIPPED_MODEL.is_file():
            raise ModelLoadError(
                f"the shipped model is missing ({SHIPPED_MODEL}); reinstall livedenoise, "
                "or choose --model dsp, identity or a model file"
            )
        return _open_onnx(SHIPPED_MODEL, provider, hop_samples)
    if model == "dsp":
        from livedenoise.realtime.runtimes.dsp_wiener import DspEstimator

        return DspEstimator(**hop)
    if model == "identity":
        from livedenoise.realtime.runtimes.identity import IdentityRuntime

        return IdentityRuntime(**hop)
    path = Path(model)
    if path.suffix == ".pt":
        return _open_checkpoint(path, hop_samples)
    if path.suffix != ".onnx":
        raise ModelLoadError(
            f"unknown model {model!r}: give one of {', '.join(BUILTIN_MODELS)}, a .onnx model or a .pt checkpoint"
        )
    return _open_onnx(path, provider, hop_samples)


def _open_checkpoint(path: Path, hop_samples: int | None) -> ModelRuntime:
    try:
        from livedenoise.models.checkpoint import CheckpointError
        from livedenoise.models.torch_runtime import TorchRuntime
    except ImportError as exc:
        raise ModelLoadError(f"running a .pt checkpoint needs torch (pip install 'livedenoise[train]'): {exc}") from exc
    try:
        return _check_hop(TorchRuntime(path), path, hop_samples)
    except CheckpointError as exc:
        raise ModelLoadError(str(exc)) from exc


def _open_onnx(path: Path, provider: str, hop_samples: int | None) -> ModelRuntime:
    from livedenoise.realtime.runtimes.onnx_runtime import OnnxRuntime

    runtime = OnnxRuntime(path, provider=provider)
    if runtime.fallback_reason is not None:
        print(f"--provider auto: {runtime.fallback_reason}; running on the CPU", file=sys.stderr)
    return _check_hop(runtime, path, hop_samples)


def _check_hop(runtime: ModelRuntime, path: Path, hop_samples: int | None) -> ModelRuntime:
    if hop_samples is not None and hop_samples != runtime.card.hop_samples:
        raise ModelLoadError(
            f"{path.name} was trained for a hop of {runtime.card.hop_samples} samples; it cannot run at {hop_samples}"
        )
    return runtime
