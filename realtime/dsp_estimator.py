"""A causal non-neural baseline: noise-floor tracking with a decision-directed Wiener gain.

Per bin, a smoothed power tracks the signal; the noise floor follows that power down at once and
creeps up slowly (a few dB per second), so sustained notes are not mistaken for noise for long but
a rising noise floor is found. The gain is the Wiener gain of a decision-directed a-priori SNR
(Ephraim & Malah), which keeps musical noise low. Same protocol as a trained model, so every
downstream part can run with it and the neural model has something to beat.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from livedenoise.models.card import ModelCard

SMOOTHING = 0.7  # power smoothing per hop
NOISE_RISE_DB_PER_S = 3.0
NOISE_BIAS = 2.0  # minimum tracking sits below the mean noise power
DECISION_DIRECTED = 0.96
GAIN_FLOOR = 0.03
POWER_EPS = 1e-12


class DspEstimatorState:
    def __init__(self, n_freqs: int) -> None:
        # rows: smoothed power, noise floor, previous gain, previous posterior SNR
        self.tracks = np.zeros((4, n_freqs), dtype=np.float32)
        self.mask = np.zeros((2, n_freqs), dtype=np.float32)
        self.started = np.zeros(1, dtype=np.bool_)


@njit(cache=True, nogil=True)
def _wiener_step(spec, tracks, mask, started, noise_rise):
    smoothed, noise, prev_gain, prev_snr = tracks[0], tracks[1], tracks[2], tracks[3]
    for k in range(spec.shape[1]):
        power = spec[0, k] * spec[0, k] + spec[1, k] * spec[1, k] + POWER_EPS
        if not started[0]:
            smoothed[k] = power
            noise[k] = power
            prev_gain[k] = 1.0
            prev_snr[k] = 1.0
        smoothed[k] = SMOOTHING * smoothed[k] + (1.0 - SMOOTHING) * power
        noise[k] = smoothed[k] if smoothed[k] < noise[k] else noise[k] * noise_rise
        posterior = power / (NOISE_BIAS * noise[k])
        prior = DECISION_DIRECTED * prev_gain[k] * prev_gain[k] * prev_snr[k]
        prior += (1.0 - DECISION_DIRECTED) * max(posterior - 1.0, 0.0)
        gain = max(prior / (1.0 + prior), GAIN_FLOOR)
        prev_gain[k] = gain
        prev_snr[k] = posterior
        mask[0, k] = gain
        mask[1, k] = 0.0
    started[0] = True


class DspEstimator:
    """The baseline runtime. ``card`` describes the STFT it expects, like a model's card."""

    def __init__(self, sample_rate: int = 48000, n_fft: int = 1024, hop_samples: int = 128) -> None:
        self.card = ModelCard(
            name="dsp-wiener",
            sample_rate=sample_rate,
            n_fft=n_fft,
            hop_samples=hop_samples,
            features={"kind": "noise-floor tracking + decision-directed Wiener gain"},
        )
        hops_per_s = sample_rate / hop_samples
        self._noise_rise = np.float32(10.0 ** (NOISE_RISE_DB_PER_S / 10.0 / hops_per_s))
        self._warm_up()

    def _warm_up(self) -> None:
        # Compile (or load from the numba cache) before any audio thread calls it.
        self.step(np.ones((2, self.card.n_freqs), dtype=np.float32), self.initial_state())

    def initial_state(self) -> DspEstimatorState:
        return DspEstimatorState(self.card.n_freqs)

    def step(self, spec: np.ndarray, state: DspEstimatorState) -> np.ndarray:
        _wiener_step(spec, state.tracks, state.mask, state.started, self._noise_rise)
        return state.mask
