"""A blind model given a noise print: its gain joined with the print-Wiener's, per bin.

A model trained without prints (the shipped one, any ONNX or torch step model) keeps the noise it
has never heard; the print-Wiener (``print_wiener``) removes what the print says the room sounds
like, but takes music with it. ``PrintCombined`` steps both on the same frame and keeps, per bin,
the lower of the model's gain and the print-Wiener's gain at a quarter strength (its fourth root: at
most 6.25 dB down where the print-Wiener's floor is -25 dB). The model's phase, if its mask has one,
is kept.

Measured on the unseen-source dev set with prints from outside each example
(docs/noise-print.md), this rule keeps the most SI-SDR of the candidates (the lower of the two gains
at full, half or a quarter strength, their product, their geometric mean, the model's gain times the
print-Wiener's at half strength), and the only one above the model alone: a print from outside the
example describes the noise only roughly, and at more strength it takes music with the noise.

The wrapper keeps the inner model's card (the same STFT and rate) and its ``heavy_step``, so the
live engine threads it as it threads the model. Without a print its mask is the inner model's,
unchanged. A print is set with ``set_noise_print`` from any thread: prepared off the step, swapped
in with one reference assignment. The join allocates nothing.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from livedenoise.realtime.noise_print import NoisePrint
from livedenoise.realtime.runtimes.print_wiener import (
    held_smoothing,
    noise_power_of,
    print_wiener_step,
    print_wiener_tracks,
)
from livedenoise.realtime.runtimes.protocol import ModelRuntime

PRINT_GAIN_EXPONENT = 0.25  # the print-Wiener's gain at a quarter strength in dB


class PrintCombinedState:
    """The inner model's state, the print-Wiener's tracks, its gains and the combined mask."""

    def __init__(self, inner_state, n_freqs: int) -> None:
        self.inner = inner_state
        self.tracks = print_wiener_tracks(n_freqs)
        self.gains = np.ones(n_freqs, dtype=np.float32)
        self.mask = np.zeros((2, n_freqs), dtype=np.float32)


@njit(cache=True, nogil=True)
def combine_masks(model_mask, print_gains, out):
    """``out`` ``(2, n_freqs)``: ``model_mask`` (real, imaginary) with its magnitude lowered, per bin, to
    ``print_gains ** PRINT_GAIN_EXPONENT`` where that is lower."""
    for k in range(model_mask.shape[1]):
        re = model_mask[0, k]
        im = model_mask[1, k]
        magnitude = math.sqrt(re * re + im * im)
        joined = min(magnitude, print_gains[k] ** PRINT_GAIN_EXPONENT)
        if magnitude > 0.0:
            out[0, k] = re * (joined / magnitude)
            out[1, k] = im * (joined / magnitude)
        else:  # a zero gain stays zero
            out[0, k] = 0.0
            out[1, k] = 0.0


class PrintCombined:
    """``inner``'s mask, joined with the print-Wiener's gain once a print is set."""

    accepts_noise_print = True

    def __init__(self, inner: ModelRuntime, noise_print: NoisePrint | None = None) -> None:
        self.inner = inner
        self.card = inner.card
        self.heavy_step = getattr(inner, "heavy_step", False)
        self._smoothing = held_smoothing(self.card.sample_rate, self.card.hop_samples)
        self._noise_power: np.ndarray | None = None
        self.noise_print: NoisePrint | None = None
        self._warm_up()
        self.set_noise_print(noise_print)

    def _warm_up(self) -> None:
        # Compile (or load from the numba cache) before any audio thread calls it.
        n_freqs = self.card.n_freqs
        state = PrintCombinedState(None, n_freqs)
        spec = np.ones((2, n_freqs), dtype=np.float32)
        print_wiener_step(spec, np.ones(n_freqs, dtype=np.float32), state.tracks, state.gains, self._smoothing)
        combine_masks(state.mask, state.gains, state.mask)

    def set_noise_print(self, noise_print: NoisePrint | None) -> None:
        """Join the print-Wiener from the next step on (None: the inner mask alone); refused when its STFT differs."""
        noise_power = None if noise_print is None else noise_power_of(noise_print, self.card)
        self._noise_power = noise_power  # one assignment: a step sees the old print or the new one
        self.noise_print = noise_print

    def initial_state(self) -> PrintCombinedState:
        return PrintCombinedState(self.inner.initial_state(), self.card.n_freqs)

    def step(self, spec: np.ndarray, state: PrintCombinedState) -> np.ndarray:
        noise_power = self._noise_power
        model_mask = self.inner.step(spec, state.inner)
        if noise_power is None:
            return model_mask
        print_wiener_step(spec, noise_power, state.tracks, state.gains, self._smoothing)
        combine_masks(model_mask, state.gains, state.mask)
        return state.mask
