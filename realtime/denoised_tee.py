"""DenoisedTee: the engine's denoised tap read once, every sample handed to each of several consumers.

The engine publishes the denoised signal into one shared ring (``Taps.denoised``), and the process
that drives it reads that ring from one position: two consumers reading it in turn would each get
only the blocks the other left. ``tune --record`` has two (the pitch tracker and the recorder), so
the tee reads the tap and gives the same audio to both: to the caller, who asked for it (``read``),
and to each sink, through ``write(audio)``. Hops the ring dropped before they were read (a reader
seconds behind) reach every consumer as a count of lost samples (``skip(n_samples)`` for a sink), so
each keeps the stream's timing. ``TapRecorder`` is such a sink.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

READ_SAMPLES = 48000  # per read of the ring: the whole of it (2.7 s) comes over in a few reads


class DenoisedSink(Protocol):
    def write(self, audio: np.ndarray) -> None:
        """Denoised audio ``(samples,)``, in stream order."""

    def skip(self, n_samples: int) -> None:
        """``n_samples`` of the stream were lost before this point."""


class DenoisedTee:
    """Reads the denoised tap of ``engine`` (an ``EngineProcess``) for the caller and ``sinks``."""

    def __init__(self, engine, sinks: list[DenoisedSink] | tuple[DenoisedSink, ...] = ()) -> None:
        self.engine = engine
        self.sinks = list(sinks)
        self._n_dropped_seen = engine.n_dropped_denoised_samples

    def read(self, max_samples: int = READ_SAMPLES) -> tuple[int, np.ndarray]:
        """``(n_lost_samples, audio)``: what the tap lost since the last read, then up to ``max_samples``
        of what it holds ``(samples,)``; every sink has been given both, in that order."""
        audio = self.engine.read_denoised(max_samples)
        dropped = self.engine.n_dropped_denoised_samples
        n_lost, self._n_dropped_seen = max(0, dropped - self._n_dropped_seen), dropped
        for sink in self.sinks:
            if n_lost:
                sink.skip(n_lost)
            if audio.size:
                sink.write(audio)
        return n_lost, audio

    def drain(self) -> None:
        """Hand the sinks everything the tap holds now (the caller takes none of it). Without sinks nothing
        is read: a read wakes the tap in the audio process."""
        while self.sinks and self.read()[1].size:
            pass

    def restarted(self) -> None:
        """The engine is a fresh process (``EngineProcess.restart``): its tap counts from zero."""
        self._n_dropped_seen = self.engine.n_dropped_denoised_samples
