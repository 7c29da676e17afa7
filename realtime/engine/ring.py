"""Preallocated single-producer/single-consumer float32 ring buffer.

One thread writes, one thread reads. Each side only ever advances its own counter, after its copy
is done, so the other side never sees a half-written block; under the GIL an int store is atomic,
so no lock is needed. Nothing allocates after construction; each copy is one compiled call
(``real_fft`` says why). A write that does not fit keeps what fits and counts the rest as overflow;
a read that finds too little pads with zeros and counts the missing samples as underflow: the audio
side always gets a full buffer.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _copy_in(data, start, block, n):
    """``block[:, :n]`` into the ring ``data`` from column ``start``, wrapping."""
    capacity = data.shape[1]
    for c in range(data.shape[0]):
        j = start
        for i in range(n):
            data[c, j] = block[c, i]
            j += 1
            if j == capacity:
                j = 0


@njit(cache=True, nogil=True)
def _copy_out(data, start, out, n):
    """``n`` columns of ``data`` from ``start``, wrapping, into ``out``; zeros after them."""
    capacity = data.shape[1]
    for c in range(data.shape[0]):
        j = start
        for i in range(n):
            out[c, i] = data[c, j]
            j += 1
            if j == capacity:
                j = 0
        for i in range(n, out.shape[1]):
            out[c, i] = 0.0


class RingBuffer:
    """Frames of ``n_channels`` float32 samples, ``capacity_samples`` deep. Blocks are ``(channels, samples)``."""

    def __init__(self, n_channels: int, capacity_samples: int) -> None:
        if n_channels <= 0 or capacity_samples <= 0:
            raise ValueError("n_channels and capacity_samples must be positive")
        self.n_channels = n_channels
        self.capacity_samples = capacity_samples
        self._data = np.zeros((n_channels, capacity_samples), dtype=np.float32)
        self._written = 0  # total samples ever written (writer-owned)
        self._read = 0  # total samples ever read (reader-owned)
        self.overflow_samples = 0
        self.underflow_samples = 0

    @property
    def n_readable(self) -> int:
        return self._written - self._read

    @property
    def n_writable(self) -> int:
        return self.capacity_samples - (self._written - self._read)

    def write(self, block: np.ndarray) -> int:
        """Append ``block`` ``(channels, n)``; return how many samples were stored."""
        n = block.shape[-1]
        n_free = self.capacity_samples - (self._written - self._read)
        if n > n_free:
            self.overflow_samples += n - n_free
            n = n_free
        _copy_in(self._data, self._written % self.capacity_samples, block, n)
        self._written += n
        return n

    def read_into(self, out: np.ndarray) -> int:
        """Fill ``out`` ``(channels, n)`` with the oldest samples; zero-pad what is missing."""
        n_wanted = out.shape[-1]
        n = min(n_wanted, self._written - self._read)
        _copy_out(self._data, self._read % self.capacity_samples, out, n)
        if n < n_wanted:
            self.underflow_samples += n_wanted - n
        self._read += n
        return n

    def clear(self) -> None:
        """Drop everything readable (reader side)."""
        self._read = self._written
