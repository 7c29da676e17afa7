"""TapRecorder: the engine's denoised signal written to a file by the process that drives the engine.

The audio callback never writes a file: the engine publishes each denoised hop (the channels' mean)
into a shared ring (``Taps.denoised``, 2.7 s deep), and this process drains it into the file at its
own pace, as a sink of the tap's one reader (``DenoisedTee``: ``run`` and ``tune`` a few times a
second, ``tune``'s pitch tracker reading beside it) or with what the app's window read for its
tuner too (``write``). Hops a slow reader lost are written as silence of the same length, counted,
so the recording keeps its timing. The file is written beside its path and renamed into place by
``close``; a format that cannot hold a sample past full scale (FLAC, 16-bit WAV...) goes through the
same safety limit as the live output (``SafetyLimiter``).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

from livedenoise.realtime.file_mode import FLOAT_SUBTYPES, WRITABLE_EXTENSIONS, AudioFileError
from livedenoise.realtime.limiter import SafetyLimiter
from livedenoise.realtime.output_files import new_file_mode

SUBTYPES = {"FLAC": "PCM_24", "WAV": "FLOAT", "AIFF": "PCM_24", "OGG": "VORBIS"}


class TapRecorder:
    """Records a denoised tap to ``path`` at ``sample_rate``, mono."""

    def __init__(self, path: Path, sample_rate: int) -> None:
        fmt = WRITABLE_EXTENSIONS.get(path.suffix.lstrip(".").upper())
        subtype = SUBTYPES.get(fmt)
        if subtype is None or path.suffix.lower() == ".opus":
            raise AudioFileError(f"cannot record to {path}: use .flac, .wav, .aiff or .ogg")
        self.path = path
        self.sample_rate = sample_rate
        fd, self._tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        os.fchmod(fd, new_file_mode(path))
        os.close(fd)
        self._file = sf.SoundFile(self._tmp_name, "w", samplerate=sample_rate, channels=1, format=fmt, subtype=subtype)
        self.limiter = None if subtype in FLOAT_SUBTYPES else SafetyLimiter(sample_rate)
        self.n_samples = 0
        self.n_lost_samples = 0

    @property
    def seconds(self) -> float:
        return self.n_samples / self.sample_rate

    def skip(self, n_samples: int) -> None:
        """``n_samples`` the tap lost: silence, counted."""
        self.write(np.zeros(n_samples, dtype=np.float32))
        self.n_lost_samples += n_samples

    def write(self, audio: np.ndarray) -> None:
        """Denoised audio ``(samples,)`` in order."""
        audio = np.array(audio, dtype=np.float32)  # our own copy: the limit works in place
        if self.limiter is not None:
            self.limiter.process_into(audio[None, :])
        self._file.write(audio)
        self.n_samples += audio.size

    def describe(self) -> str:
        """What was recorded, in one line."""
        lost_s = self.n_lost_samples / self.sample_rate
        lost = f" ({lost_s:.2f} s lost, written as silence)" if self.n_lost_samples else ""
        return f"recorded {self.seconds:.1f} s to {self.path}{lost}"

    def close(self) -> None:
        """Finish the file and move it into place."""
        self._file.close()
        os.replace(self._tmp_name, self.path)

    def discard(self) -> None:
        self._file.close()
        Path(self._tmp_name).unlink(missing_ok=True)
