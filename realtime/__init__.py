"""livedenoise's real-time side: STFT, rings, runtimes, the denoiser, the engine and the apps.

The public API, imported from here::

    from livedenoise.realtime import StreamingDenoiser, open_runtime, denoise_file

- ``open_runtime(model="default")``: a model runtime (the shipped model, ``dsp``, ``identity`` or a path).
- ``StreamingDenoiser(runtime, n_channels)``: hop in, hop out; ``process``, ``flush``, ``latency_samples``.
- ``denoise_file(input_path, output_path, runtime)``: a whole file, aligned with its input.
- ``Tuner(sample_rate)``: pitch readings from a (denoised) signal.
- ``EngineProcess(EngineSettings(...))``: the live engine in its own process.
- ``NoisePrint``, ``print_from_file``, ``load_noise_print``: the room's noise, learned and saved.

Each name is imported when first used, so ``import livedenoise.realtime`` (which every command does
for ``__version__``) loads neither numba nor ONNX Runtime.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

try:
    __version__ = version("livedenoise")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

# public name -> the module that defines it
_PUBLIC = {
    "StreamingDenoiser": "livedenoise.realtime.denoiser",
    "open_runtime": "livedenoise.realtime.runtimes.model_choice",
    "denoise_file": "livedenoise.realtime.file_mode",
    "Tuner": "livedenoise.realtime.tuner.tuner",
    "EngineProcess": "livedenoise.realtime.engine.process",
    "EngineSettings": "livedenoise.realtime.engine.process",
    "NoisePrint": "livedenoise.realtime.noise_print",
    "print_from_file": "livedenoise.realtime.noise_print",
    "load_noise_print": "livedenoise.realtime.noise_print",
}
__all__ = [
    "EngineProcess",
    "EngineSettings",
    "NoisePrint",
    "StreamingDenoiser",
    "Tuner",
    "__version__",
    "denoise_file",
    "load_noise_print",
    "open_runtime",
    "print_from_file",
]

if TYPE_CHECKING:
    from livedenoise.realtime.denoiser import StreamingDenoiser
    from livedenoise.realtime.engine.process import EngineProcess, EngineSettings
    from livedenoise.realtime.file_mode import denoise_file
    from livedenoise.realtime.noise_print import NoisePrint, load_noise_print, print_from_file
    from livedenoise.realtime.runtimes.model_choice import open_runtime
    from livedenoise.realtime.tuner.tuner import Tuner


def __getattr__(name: str):
    if name not in _PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_PUBLIC[name]), name)
    globals()[name] = value  # the next look-up finds it without this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})
