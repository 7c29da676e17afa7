"""PolyphaseResampler: a streaming rational-rate resampler for the audio callback, short and exact.

A device at 44.1, 88.2 or 96 kHz reaches the model's 48 kHz through one of these each way. soxr's
streaming resampler is the one for files (``file_mode.Resampler``), but live it will not do: its
filters are long and linear-phase, so it holds back 8-18 ms of audio at its usual qualities (its
``delay()`` at 44.1 <-> 48 kHz is 390-890 samples), and each call returns a new array, which the
audio callback may not allocate.

This one converts by L/M (``L = rate_out / g``, ``M = rate_in / g``, ``g`` their gcd) with one
Kaiser-windowed sinc prototype cut at half the lower rate, split into L phases of ``n_taps`` taps:
output n is the input filtered at up-sampled position n*M. The filter is sized for the band musicians
hear: flat and alias-free to ``PASS_FRACTION`` of the lower Nyquist (18 kHz at 44.1 kHz), 70 dB down
where an alias would fold into that band, and no longer: 25 taps at 44.1 kHz, 0.28 ms of delay each
way (``delay_s``). Each output is made as soon as its newest input sample has arrived, so a block of
input gives every output it can (the count varies by one from block to block; ``n_out_for`` says it
beforehand) and nothing waits for the next call.

Real-time contract: ``process_into`` allocates nothing, does no I/O, takes no lock: one compiled call
over preallocated buffers.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

PASS_FRACTION = 0.82  # of the lower rate's Nyquist: flat and alias-free below it
STOPBAND_DB = 70.0
MIN_RATE_HZ = 32000
MAX_RATE_HZ = 192000


def kaiser_beta(stopband_db: float) -> float:
    return 0.1102 * (stopband_db - 8.7)


def design_bank(rate_in: int, rate_out: int) -> tuple[np.ndarray, int, int]:
    """``(bank (L, n_taps) float32, L, M)``: each phase's taps, newest input first; each phase sums to 1."""
    g = math.gcd(rate_in, rate_out)
    n_up, n_down = rate_out // g, rate_in // g
    low_hz = min(rate_in, rate_out)
    pass_hz = PASS_FRACTION * low_hz / 2
    transition_hz = (low_hz - pass_hz) - pass_hz  # an alias of the band edge folds back to it from here
    n_taps = math.ceil((STOPBAND_DB - 7.95) * rate_in / (2.285 * 2 * math.pi * transition_hz)) + 1
    n = n_taps * n_up
    up_rate = rate_in * n_up
    cutoff = low_hz / 2 / up_rate  # cycles per up-sampled sample
    i = np.arange(n) - (n - 1) / 2
    prototype = 2 * cutoff * np.sinc(2 * cutoff * i) * np.kaiser(n, kaiser_beta(STOPBAND_DB))
    # phase p holds prototype[p + m * L] for m = 0..n_taps-1, applied to x[k0 - m]
    bank = prototype.reshape(n_taps, n_up).T.copy()
    bank /= bank.sum(axis=1, keepdims=True)
    return bank.astype(np.float32), n_up, n_down


@njit(cache=True, nogil=True)
def _resample_into(block, history, bank, n_up, n_down, position, out):
    """Resample ``block`` (channels, n) after ``history`` (channels, n_taps - 1 + max_in): writes ``out`` and
    returns ``(n_out, new position)``. ``position``: the next output's up-sampled index, counted from the
    block's first sample."""
    n_channels, n_in = block.shape
    n_taps = bank.shape[1]
    keep = n_taps - 1
    for c in range(n_channels):
        for i in range(n_in):
            history[c, keep + i] = block[c, i]
    n_out = 0
    limit = n_in * n_up
    while position < limit:
        newest = keep + position // n_up
        phase = bank[position % n_up]
        for c in range(n_channels):
            acc = np.float32(0.0)
            for m in range(n_taps):
                acc += phase[m] * history[c, newest - m]
            out[c, n_out] = acc
        n_out += 1
        position += n_down
    for c in range(n_channels):
        for i in range(keep):
            history[c, i] = history[c, n_in + i]
    return n_out, position - limit


class PolyphaseResampler:
    """``(channels, n)`` float32 blocks of at most ``max_in`` samples at ``rate_in`` -> ``rate_out``."""

    def __init__(self, rate_in: int, rate_out: int, n_channels: int, max_in: int) -> None:
        for rate in (rate_in, rate_out):
            if not MIN_RATE_HZ <= rate <= MAX_RATE_HZ:
                raise ValueError(f"sample rate {rate} Hz is outside {MIN_RATE_HZ}-{MAX_RATE_HZ} Hz")
        if n_channels <= 0 or max_in <= 0:
            raise ValueError("n_channels and max_in must be positive")
        self.rate_in, self.rate_out = rate_in, rate_out
        self.n_channels, self.max_in = n_channels, max_in
        self.bank, self.n_up, self.n_down = design_bank(rate_in, rate_out)
        self.n_taps = self.bank.shape[1]
        self.max_out = -(-max_in * self.n_up // self.n_down) + 1
        self._history = np.zeros((n_channels, self.n_taps - 1 + max_in), dtype=np.float32)
        self._position = 0
        for layout in (np.zeros((n_channels, max_in), np.float32), np.zeros((max_in, n_channels), np.float32).T):
            out = np.zeros((n_channels, self.max_out), np.float32)
            _resample_into(layout, self._history, self.bank, self.n_up, self.n_down, 0, out)  # compiled now
        self.reset()

    @property
    def delay_s(self) -> float:
        """How late the output is against the input: the prototype's group delay."""
        return (self.n_taps * self.n_up - 1) / 2 / (self.rate_in * self.n_up)

    def reset(self) -> None:
        self._history[...] = 0.0
        self._position = 0

    def n_out_for(self, n_in: int) -> int:
        """How many samples the next ``process_into`` of ``n_in`` samples gives."""
        limit = n_in * self.n_up
        return max(0, -(-(limit - self._position) // self.n_down))

    def advance_count(self, n_in: int) -> int:
        """``n_out_for(n_in)``, then move on as ``process_into`` would, without touching audio (for planning)."""
        n_out = self.n_out_for(n_in)
        self._position += n_out * self.n_down - n_in * self.n_up
        return n_out

    def process_into(self, block: np.ndarray, out: np.ndarray) -> int:
        """Resample ``block`` ``(channels, n <= max_in)`` into ``out`` ``(channels, >= n_out_for(n))``; the count."""
        n_out, self._position = _resample_into(
            block, self._history, self.bank, self.n_up, self.n_down, self._position, out
        )
        return n_out
