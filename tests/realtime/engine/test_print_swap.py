"""A print swapped in while the callback streams, as the engine's main thread swaps it: the level steps
down (and back up when it is taken away) within a few hops, and never jumps above what it was, which a
click would."""

from __future__ import annotations

import numpy as np

from livedenoise.realtime.denoiser import StreamingDenoiser
from livedenoise.realtime.engine.callback import EngineCallback
from livedenoise.realtime.noise_print import print_from_audio
from livedenoise.realtime.runtimes.model_choice import open_runtime

SAMPLE_RATE = 48000
HOP = 128


def test_a_print_swap_moves_the_level_without_a_click():
    rng = np.random.default_rng(0)
    # the room, and a held note the dsp runtime's floor tracker has not yet taken for noise
    t = np.arange(6 * SAMPLE_RATE) / SAMPLE_RATE
    room = (0.01 * rng.standard_normal(t.size)).astype(np.float32)
    audio = (room + 0.05 * np.sin(2 * np.pi * 330.0 * t)).astype(np.float32)[np.newaxis]
    runtime = open_runtime("dsp")
    callback = EngineCallback(StreamingDenoiser(runtime, 1), HOP, clock_ns=lambda: 0)
    noise_print = print_from_audio(0.01 * rng.standard_normal(2 * SAMPLE_RATE).astype(np.float32))
    swap_in, swap_out = 2 * SAMPLE_RATE // HOP, 4 * SAMPLE_RATE // HOP
    out = np.zeros_like(audio)
    for k in range(audio.shape[1] // HOP):
        if k == swap_in:
            runtime.set_noise_print(noise_print)
        elif k == swap_out:
            runtime.set_noise_print(None)
        callback.process_block(audio[:, k * HOP : (k + 1) * HOP], out[:, k * HOP : (k + 1) * HOP])
    # above the note, where only the room is: per hop, the high band's level (a click is broadband)
    high = np.fft.irfft(np.fft.rfft(out[0]) * (np.fft.rfftfreq(out.shape[1], 1 / SAMPLE_RATE) > 2000.0), out.shape[1])
    level_db = 10.0 * np.log10(np.mean(high[: high.size // HOP * HOP].reshape(-1, HOP) ** 2, axis=1) + 1e-20)
    before, with_print = level_db[swap_in - 100 : swap_in], level_db[swap_in + 40 : swap_out]
    assert np.median(with_print) < np.median(before) - 10.0  # the print removes the room
    assert level_db[swap_in - 2 : swap_in + 40].max() <= before.max() + 0.5
    after = level_db[swap_out + 40 : swap_out + 140]
    assert level_db[swap_out - 2 : swap_out + 40].max() <= after.max() + 0.5
