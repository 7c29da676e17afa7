"""Learning the room inside the engine's callback: the print equals the one made offline from the same
seconds, at every block size, stereo too; learning and refining leave the audio untouched."""

from __future__ import annotations

import numpy as np
import pytest

from livedenoise.realtime.denoiser import StreamingDenoiser
from livedenoise.realtime.engine.callback import EngineCallback
from livedenoise.realtime.engine.print_learner import PrintLearner
from livedenoise.realtime.engine.print_refiner import PrintRefiner
from livedenoise.realtime.noise_print import NoisePrintError, print_from_audio
from livedenoise.realtime.runtimes.model_choice import open_runtime

SAMPLE_RATE = 48000
N_FFT = 1024
HOP = 128
N_FILL = N_FFT // HOP - 1


def make_callback(n_channels: int, blocksize: int, model: str = "identity") -> EngineCallback:
    # a clock that stands still: the overload guard never sends a hop dry on a busy machine
    return EngineCallback(StreamingDenoiser(open_runtime(model), n_channels), blocksize, clock_ns=lambda: 0)


def stream(callback: EngineCallback, audio: np.ndarray) -> np.ndarray:
    """``audio`` ``(channels, samples)`` through the callback in its blocks; what came out."""
    out = np.zeros_like(audio)
    block = callback.blocksize
    for start in range(0, audio.shape[1] - block + 1, block):
        callback.process_block(audio[:, start : start + block], out[:, start : start + block])
    return out


def room(n_channels: int, seconds: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (0.01 * rng.standard_normal((n_channels, int(seconds * SAMPLE_RATE)))).astype(np.float32)


@pytest.mark.parametrize(("n_channels", "blocksize"), [(1, 128), (1, 100), (1, 256), (2, 128), (2, 1024)])
def test_a_print_learned_in_the_callback_equals_the_print_of_the_same_seconds(n_channels, blocksize):
    callback = make_callback(n_channels, blocksize)
    learner = PrintLearner(SAMPLE_RATE, N_FFT, HOP, n_channels)
    learner.learn(1.0, n_skip=N_FILL)  # armed before the stream starts, as the engine arms it
    callback.print_learner = learner
    audio = room(n_channels, 2.0)
    stream(callback, audio)
    assert learner.done and learner.seconds_left == 0.0
    learned = learner.take_print("the room")
    offline = print_from_audio(audio[:, : int(learned.duration_s * SAMPLE_RATE)], source="the room")
    assert learned.duration_s == pytest.approx(1.0, abs=HOP / SAMPLE_RATE)
    np.testing.assert_allclose(learned.power_db, offline.power_db, atol=1e-3)
    np.testing.assert_allclose(learned.mean_db, offline.mean_db, atol=1e-3)
    np.testing.assert_allclose(learned.spread_db, offline.spread_db, atol=1e-3)
    assert learned.level_dbfs == pytest.approx(offline.level_dbfs, abs=1e-3)


def test_learning_and_refining_leave_the_audio_untouched():
    audio = room(1, 2.0, seed=1)
    plain = stream(make_callback(1, 128, "dsp"), audio)
    watched = make_callback(1, 128, "dsp")
    watched.print_learner = PrintLearner(SAMPLE_RATE, N_FFT, HOP, 1)
    watched.print_learner.learn(1.0, n_skip=N_FILL)
    watched.print_refiner = PrintRefiner(SAMPLE_RATE, N_FFT, HOP, 1)
    watched.print_refiner.seed(print_from_audio(room(1, 1.0, seed=2)))
    np.testing.assert_array_equal(stream(watched, audio), plain)
    assert watched.print_refiner.n_judged > 0


def test_a_silent_room_is_refused_and_a_learning_time_out_of_range_too():
    callback = make_callback(1, 128)
    learner = PrintLearner(SAMPLE_RATE, N_FFT, HOP, 1)
    learner.learn(0.5)
    callback.print_learner = learner
    stream(callback, np.zeros((1, SAMPLE_RATE), dtype=np.float32))
    assert learner.done
    with pytest.raises(NoisePrintError, match="digital silence"):
        learner.take_print()
    for seconds in (0.1, 600.0):
        with pytest.raises(ValueError, match="learning takes"):
            learner.learn(seconds)
