"""Median, 99th percentile, maximum and mean of the callback's timings, with the GIL released.

The engine's main thread answers every state request (four a second from ``run``, more from the
app) with these figures over the last 8,192 callbacks. Through numpy's ``percentile`` that took
about 1 ms on the development VM, up to 5 ms under load, much of it with the GIL held, and an audio
callback that wakes meanwhile waits for it. Here the work runs in compiled code that lets go of
the GIL first.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _summary(values, n):
    ordered = np.sort(values[:n].astype(np.float64))
    total = 0.0
    for k in range(n):
        total += ordered[k]
    return _percentile(ordered, 50.0), _percentile(ordered, 99.0), ordered[n - 1], total / n


@njit(cache=True, nogil=True)
def _percentile(ordered, q):
    """As numpy's default (linear) method, on sorted values."""
    position = q / 100.0 * (ordered.size - 1)
    below = int(np.floor(position))
    above = min(below + 1, ordered.size - 1)
    return ordered[below] + (position - below) * (ordered[above] - ordered[below])


def timing_summary(values: np.ndarray, n: int) -> tuple[float, float, float, float]:
    """(p50, p99, max, mean) of ``values[:n]`` (int64 or float); zeros when ``n`` is 0."""
    if n <= 0:
        return 0.0, 0.0, 0.0, 0.0
    return tuple(float(x) for x in _summary(values, n))
