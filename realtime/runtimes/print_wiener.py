"""The print-Wiener: a Wiener gain whose noise PSD is a noise print, the baseline every print is measured with.

Per bin, the print's mean power (``NoisePrint.power``) is the noise PSD ``N``. The a-priori SNR is
decision-directed (Ephraim & Malah): ``xi = 0.98 * |last output|^2 / N + 0.02 * max(|X|^2 / N - 1, 0)``,
which keeps the musical noise of a plain spectral subtraction low; the Wiener gain is ``xi / (xi + 1.5)``
(the 1.5 over-subtracts a little, as the print's mean sits where the noise often peaks above) and
never below -25 dB. It runs on the model's STFT (1024/128 at 48 kHz) and reads the denoiser's model
input, so a print made by ``NoisePrint`` lines up bin for bin. Unlike a floor tracker it never takes
a held note for noise: what it removes is what the print says the room sounds like.

A held sound is kept: the decision-directed rule alone sinks a steady tone that stands less than
about 8 dB over the print in its bins (its a-priori SNR has no fixed point above the floor there),
which loses most of a held low note. So each bin also follows its level over the print, smoothed with
a time constant of ``HELD_TIME_CONSTANT_S``, and the gain is raised towards one as that level goes
from ``HELD_LOW_DB`` to ``HELD_HIGH_DB`` over the print. Noise alone stays near its print and is
removed; a sound that holds above it passes. What counts as "over the print" is measured from the
room's own rise: when the noise as a whole stands above its print (a print learned quieter than the
room is now, a swell), most bins rise together, so the level a quarter of the print's bins stay
under (``RISE_QUANTILE``; over at least ``MIN_RISE_BINS`` bins the print covers) is taken off first,
while a note lifts only its own bins.

``print_wiener_step`` is the numba kernel (no allocation); ``PrintWienerState`` holds what it
carries from hop to hop. ``PrintWiener`` is the runtime: a print is set with ``set_noise_print``
from any thread (prepared off the step, swapped in with one reference assignment); without one its
mask is the unit mask.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from livedenoise.models.card import ModelCard
from livedenoise.realtime.noise_print import NoisePrint

DECISION_DIRECTED = 0.98
OVER_SUBTRACTION = 1.5
GAIN_FLOOR_DB = -25.0
GAIN_FLOOR = 10.0 ** (GAIN_FLOOR_DB / 20.0)
NOISE_POWER_EPS = 1e-20  # a bin the print's noise leaves empty passes everything
HELD_TIME_CONSTANT_S = 0.5  # long enough that noise alone stays within about a dB of its print
HELD_LOW_DB = 1.5
HELD_HIGH_DB = 4.0
LEVEL_EPS = 1e-10
RISE_QUANTILE = 0.25
MIN_RISE_BINS = 64  # a print narrower than this (3 kHz at 48 kHz / 1024) cannot tell a swell from a note
PRINT_COVER_DB = -40.0  # a bin counts as covered by the print within this of its strongest bin
RISE_MAX_DB = 40.0
RISE_ITERATIONS = 12  # bisection steps: 40 dB / 2^12, about 0.01 dB


def held_smoothing(sample_rate: int, hop_samples: int) -> float:
    """The per-hop weight of a bin's past level for ``HELD_TIME_CONSTANT_S``."""
    return math.exp(-hop_samples / (HELD_TIME_CONSTANT_S * sample_rate))


def print_wiener_tracks(n_freqs: int) -> np.ndarray:
    """What the print-Wiener carries from hop to hop, per bin: rows last output power and level over the print,
    and the level in dB of the hop being stepped."""
    return np.zeros((3, n_freqs), dtype=np.float32)


class PrintWienerState:
    """The print-Wiener's tracks and the mask a step returns, for one stream."""

    def __init__(self, n_freqs: int) -> None:
        self.tracks = print_wiener_tracks(n_freqs)
        self.mask = np.zeros((2, n_freqs), dtype=np.float32)
        self.mask[0] = 1.0
        self.gains = self.mask[0]  # the view a step writes, made once: indexing in the step would allocate


@njit(cache=True, nogil=True)
def _room_rise_db(level_db, noise_power):
    """How far the room as a whole stands over its print: the level in dB that ``RISE_QUANTILE`` of the
    bins the print covers stay under (0 when that is below the print, or the print covers too few bins)."""
    cover = 0.0
    for k in range(noise_power.shape[0]):
        cover = max(cover, noise_power[k])
    cover *= 10.0 ** (PRINT_COVER_DB / 10.0)
    n_covered = 0
    n_below = 0
    for k in range(noise_power.shape[0]):
        if noise_power[k] >= cover:
            n_covered += 1
            if level_db[k] < 0.0:
                n_below += 1
    wanted = RISE_QUANTILE * n_covered
    if n_covered < MIN_RISE_BINS or n_below >= wanted:
        return 0.0
    low, high = 0.0, RISE_MAX_DB
    for _ in range(RISE_ITERATIONS):
        middle = 0.5 * (low + high)
        n_below = 0
        for k in range(noise_power.shape[0]):
            if noise_power[k] >= cover and level_db[k] < middle:
                n_below += 1
        if n_below >= wanted:
            high = middle
        else:
            low = middle
    return low


@njit(cache=True, nogil=True)
def print_wiener_step(spec, noise_power, tracks, gains, smoothing):
    """``spec`` ``(2, n_freqs)`` (real, imaginary) and the PSD ``noise_power`` ``(n_freqs,)`` -> the
    gain per bin in ``gains`` ``(n_freqs,)``; ``tracks`` (``print_wiener_tracks``) carries the last
    output's power and the level over the print, smoothed by ``smoothing`` (``held_smoothing``)."""
    output_power = tracks[0]
    level = tracks[1]
    level_db = tracks[2]
    for k in range(spec.shape[1]):
        power = spec[0, k] * spec[0, k] + spec[1, k] * spec[1, k]
        level[k] = smoothing * level[k] + (1.0 - smoothing) * power / noise_power[k]
        level_db[k] = 10.0 * math.log10(max(level[k], LEVEL_EPS))
    rise_db = _room_rise_db(level_db, noise_power)
    for k in range(spec.shape[1]):
        power = spec[0, k] * spec[0, k] + spec[1, k] * spec[1, k]
        noise = noise_power[k]
        posterior = power / noise
        prior = DECISION_DIRECTED * output_power[k] / noise + (1.0 - DECISION_DIRECTED) * max(posterior - 1.0, 0.0)
        held = min(max((level_db[k] - rise_db - HELD_LOW_DB) / (HELD_HIGH_DB - HELD_LOW_DB), 0.0), 1.0)
        gain = max(prior / (prior + OVER_SUBTRACTION), held, GAIN_FLOOR)
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
        self._smoothing = held_smoothing(sample_rate, hop_samples)
        self._warm_up()
        self.set_noise_print(noise_print)

    def _warm_up(self) -> None:
        # Compile (or load from the numba cache) before any audio thread calls it.
        state = self.initial_state()
        spec = np.ones((2, self.card.n_freqs), dtype=np.float32)
        print_wiener_step(
            spec, np.ones(self.card.n_freqs, dtype=np.float32), state.tracks, state.gains, self._smoothing
        )

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
        print_wiener_step(spec, noise_power, state.tracks, state.gains, self._smoothing)
        return state.mask
