"""The model runtime protocol: what the denoiser calls once per hop.

A runtime maps one analysis spectrum to one complex mask, carrying its own recurrent state.
``step`` must not allocate: it returns a buffer it owns (valid until its next call) and updates
``state`` in place. A runtime describes itself with a ``ModelCard`` (sample rate, STFT geometry),
so the denoiser configures itself from it. A runtime whose mask is always the unit mask says so
with a true ``passes_through`` attribute, and is then never called. A runtime whose step is
heavy (hundreds of microseconds, the GIL released while it runs) says so with a true
``heavy_step`` attribute, and the live engine then steps it on a thread of its own.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np

from livedenoise.models.card import ModelCard


@runtime_checkable
class ModelRuntime(Protocol):
    card: ModelCard

    def initial_state(self) -> Any:
        """A fresh state for one stream (preallocated; reused across hops)."""

    def step(self, spec: np.ndarray, state: Any) -> np.ndarray:
        """``spec`` float32 ``(2, n_freqs)`` (real, imaginary) -> mask float32 ``(2, n_freqs)``."""


class ModelLoadError(RuntimeError):
    """A model file is missing, unreadable, or does not match its card."""
