"""Front ends: what a bench puts audio through before it scores it, our models and the peers alike.

A front end has a ``name``, a ``description``, the ``sample_rate`` it runs at, ``hop_samples``,
``causal``, ``latency()`` (a ``Latency``), ``process_mono(audio, sample_rate)`` returning the
output aligned with the input and of its length, ``timing_stats()`` (compute per hop and the
real-time factor, over every call so far) and ``describe()`` (what a report says about it).

A model runs through a fresh ``StreamingDenoiser`` on every call, exactly as file mode runs a file:
the whole input, ``flush()`` for the tail, ``latency_samples`` cut from the front. The peers
(``bench/peers.py``) have the same shape already.
"""

from __future__ import annotations

import math
from typing import Any, Protocol

import numpy as np

from livedenoise.bench import peers
from livedenoise.realtime.denoiser import StreamingDenoiser
from livedenoise.realtime.latency import Latency
from livedenoise.realtime.runtimes.model_choice import open_runtime
from livedenoise.realtime.runtimes.protocol import ModelLoadError


class FrontEnd(Protocol):
    """What a bench needs of anything it puts audio through."""

    name: str
    description: str
    causal: bool

    @property
    def sample_rate(self) -> int: ...

    @property
    def hop_samples(self) -> int: ...

    def process_mono(self, audio: np.ndarray, sample_rate: int) -> np.ndarray: ...

    def latency(self) -> Latency: ...

    def timing_stats(self) -> dict[str, Any]: ...

    def describe(self) -> dict[str, Any]: ...


def denoise_aligned(denoiser: StreamingDenoiser, audio: np.ndarray) -> np.ndarray:
    """Denoise mono ``(samples,)`` from a fresh stream; the output ``(samples,)`` lines up with it."""
    n_samples = audio.shape[0]
    block = audio[np.newaxis].astype(np.float32)
    out = np.concatenate([denoiser.process(block), denoiser.flush()], axis=1)[0]
    start = denoiser.latency_samples
    assert out.shape[0] == n_samples + start, "the denoiser returned an unexpected number of samples"
    return out[start : start + n_samples]


class ModelFrontEnd:
    """One of our models (``--model`` names it) through the streaming denoiser, mono."""

    causal = True

    def __init__(self, model: str, strength_db: float, provider: str = "cpu") -> None:
        runtime = open_runtime(model, provider=provider)
        self.name = model
        self.description = runtime.card.name
        self.sample_rate = runtime.card.sample_rate
        self.strength_db = strength_db
        self.denoiser = StreamingDenoiser(runtime, n_channels=1, strength_db=strength_db)

    @property
    def hop_samples(self) -> int:
        return self.denoiser.hop_samples

    def process_mono(self, audio: np.ndarray, sample_rate: int) -> np.ndarray:
        """``(samples,)`` at the model's rate -> denoised ``(samples,)``, aligned with the input."""
        if sample_rate != self.sample_rate:
            raise ModelLoadError(f"{self.name} runs at {self.sample_rate} Hz; the audio is at {sample_rate} Hz")
        return denoise_aligned(self.denoiser, audio)

    def latency(self) -> Latency:
        return Latency.of_denoiser(self.denoiser)

    def timing_stats(self) -> dict[str, Any]:
        return self.denoiser.timing_stats()

    def describe(self) -> dict[str, Any]:
        return {
            "runtime": self.description,
            "hop_samples": self.hop_samples,
            "causal": self.causal,
            "max_attenuation_db": None if math.isinf(self.strength_db) else self.strength_db,
            "latency": self.latency().to_dict(),
        }


def open_front_end(name: str, strength_db: float, provider: str = "cpu") -> FrontEnd:
    """A peer by its name, else a model as ``--model`` takes it; ``ModelLoadError`` when it cannot run."""
    if name in peers.PEERS:
        return peers.open_peer(name, strength_db)
    return ModelFrontEnd(name, strength_db, provider)
