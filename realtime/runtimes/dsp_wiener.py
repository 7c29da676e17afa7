"""A causal non-neural baseline: minimum-statistics noise tracking with a decision-directed Wiener gain.

Per bin, a smoothed power tracks the signal; the noise estimate is the minimum of that power over
the last ``WINDOW_S`` seconds (kept as a few sub-window minima, so it slides without storing the
whole history), scaled up by a bias because a minimum sits below the mean (Martin 2001). Notes held
longer than the window are taken for noise: the price every noise-floor tracker pays on music, and
the reason a trained model is the default. The gain is the Wiener gain of a decision-directed
a-priori SNR (Ephraim & Malah), which keeps musical noise low. Same protocol as a trained model, so
every downstream part runs with it and the neural model has something to beat.

Given a noise print (``set_noise_print``), the gain is the print-Wiener's (``print_wiener``): the
print's PSD stands in for the tracked floor, so a held note is no longer taken for noise. The
tracker keeps running underneath, so taking the print away again returns to a floor that is
current. Without a print the runtime is exactly the floor tracker.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from livedenoise.models.card import ModelCard
from livedenoise.realtime.noise_print import NoisePrint
from livedenoise.realtime.runtimes.print_wiener import (
    held_smoothing,
    noise_power_of,
    print_wiener_step,
    print_wiener_tracks,
)

SMOOTHING = 0.95  # power smoothing per hop (about 50 ms at hop 128)
WINDOW_S = 2.0
N_SUBWINDOWS = 8
NOISE_BIAS = 2.8  # mean over minimum of this smoothed power is about 2.3 for noise; a little over-subtraction
DECISION_DIRECTED = 0.96
GAIN_FLOOR = 0.01
POWER_EPS = 1e-12


class DspEstimatorState:
    def __init__(self, n_freqs: int) -> None:
        # rows: smoothed power, running sub-window minimum, previous gain, previous posterior SNR
        self.tracks = np.zeros((4, n_freqs), dtype=np.float32)
        self.subwindow_minima = np.full((N_SUBWINDOWS, n_freqs), np.inf, dtype=np.float32)
        self.mask = np.zeros((2, n_freqs), dtype=np.float32)
        self.gains = self.mask[0]  # the view the print-Wiener writes, made once
        self.print_tracks = print_wiener_tracks(n_freqs)
        self.n_steps = np.zeros(1, dtype=np.int64)


@njit(cache=True, nogil=True)
def _wiener_step(spec, tracks, subwindow_minima, mask, n_steps, subwindow_hops, n_fill_hops):
    smoothed, running_min, prev_gain, prev_snr = tracks[0], tracks[1], tracks[2], tracks[3]
    n_steps[0] += 1
    if n_steps[0] < n_fill_hops:
        # The first frames are mostly the zeros before the stream: nothing to learn from them.
        mask[0, :] = 1.0
        mask[1, :] = 0.0
        return
    step = n_steps[0] - n_fill_hops
    step_in_subwindow = step % subwindow_hops
    slot = (step // subwindow_hops) % subwindow_minima.shape[0]
    for k in range(spec.shape[1]):
        power = spec[0, k] * spec[0, k] + spec[1, k] * spec[1, k] + POWER_EPS
        if step == 0:
            smoothed[k] = power
            prev_gain[k] = 1.0
            prev_snr[k] = 1.0
            subwindow_minima[:, k] = np.inf
        smoothed[k] = SMOOTHING * smoothed[k] + (1.0 - SMOOTHING) * power
        if step_in_subwindow == 0:
            running_min[k] = smoothed[k]
        else:
            running_min[k] = min(running_min[k], smoothed[k])
        subwindow_minima[slot, k] = running_min[k]
        noise = running_min[k]
        for u in range(subwindow_minima.shape[0]):
            noise = min(noise, subwindow_minima[u, k])
        posterior = power / (NOISE_BIAS * noise)
        prior = DECISION_DIRECTED * prev_gain[k] * prev_gain[k] * prev_snr[k]
        prior += (1.0 - DECISION_DIRECTED) * max(posterior - 1.0, 0.0)
        gain = max(prior / (1.0 + prior), GAIN_FLOOR)
        prev_gain[k] = gain
        prev_snr[k] = posterior
        mask[0, k] = gain
        mask[1, k] = 0.0


class DspEstimator:
    """The baseline runtime. ``card`` describes the STFT it expects, like a model's card."""

    accepts_noise_print = True

    def __init__(self, sample_rate: int = 48000, n_fft: int = 1024, hop_samples: int = 128) -> None:
        self.card = ModelCard(
            name="dsp-wiener",
            sample_rate=sample_rate,
            n_fft=n_fft,
            hop_samples=hop_samples,
            features={"kind": "noise-floor tracking + decision-directed Wiener gain"},
        )
        self._n_fill_hops = n_fft // hop_samples
        self._subwindow_hops = max(1, round(WINDOW_S * sample_rate / hop_samples / N_SUBWINDOWS))
        self._print_smoothing = held_smoothing(sample_rate, hop_samples)
        self._noise_power: np.ndarray | None = None
        self.noise_print: NoisePrint | None = None
        self._warm_up()

    def _warm_up(self) -> None:
        # Compile (or load from the numba cache) before any audio thread calls it.
        state = self.initial_state()
        spec = np.ones((2, self.card.n_freqs), dtype=np.float32)
        self.step(spec, state)
        print_wiener_step(
            spec, np.ones(self.card.n_freqs, dtype=np.float32), state.print_tracks, state.gains, self._print_smoothing
        )

    def set_noise_print(self, noise_print: NoisePrint | None) -> None:
        """Use ``noise_print``'s PSD from the next step on (None: track the floor); refused when its STFT differs."""
        noise_power = None if noise_print is None else noise_power_of(noise_print, self.card)
        self._noise_power = noise_power  # one assignment: a step sees the old print or the new one
        self.noise_print = noise_print

    def initial_state(self) -> DspEstimatorState:
        return DspEstimatorState(self.card.n_freqs)

    def step(self, spec: np.ndarray, state: DspEstimatorState) -> np.ndarray:
        noise_power = self._noise_power
        _wiener_step(
            spec,
            state.tracks,
            state.subwindow_minima,
            state.mask,
            state.n_steps,
            self._subwindow_hops,
            self._n_fill_hops,
        )
        if noise_power is not None:
            print_wiener_step(spec, noise_power, state.print_tracks, state.gains, self._print_smoothing)
        return state.mask
