"""The model runtime protocol: what the denoiser calls once per hop.

A runtime maps one analysis spectrum to one complex mask, carrying its own recurrent state.
``step`` must not allocate: it returns a buffer it owns (valid until its next call) and updates
``state`` in place. A runtime describes itself with a ``ModelCard`` (sample rate, STFT geometry),
so the denoiser configures itself from it. A runtime whose mask is always the unit mask says so
with a true ``passes_through`` attribute, and is then never called. A runtime whose step is
heavy (hundreds of microseconds, the GIL released while it runs) says so with a true
``heavy_step`` attribute, and the live engine then steps it on a thread of its own.

A runtime that can use a noise print (``realtime.noise_print``) says so with a true
``accepts_noise_print`` attribute and has ``set_noise_print(noise_print: NoisePrint | None) -> None``
(None: run without one). It may be called from any thread other than the audio thread, between or
during hops: it checks the print's STFT geometry (``NoisePrintError`` when it differs), prepares
what the step reads (arrays, off the step), then swaps it in with one reference assignment, which
the step reads once, so a step never sees half a print and allocates nothing. A runtime without the
attribute ignores prints (``model_choice.open_runtime`` wraps a blind model in ``PrintCombined``).
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np

from livedenoise.models.card import ModelCard
from livedenoise.models.errors import LivedenoiseError


@runtime_checkable
class ModelRuntime(Protocol):
    card: ModelCard

    def initial_state(self) -> Any:
        """A fresh state for one stream (preallocated; reused across hops)."""

    def step(self, spec: np.ndarray, state: Any) -> np.ndarray:
        """``spec`` float32 ``(2, n_freqs)`` (real, imaginary) -> mask float32 ``(2, n_freqs)``."""


class ModelLoadError(LivedenoiseError, RuntimeError):
    """A model file is missing, unreadable, or does not match its card."""
