"""LoopingSource: an audio file played round and round, in place of an input device.

The file is read, resampled and matched to the engine's channel count once, before the stream
starts (a mono file feeds every channel; more channels than the engine has are averaged down).

Real-time contract: ``read_into`` copies from the preloaded audio and allocates nothing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from livedenoise.realtime.file_mode import read_audio


class LoopingSource:
    """``audio`` ``(channels, samples)`` float32 at the engine's rate, read in a loop."""

    def __init__(self, path: Path, sample_rate: int, n_channels: int) -> None:
        audio = read_audio(path, sample_rate)  # AudioFileError if unusable
        if audio.shape[0] != n_channels:
            mono = audio.mean(axis=0, keepdims=True)
            audio = np.repeat(mono, n_channels, axis=0)
        self.path = path
        self.audio = np.ascontiguousarray(np.nan_to_num(audio, nan=0.0, posinf=0.0, neginf=0.0))
        self._position = 0

    def read_into(self, block: np.ndarray) -> None:
        """Fill ``block`` ``(channels, frames)`` with the next samples, wrapping at the end."""
        n_wanted = block.shape[1]
        n_total = self.audio.shape[1]
        done = 0
        while done < n_wanted:
            n = min(n_wanted - done, n_total - self._position)
            block[:, done : done + n] = self.audio[:, self._position : self._position + n]
            done += n
            self._position = (self._position + n) % n_total
