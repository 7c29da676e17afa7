"""The memory layouts a hop arrives in, for compiling kernels before a stream starts.

Hops are ``(channels, hop_samples)`` float32. The denoiser's own buffers are in C order; an audio
device hands over ``(frames, channels)`` buffers, which the engine passes on transposed (Fortran
order, once there is more than one channel). A numba kernel compiles once per layout, and a compile
inside an audio callback takes milliseconds, so every real-time kernel is warmed up on both.
"""

from __future__ import annotations

import numpy as np


def hop_layouts(n_channels: int, hop_samples: int) -> tuple[np.ndarray, np.ndarray]:
    """Zeroed hops ``(channels, hop_samples)``: one in C order, one a transposed device buffer."""
    return (
        np.zeros((n_channels, hop_samples), dtype=np.float32),
        np.zeros((hop_samples, n_channels), dtype=np.float32).T,
    )
