"""TunerFeed: the one place where the window meets the pitch tracker.

Fed with the denoised stream (mono, at the engine's rate) in whatever amounts the source delivers.
The display needs one reading per frame, not one per tracker hop, so the tracker analyses the newest
frame at most ``UPDATES_PER_S`` times a second: its rolling frame holds the newest samples however
they were pushed. Replacing the tracker changes this file only.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from livedenoise.realtime.notes import nearest_note
from livedenoise.realtime.tuner import PitchTracker

UPDATES_PER_S = 25.0
MIN_CONFIDENCE = 0.8  # below this a reading flickers between notes: show nothing
HOLD_S = 0.3  # keep the last note this long after the signal stops being voiced


@dataclass(frozen=True)
class TunerReading:
    hz: float
    note: str
    cents: float


class TunerFeed:
    def __init__(self, sample_rate: int, clock=time.monotonic) -> None:
        self._tracker = PitchTracker(sample_rate)
        self._clock = clock
        self._frame = np.zeros(self._tracker.frame_samples, dtype=np.float32)  # the newest samples
        self._n_between_updates = max(1, round(sample_rate / UPDATES_PER_S))
        self._n_new = 0
        self._last_voiced_s = -math.inf
        self.reading: TunerReading | None = None

    def push(self, samples: np.ndarray) -> TunerReading | None:
        """Feed mono ``(samples,)``; return the current reading (None: no clear pitch)."""
        newest = samples[-self._frame.size :]
        n = newest.size
        self._frame[: self._frame.size - n] = self._frame[n:]
        self._frame[self._frame.size - n :] = newest
        self._n_new += samples.size
        if self._n_new < self._n_between_updates:
            return self.reading
        self._n_new = 0
        hz, confidence = self._tracker.push(self._frame)  # a whole frame: the tracker sees exactly these samples
        now = self._clock()
        if math.isfinite(hz) and confidence >= MIN_CONFIDENCE:
            name, cents, _ = nearest_note(hz)
            self.reading = TunerReading(hz, name, cents)
            self._last_voiced_s = now
        elif now - self._last_voiced_s > HOLD_S:
            self.reading = None
        return self.reading
