"""A blind model given a noise print: its mask combined with the print-Wiener's gain, per bin.

A model trained without prints (the shipped one, any ONNX or torch step model) keeps the noise it
has never heard; the print-Wiener (``print_wiener``) removes what the print says the room sounds
like, but takes music with it. ``PrintCombined`` steps both on the same frame and joins them by a
``rule``, applied to the mask's magnitude (the model's phase, if it has one, is kept):

- ``min``: the lower of the two gains: each removes what it recognises, neither takes back what the
  other removed.
- ``product``: the product of the two, never below the print-Wiener's floor (-25 dB).
- ``geometric``: the geometric mean, halfway between the two in dB.

``DEFAULT_RULE`` is the one measured best on the unseen-source dev set (docs/noise-print.md). The
wrapper keeps the inner model's card (the same STFT and rate) and its ``heavy_step``, so the live
engine threads it as it threads the model. Without a print its mask is the inner model's, unchanged.
A print is set with ``set_noise_print`` from any thread: prepared off the step, swapped in with one
reference assignment. The combination allocates nothing.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from livedenoise.realtime.noise_print import NoisePrint
from livedenoise.realtime.runtimes.print_wiener import GAIN_FLOOR, noise_power_of, print_wiener_step
from livedenoise.realtime.runtimes.protocol import ModelRuntime

RULES = ("min", "product", "geometric")
RULE_CODES = {name: code for code, name in enumerate(RULES)}
DEFAULT_RULE = "min"


class PrintCombinedState:
    """The inner model's state, the print-Wiener's last output power, its gains and the combined mask."""

    def __init__(self, inner_state, n_freqs: int) -> None:
        self.inner = inner_state
        self.output_power = np.zeros(n_freqs, dtype=np.float32)
        self.gains = np.ones(n_freqs, dtype=np.float32)
        self.mask = np.zeros((2, n_freqs), dtype=np.float32)


@njit(cache=True, nogil=True)
def combine_masks(model_mask, gains, rule, floor, out):
    """``out`` ``(2, n_freqs)``: ``model_mask`` (real, imaginary) with its magnitude joined to ``gains`` by ``rule``."""
    for k in range(model_mask.shape[1]):
        re = model_mask[0, k]
        im = model_mask[1, k]
        magnitude = math.sqrt(re * re + im * im)
        gain = gains[k]
        if rule == 0:
            joined = min(magnitude, gain)
        elif rule == 1:
            joined = max(magnitude * gain, floor)
        else:
            joined = math.sqrt(magnitude * gain)
        if magnitude > 0.0:
            out[0, k] = re * (joined / magnitude)
            out[1, k] = im * (joined / magnitude)
        else:  # no phase to keep: a real gain
            out[0, k] = joined
            out[1, k] = 0.0


class PrintCombined:
    """``inner``'s mask, joined with the print-Wiener's gain by ``rule`` once a print is set."""

    accepts_noise_print = True

    def __init__(self, inner: ModelRuntime, noise_print: NoisePrint | None = None, rule: str = DEFAULT_RULE) -> None:
        if rule not in RULE_CODES:
            raise ValueError(f"unknown rule {rule!r}; choose one of {', '.join(RULES)}")
        self.inner = inner
        self.card = inner.card
        self.rule = rule
        self._rule_code = RULE_CODES[rule]
        self.heavy_step = getattr(inner, "heavy_step", False)
        self._noise_power: np.ndarray | None = None
        self.noise_print: NoisePrint | None = None
        self._warm_up()
        self.set_noise_print(noise_print)

    def _warm_up(self) -> None:
        # Compile (or load from the numba cache) before any audio thread calls it.
        n_freqs = self.card.n_freqs
        state = PrintCombinedState(None, n_freqs)
        spec = np.ones((2, n_freqs), dtype=np.float32)
        print_wiener_step(spec, np.ones(n_freqs, dtype=np.float32), state.output_power, state.gains)
        combine_masks(state.mask, state.gains, self._rule_code, GAIN_FLOOR, state.mask)

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
        print_wiener_step(spec, noise_power, state.output_power, state.gains)
        combine_masks(model_mask, state.gains, self._rule_code, GAIN_FLOOR, state.mask)
        return state.mask
