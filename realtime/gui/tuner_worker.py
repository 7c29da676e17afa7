"""TunerWorker: the app's tuner on a thread of its own, off the window's.

Pitch tracking costs up to a few milliseconds a reading at the low strings (YIN over a 4096-sample
window), and the window's thread also draws the plots: run there, a busy moment made it read the
denoised tap too late (the tap dropped audio) and the panel showed "no pitch". The window still
reads the tap, a copy; it hands the audio over here (``submit``) and shows the newest reading
(``latest``). Audio the worker could not take in time is counted and skipped by the tuner, so its
readings keep their timing.
"""

from __future__ import annotations

import queue
import threading

import numpy as np

from livedenoise.realtime.tuner.tuner import Tuner, TunerReading

MAX_PENDING = 64  # blocks of audio waiting; at 60 frames a second, about a second of them
WAIT_S = 0.1


class TunerWorker:
    def __init__(self, tuner: Tuner) -> None:
        self.tuner = tuner
        self._queue: queue.Queue[np.ndarray] = queue.Queue(maxsize=MAX_PENDING)
        self._latest: TunerReading | None = None
        self._n_lost_offered = 0  # written by the window's thread only
        self.n_lost_samples = 0  # by this one only: what it has skipped
        self._reference_hz: float | None = None
        self._running = True
        self._thread = threading.Thread(target=self._work, name="livedenoise-tuner", daemon=True)
        self._thread.start()

    def submit(self, audio: np.ndarray) -> None:
        """Denoised audio ``(samples,)`` in stream order (the window's thread)."""
        if audio.size == 0:
            return
        try:
            self._queue.put_nowait(audio)
        except queue.Full:
            self._n_lost_offered += audio.size

    def latest(self) -> TunerReading | None:
        """The newest reading since the last call, None when there is none."""
        reading, self._latest = self._latest, None
        return reading

    def set_reference_hz(self, reference_hz: float) -> None:
        self._reference_hz = reference_hz  # applied on the worker's thread, between readings

    def close(self) -> None:
        self._running = False
        self._thread.join(2.0)

    def _work(self) -> None:
        while self._running:
            try:
                audio = self._queue.get(timeout=WAIT_S)
            except queue.Empty:
                continue
            lost = self._n_lost_offered - self.n_lost_samples
            if lost:
                self.tuner.skip(lost)
                self.n_lost_samples += lost
            if self._reference_hz is not None:
                self.tuner.reference_hz, self._reference_hz = self._reference_hz, None
            readings = self.tuner.feed(audio)
            if readings:
                self._latest = readings[-1]
