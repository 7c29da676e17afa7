"""ModelWorker: the model's step on its own thread, one hop ahead of the audio callback.

A denoiser built with ``mask_ahead`` filters each hop with the mask the model made from the frames
before it. The model step for a frame can then run after the callback that analysed it has
returned, here, with the whole next period to finish in, and the callback costs what the identity
path costs. Measured with v7 on the unseen-source dev set, a mask one hop (2.7 ms) old loses
0.08 dB of SI-SDR improvement; the audio latency does not move.

The callback writes each frame's model input straight into a free input slot and ``submit``s it:
one byte into a pipe wakes this thread (no lock, no allocation). The thread steps the model on
every frame in order (the model is recurrent) and publishes each mask into one of three slots, so
the callback never reads the slot being written. ``mask`` is the newest published one; ``lag`` is
how many submitted frames it has not stepped yet. ONNX Runtime releases the GIL while it runs, so
the callback waits at most for this thread's few lines of Python.
"""

from __future__ import annotations

import os
import threading
import time

import numpy as np

from livedenoise.realtime.engine.thread_priority import set_realtime
from livedenoise.realtime.runtimes.protocol import ModelRuntime

N_INPUT_SLOTS = 8  # frames the thread may fall behind before frames are dropped
N_MASK_SLOTS = 3
WAKE = b"\0"
REALTIME_PRIORITY = 10  # above the engine's housekeeping thread, below the audio server's threads
JOIN_TIMEOUT_S = 2.0


class ModelWorker:
    def __init__(self, runtime: ModelRuntime, state, n_freqs: int) -> None:
        self.runtime = runtime
        self._state = state
        inputs = np.zeros((N_INPUT_SLOTS, 2, n_freqs), dtype=np.float32)
        masks = np.zeros((N_MASK_SLOTS, 2, n_freqs), dtype=np.float32)
        # views made once: indexing a list allocates nothing, slicing an array does
        self._input_slots = [inputs[k] for k in range(N_INPUT_SLOTS)]
        self._mask_slots = [masks[k] for k in range(N_MASK_SLOTS)]
        self._read_fd, self._write_fd = os.pipe()
        os.set_blocking(self._write_fd, False)
        self._running = True
        self.n_submitted = self.n_stepped = 0
        self.restart(state)
        self._thread = threading.Thread(target=self._serve, name="livedenoise-model", daemon=True)
        self._thread.start()

    def restart(self, state) -> None:
        """A new stream with ``state``, once the frames already submitted are stepped (the caller
        submits none meanwhile: the stream is not running)."""
        self.wait_idle()
        self._state = state
        for mask in self._mask_slots:
            mask[0] = 1.0
            mask[1] = 0.0
        self.n_submitted = 0  # written by the audio thread only
        self.n_dropped = 0  # audio thread
        self.n_stepped = 0  # written by the worker thread only
        self.n_model_errors = 0  # worker thread

    # ---- audio thread -----------------------------------------------------------------------

    @property
    def mask(self) -> np.ndarray:
        """The newest mask, for the frame after the last one stepped."""
        return self._mask_slots[self.n_stepped % N_MASK_SLOTS]

    @property
    def lag(self) -> int:
        return self.n_submitted - self.n_stepped

    def free_slot(self) -> np.ndarray | None:
        """Where the next frame's model input goes, or None when the thread is too far behind."""
        if self.n_submitted - self.n_stepped >= N_INPUT_SLOTS:
            return None
        return self._input_slots[self.n_submitted % N_INPUT_SLOTS]

    def submit(self) -> None:
        """Hand over the frame just written into ``free_slot()``."""
        self.n_submitted += 1
        try:
            os.write(self._write_fd, WAKE)
        except BlockingIOError:
            pass  # the pipe is full of wake-ups already

    def drop(self) -> None:
        """Count a frame that found no free slot (the model's state skips it)."""
        self.n_dropped += 1

    # ---- owner thread -----------------------------------------------------------------------

    def wait_idle(self, timeout_s: float = 1.0) -> bool:
        """Wait until every submitted frame is stepped; whether it was."""
        deadline = time.monotonic() + timeout_s
        while self.n_stepped < self.n_submitted and time.monotonic() < deadline:
            time.sleep(1e-4)
        return self.n_stepped >= self.n_submitted

    def close(self) -> None:
        """Stop the thread and release its pipe; the runtime is the owner's to release."""
        if not self._running:
            return
        self._running = False
        os.set_blocking(self._write_fd, True)
        os.write(self._write_fd, WAKE)
        self._thread.join(JOIN_TIMEOUT_S)
        os.close(self._write_fd)
        os.close(self._read_fd)

    # ---- worker thread ----------------------------------------------------------------------

    def _serve(self) -> None:
        set_realtime(REALTIME_PRIORITY)  # where the system allows it; ordinary scheduling otherwise
        while True:
            os.read(self._read_fd, 4096)  # blocks, the GIL released, until a frame or close()
            if not self._running:
                return
            while self.n_stepped < self.n_submitted:
                k = self.n_stepped
                target = self._mask_slots[(k + 1) % N_MASK_SLOTS]
                try:
                    np.copyto(target, self.runtime.step(self._input_slots[k % N_INPUT_SLOTS], self._state))
                except Exception:
                    self.n_model_errors += 1  # the engine sees it and stops calling the model
                    target[0] = 1.0
                    target[1] = 0.0
                self.n_stepped = k + 1
