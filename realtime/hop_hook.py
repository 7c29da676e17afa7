"""HopHook: something that acts on each denoised hop in place, after the model (the noise gate).

It is given the hop ``(channels, hop_samples)`` float32 to change in place, and, for the same hop,
the model's mask ``(2, n_freqs)`` (real, imaginary; the model's own estimate, before the strength
limit) and the noisy input spectrum ``(channels, n_freqs)`` complex64. It acts on the hop it is
given and adds no delay, so its output stays aligned with the denoiser's.

``process_into`` runs in the audio callback and must not allocate; ``configure`` runs on the
owner's thread and only stores new parameters for the next hop; ``reset`` starts a new stream;
``is_open`` says whether it lets sound through now.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class HopHook(Protocol):
    def process_into(self, hop: np.ndarray, mask: np.ndarray, spectrum: np.ndarray) -> None: ...

    def configure(self, **params) -> None: ...

    def reset(self) -> None: ...

    @property
    def is_open(self) -> bool: ...
