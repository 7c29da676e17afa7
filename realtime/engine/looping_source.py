"""LoopingSource: an audio file played round and round, in place of an input device.

The file is read, resampled and matched to the engine's channel count once, before the stream
starts (a mono file feeds every channel; more channels than the engine has are averaged down).

Real-time contract: ``read_into`` copies from the preloaded audio and allocates nothing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from livedenoise.realtime.file_mode import AudioFileError


class LoopingSource:
    """``audio`` ``(channels, samples)`` float32 at the engine's rate, read in a loop."""

    def __init__(self, path: Path, sample_rate: int, n_channels: int) -> None:
        try:
            audio, file_rate = sf.read(str(path), dtype="float32", always_2d=True)
        except (sf.LibsndfileError, RuntimeError, OSError) as exc:
            raise AudioFileError(f"cannot read {path}: {exc}") from exc
        if audio.shape[0] == 0:
            raise AudioFileError(f"{path} holds no audio")
        if file_rate != sample_rate:
            audio = soxr.resample(audio, file_rate, sample_rate).astype(np.float32)
        audio = audio.T
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
