"""Preallocated single-producer/single-consumer float32 ring buffer.

One thread writes, one thread reads. Each side only ever advances its own counter, after its copy
is done, so the other side never sees a half-written block; under the GIL an int store is atomic,
so no lock is needed. Nothing allocates after construction. A write that does not fit keeps what
fits and counts the rest as overflow; a read that finds too little pads with zeros and counts the
missing samples as underflow: the audio side always gets a full buffer.
"""

from __future__ import annotations

import numpy as np


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
        n_free = self.n_writable
        if n > n_free:
            self.overflow_samples += n - n_free
            n = n_free
        start = self._written % self.capacity_samples
        first = min(n, self.capacity_samples - start)
        self._data[:, start : start + first] = block[:, :first]
        if n > first:
            self._data[:, : n - first] = block[:, first:n]
        self._written += n
        return n

    def read_into(self, out: np.ndarray) -> int:
        """Fill ``out`` ``(channels, n)`` with the oldest samples; zero-pad what is missing."""
        n_wanted = out.shape[-1]
        n = min(n_wanted, self.n_readable)
        start = self._read % self.capacity_samples
        first = min(n, self.capacity_samples - start)
        out[:, :first] = self._data[:, start : start + first]
        if n > first:
            out[:, first:n] = self._data[:, : n - first]
        if n < n_wanted:
            out[:, n:] = 0.0
            self.underflow_samples += n_wanted - n
        self._read += n
        return n

    def clear(self) -> None:
        """Drop everything readable (reader side)."""
        self._read = self._written
