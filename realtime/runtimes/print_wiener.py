"""The print-Wiener: a Wiener gain whose noise PSD is a noise print, the baseline every print is measured with.

Per bin, the print's mean power (``NoisePrint.power``) is the noise PSD ``N``. The a-priori SNR is
decision-directed (Ephraim & Malah): ``xi = 0.98 * |last output|^2 / N + 0.02 * max(|X|^2 / N - 1, 0)``,
which keeps the musical noise of a plain spectral subtraction low; the gain is ``xi / (xi + 1.5)``
(the 1.5 over-subtracts a little, as the print's mean sits where the noise often peaks above) and
never below -25 dB. It runs on the model's STFT (1024/128 at 48 kHz) and reads the denoiser's model
input, so a print made by ``NoisePrint`` lines up bin for bin. Unlike a floor tracker it never takes
a held note for noise: what it removes is what the print says the room sounds like.

``print_wiener_step`` is the numba kernel (no allocation); ``PrintWienerState`` holds what it
carries from hop to hop. ``PrintWiener`` is the runtime: a print is set with ``set_noise_print``
from any thread (prepared off the step, swapped in with one reference assignment); without one its
mask is the unit mask.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from livedenoise.models.card import ModelCard
from livedenoise.realtime.noise_print import NoisePrint

DECISION_DIRECTED = 0.98
OVER_SUBTRACTION = 1.5
GAIN_FLOOR_DB = -25.0
GAIN_FLOOR = 10.0 ** (GAIN_FLOOR_DB / 20.0)
NOISE_POWER_EPS = 1e-20  # a bin the print's noise leaves empty passes everything


class PrintWienerState:
    """The last output's power per bin and the mask a step returns, for one stream."""

    def __init__(self, n_freqs: int) -> None:
        self.output_power = np.zeros(n_freqs, dtype=np.float32)
        self.mask = np.zeros((2, n_freqs), dtype=np.float32)
        self.mask[0] = 1.0
        self.gains = self.mask[0]  # the view a step writes, made once: indexing in the step would allocate


@njit(cache=True, nogil=True)
def print_wiener_step(spec, noise_power, output_power, gains):
    """``spec`` ``(2, n_freqs)`` (real, imaginary) and the PSD ``noise_power`` ``(n_freqs,)`` -> the
    gain per bin in ``gains`` ``(n_freqs,)``; ``output_power`` carries the last output's power."""
    for k in range(spec.shape[1]):
        power = spec[0, k] * spec[0, k] + spec[1, k] * spec[1, k]
        noise = noise_power[k]
        posterior = power / noise
        prior = DECISION_DIRECTED * output_power[k] / noise + (1.0 - DECISION_DIRECTED) * max(posterior - 1.0, 0.0)
        gain = max(prior / (prior + OVER_SUBTRACTION), GAIN_FLOOR)
        output_power[k] = gain * gain * power
        gains[k] = gain


def noise_power_of(noise_print: NoisePrint, card: ModelCard) -> np.ndarray:
    """The PSD a step divides by, float32 ``(n_freqs,)``, from a print checked against ``card``'s STFT."""
    noise_print.check_geometry(card.sample_rate, card.n_fft, card.hop_samples)
    return np.maximum(noise_print.power, NOISE_POWER_EPS).astype(np.float32)


class PrintWiener:
    """The print-Wiener as a runtime: the unit mask until it is given a print."""

    accepts_noise_print = True

    def __init__(
        self, noise_print: NoisePrint | None = None, sample_rate: int = 48000, n_fft: int = 1024, hop_samples: int = 128
    ) -> None:
        self.card = ModelCard(
            name="print-wiener",
            sample_rate=sample_rate,
            n_fft=n_fft,
            hop_samples=hop_samples,
            features={"kind": "decision-directed Wiener gain on a noise print's PSD"},
        )
        self._noise_power: np.ndarray | None = None
        self.noise_print: NoisePrint | None = None
        self._unit_mask = np.zeros((2, self.card.n_freqs), dtype=np.float32)
        self._unit_mask[0] = 1.0
        self._warm_up()
        self.set_noise_print(noise_print)

    def _warm_up(self) -> None:
        # Compile (or load from the numba cache) before any audio thread calls it.
        state = self.initial_state()
        spec = np.ones((2, self.card.n_freqs), dtype=np.float32)
        print_wiener_step(spec, np.ones(self.card.n_freqs, dtype=np.float32), state.output_power, state.gains)

    def set_noise_print(self, noise_print: NoisePrint | None) -> None:
        """Use ``noise_print`` from the next step on (None: the unit mask); refused when its STFT differs."""
        noise_power = None if noise_print is None else noise_power_of(noise_print, self.card)
        self._noise_power = noise_power  # one assignment: a step sees the old print or the new one
        self.noise_print = noise_print

    def initial_state(self) -> PrintWienerState:
        return PrintWienerState(self.card.n_freqs)

    def step(self, spec: np.ndarray, state: PrintWienerState) -> np.ndarray:
        noise_power = self._noise_power
        if noise_power is None:
            return self._unit_mask
        print_wiener_step(spec, noise_power, state.output_power, state.gains)
        return state.mask
