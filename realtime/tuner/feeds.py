"""Tuner readings without the app: from a recording through the denoiser, or from a running engine.

``file_readings`` reads a file in blocks, brings it to the model's rate, denoises it with the same
``StreamingDenoiser`` the live path runs (any ``--model``), and tunes the channel mean of the output,
as the engine's denoised tap does. ``engine_readings`` tunes an ``EngineProcess``'s denoised tap
while it runs (through a ``DenoisedTee``, whose sinks, a recorder say, get the same audio). Both
yield every reading in order (``TunerReading.index`` 0, 1, 2, ...); ``time_s`` is when the reading
is ready in the denoised stream, so it includes the denoiser's latency, as a tuner listening live
would see it. Hops the engine's tap dropped (a reader that fell behind by
seconds) are skipped in time, and the analysis starts afresh after them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import soundfile as sf

from livedenoise.realtime.denoised_tee import DenoisedTee
from livedenoise.realtime.denoiser import StreamingDenoiser
from livedenoise.realtime.file_mode import BLOCK_FRAMES, Resampler, check_input, read_blocks
from livedenoise.realtime.noise_print import NoisePrint
from livedenoise.realtime.runtimes.model_choice import open_runtime
from livedenoise.realtime.tuner.notes import A4_HZ
from livedenoise.realtime.tuner.tuner import Tuner, TunerReading

POLL_S = 0.02
READ_MAX_SAMPLES = 1 << 15


def file_readings(
    path: str | Path,
    model: str = "default",
    provider: str = "cpu",
    strength_db: float = 40.0,
    reference_hz: float = A4_HZ,
    block_frames: int = BLOCK_FRAMES,
    noise_print: NoisePrint | None = None,
) -> Iterator[TunerReading]:
    """Tuner readings of the recording at ``path``, denoised by ``model`` (``"identity"``: as it is), with
    ``noise_print`` where one is given."""
    path = Path(path)
    info = check_input(path)
    runtime = open_runtime(model, provider, noise_print=noise_print)
    rate = runtime.card.sample_rate
    denoiser = StreamingDenoiser(runtime, n_channels=info.channels, strength_db=strength_db)
    tuner = Tuner(rate, reference_hz=reference_hz)
    to_model = Resampler(info.samplerate, rate, info.channels)
    with sf.SoundFile(str(path)) as src:
        for block in read_blocks(src, block_frames):
            yield from tuner.feed(denoiser.process(to_model(block).T).mean(axis=0))
        yield from tuner.feed(
            denoiser.process(to_model(np.zeros((0, info.channels), np.float32), last=True).T).mean(axis=0)
        )
        yield from tuner.feed(denoiser.flush().mean(axis=0))


def engine_readings(
    engine,
    reference_hz: float = A4_HZ,
    stop: threading.Event | None = None,
    poll_s: float = POLL_S,
    tuner: Tuner | None = None,
    tap: DenoisedTee | None = None,
) -> Iterator[TunerReading]:
    """Tuner readings of a started ``EngineProcess``'s denoised audio, until it ends or ``stop`` is set.
    ``tuner``: one made (and warmed up) beforehand, at the engine's rate; else a new one. ``tap``: the
    reader of the engine's tap, whose sinks get every sample the tuner gets; else one of its own."""
    sample_rate = int(engine.state()["sample_rate"])
    if tuner is None:
        tuner = Tuner(sample_rate, reference_hz=reference_hz)
    elif tuner.sample_rate != sample_rate:
        raise ValueError(f"the tuner runs at {tuner.sample_rate} Hz and the engine at {sample_rate} Hz")
    if tap is None:
        tap = DenoisedTee(engine)
    while engine.alive and not (stop is not None and stop.is_set()):
        n_lost, audio = tap.read(READ_MAX_SAMPLES)
        if n_lost:
            tuner.skip(n_lost)
        if audio.size == 0:
            time.sleep(poll_s)
            continue
        yield from tuner.feed(audio)
