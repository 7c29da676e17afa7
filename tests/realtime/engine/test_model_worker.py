"""The mask made one hop ahead: each hop is filtered with the mask of the frames before it, and the
model steps on a thread of its own, so the callback never waits for it; offline, the same order
runs in line and gives the same output whenever the thread keeps up."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from livedenoise.realtime.denoiser import StreamingDenoiser
from livedenoise.realtime.engine.callback import EngineCallback
from livedenoise.realtime.engine.model_worker import N_INPUT_SLOTS
from livedenoise.realtime.runtimes.model_choice import open_runtime

HOP = 128


class RecordingRuntime:
    """Wraps a runtime: keeps a copy of every mask it returns and the thread each step ran on;
    ``delay_s`` makes each step that slow, ``fail`` makes it raise."""

    heavy_step = True

    def __init__(self, runtime, delay_s: float = 0.0) -> None:
        self._runtime = runtime
        self.card = runtime.card
        self.delay_s = delay_s
        self.fail = False
        self.masks: list[np.ndarray] = []
        self.threads: set[int] = set()

    def initial_state(self):
        return self._runtime.initial_state()

    def step(self, spec, state):
        self.threads.add(threading.get_ident())
        if self.fail:
            raise RuntimeError("the model broke")
        if self.delay_s:
            time.sleep(self.delay_s)
        mask = self._runtime.step(spec, state)
        self.masks.append(mask.copy())
        return mask


def _recording_denoiser(delay_s: float = 0.0) -> tuple[StreamingDenoiser, RecordingRuntime]:
    runtime = RecordingRuntime(open_runtime("default"), delay_s)
    denoiser = StreamingDenoiser(runtime, mask_ahead=True)
    runtime.masks.clear()
    runtime.threads.clear()
    return denoiser, runtime


def test_each_hop_takes_the_mask_of_the_frame_before(music_like):
    audio = music_like(seconds=0.3)[0]
    denoiser, runtime = _recording_denoiser()
    applied = []
    for k in range(audio.size // HOP):
        denoiser.process_into(audio[None, k * HOP : (k + 1) * HOP], np.zeros((1, HOP), np.float32))
        applied.append(denoiser.mask.copy())
    assert np.array_equal(applied[0][0], np.ones_like(applied[0][0]))  # no frame before the first
    for k in range(1, len(applied)):
        np.testing.assert_array_equal(applied[k], runtime.masks[k - 1])
    assert not np.array_equal(runtime.masks[5], runtime.masks[6])  # the check can tell masks apart


def test_the_engine_with_its_model_thread_equals_the_offline_denoiser(music_like):
    audio = music_like(seconds=0.5)[0]
    offline, _ = _recording_denoiser()
    expected = np.concatenate([offline.process(audio), offline.flush()])[: audio.size]

    live, runtime = _recording_denoiser()
    callback = EngineCallback(live, HOP)
    try:
        assert live.worker is not None
        n_blocks = audio.size // HOP
        out = np.zeros((1, n_blocks * HOP), np.float32)
        for k in range(n_blocks):
            callback.process_block(audio[None, k * HOP : (k + 1) * HOP], out[:, k * HOP : (k + 1) * HOP])
            assert live.worker.wait_idle(2.0)  # the thread keeps up, as it does in time
        np.testing.assert_array_equal(out[0], expected[: out.shape[1]])
        assert threading.get_ident() not in runtime.threads  # every step ran on the model thread
        assert live.n_late_masks == 0 and callback.stats()["n_late_masks"] == 0
        thread = live.worker._thread
    finally:
        callback.close()
    assert not thread.is_alive()


def test_a_slow_model_gives_late_masks_and_dropped_frames_never_a_waiting_callback(music_like):
    audio = music_like(seconds=0.2)[0]
    denoiser, runtime = _recording_denoiser(delay_s=0.02)
    callback = EngineCallback(denoiser, HOP)
    worker = denoiser.worker
    try:
        out = np.zeros((1, HOP), np.float32)
        n_blocks = audio.size // HOP
        for k in range(n_blocks):
            callback.process_block(audio[None, k * HOP : (k + 1) * HOP], out)
            assert np.all(np.isfinite(out))
        # 20 ms a step: the blocks come far faster than the thread steps
        assert denoiser.n_late_masks > n_blocks // 2
        assert worker.n_dropped > 0 and worker.n_submitted - worker.n_stepped <= N_INPUT_SLOTS
        assert threading.get_ident() not in runtime.threads  # the callback never stepped the model
        assert worker.wait_idle(2.0) and worker.n_stepped == worker.n_submitted
    finally:
        callback.close()


def test_a_failing_model_thread_is_reported_and_the_engine_goes_dry(music_like):
    audio = music_like(seconds=0.2)[0]
    denoiser, runtime = _recording_denoiser()
    callback = EngineCallback(denoiser, HOP)
    try:
        out = np.zeros((1, HOP), np.float32)
        runtime.fail = True
        for k in range(4):
            callback.process_block(audio[None, k * HOP : (k + 1) * HOP], out)
            denoiser.worker.wait_idle(2.0)
        assert denoiser.n_model_errors > 0 and callback.model_failed
        callback.process_block(audio[None, 4 * HOP : 5 * HOP], out)
        assert denoiser.mask is denoiser._unit_mask  # dry from now on, the stream goes on
    finally:
        callback.close()


def test_closing_stops_the_thread_and_reset_starts_a_fresh_stream(music_like):
    audio = music_like(seconds=0.1)[0]
    denoiser, runtime = _recording_denoiser()
    denoiser.start_worker()
    worker = denoiser.worker
    out = np.zeros((1, HOP), np.float32)
    for k in range(audio.size // HOP):
        denoiser.process_into(audio[None, k * HOP : (k + 1) * HOP], out)
    denoiser.reset()
    assert worker.n_submitted == worker.n_stepped == 0 and np.all(worker.mask[0] == 1.0)
    denoiser.close()
    assert not worker._thread.is_alive() and denoiser.worker is None


@pytest.mark.parametrize("model", ["identity", "dsp"])
def test_only_a_heavy_step_gets_a_thread(model):
    """The identity path has no step; the DSP baseline's costs tens of microseconds and stays in line
    (on the thread it gave callbacks of 59 ms in `bench e2e`)."""
    denoiser = StreamingDenoiser(open_runtime(model), mask_ahead=True)
    denoiser.start_worker()
    assert denoiser.worker is None
    onnx = StreamingDenoiser(open_runtime("default"), mask_ahead=True)
    onnx.start_worker()
    assert onnx.worker is not None
    onnx.close()
