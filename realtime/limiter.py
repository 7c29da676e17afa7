"""SafetyLimiter: an output gain, then a limit no sample passes, with no latency added.

A denoiser can put out more than it was given: a fuzz-like square at 0.99 peak comes out above full
scale once its harmonics are filtered and put back together, and an output gain pushes anything
further. A device clips that harshly; an integer file clips it silently. This limiter looks at each
sample as it comes (no lookahead, so no delay): where the sample, times the output gain, would pass
the ceiling, the gain drops at once to just what brings it to the ceiling (sample-accurate: nothing
passes), then recovers towards unity with a ``RELEASE_MS`` time constant. One gain for all the
channels, so the stereo image never shifts. It counts the samples it turned down
(``n_limited_samples``): a figure that says the output was too hot.

Real-time contract: ``process_into`` allocates nothing, does no I/O, takes no lock.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

CEILING_DB = -0.1  # dBFS: under full scale, with room for a converter's own rounding
RELEASE_MS = 50.0
MAX_GAIN_DB = 24.0


@njit(cache=True, nogil=True)
def _limit_into(block, gain, ceiling, release, limiting, state):
    """Scale ``block (channels, n)`` in place by ``gain``, then, with ``limiting``, limit it to ``ceiling``.
    ``state[0]``: the limiter's own gain, carried from block to block. Returns the samples turned down."""
    g = state[0]
    n_limited = 0
    for i in range(block.shape[1]):
        peak = 0.0
        for c in range(block.shape[0]):
            x = abs(block[c, i]) * gain
            if x > peak:
                peak = x
        if limiting:
            target = 1.0 if peak <= ceiling else ceiling / peak
            if target < g:
                g = target  # at once: this sample lands on the ceiling
            else:
                g = target - (target - g) * release  # back towards the target, never above it
            if g < 1.0:
                n_limited += 1
        else:
            g = 1.0
        scale = gain * g
        for c in range(block.shape[0]):
            block[c, i] = block[c, i] * scale
    state[0] = g
    return n_limited


class SafetyLimiter:
    """Output gain and a zero-latency limiter for ``(channels, samples)`` float32 blocks at ``sample_rate``."""

    def __init__(
        self,
        sample_rate: int,
        gain_db: float = 0.0,
        enabled: bool = True,
        ceiling_db: float = CEILING_DB,
        release_ms: float = RELEASE_MS,
    ) -> None:
        self.ceiling = 10.0 ** (ceiling_db / 20.0)
        self.release_ms = release_ms
        self.set_sample_rate(sample_rate)
        self.set_gain_db(gain_db)
        self.enabled = bool(enabled)
        self._state = np.ones(1, dtype=np.float64)
        self.n_limited_samples = 0
        for layout in (np.zeros((1, 4), np.float32), np.zeros((4, 2), np.float32).T):
            _limit_into(layout, 1.0, self.ceiling, self.release, True, np.ones(1))  # compiled now, not in a callback

    def set_sample_rate(self, sample_rate: int) -> None:
        self.sample_rate = sample_rate
        self.release = math.exp(-1.0 / (self.release_ms * 1e-3 * sample_rate))

    def set_gain_db(self, gain_db: float) -> None:
        if not -math.inf <= gain_db <= MAX_GAIN_DB or math.isnan(gain_db):
            raise ValueError(f"output gain must be at most {MAX_GAIN_DB:g} dB, got {gain_db}")
        self.gain_db = float(gain_db)
        self.gain = 10.0 ** (gain_db / 20.0)

    def reset(self) -> None:
        self._state[0] = 1.0
        self.n_limited_samples = 0

    def process_into(self, block: np.ndarray) -> None:
        """Gain, then the limit, on ``block`` in place."""
        self.n_limited_samples += _limit_into(block, self.gain, self.ceiling, self.release, self.enabled, self._state)
