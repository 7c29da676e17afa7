"""Front ends: what a bench puts audio through before it scores it, our models and the peers alike.

A front end has a ``name``, a ``description``, the ``sample_rate`` it runs at, ``hop_samples``,
``causal``, ``latency()`` (a ``Latency``), ``process_mono(audio, sample_rate)`` returning the
output aligned with the input and of its length, ``timing_stats()`` (compute per hop and the
real-time factor, over every call so far) and ``describe()`` (what a report says about it).

The noise print (``bench/print_modes.py``): ``takes_noise_print`` says whether it can use one;
``set_noise_print(given)`` hands it a ``GivenPrint`` (None: blind) for the calls that follow;
``process_after_lead_in(lead_in, audio, sample_rate)`` plays ``lead_in`` (noise alone) first, learns
a print from it as it plays and returns the output aligned with ``audio`` alone.

A model runs through a fresh ``StreamingDenoiser`` on every call, exactly as file mode runs a file:
the whole input, ``flush()`` for the tail, ``latency_samples`` cut from the front. Given a print,
it runs as ``open_runtime`` sets it up (``dsp`` on the print's PSD, a blind model joined with the
print-Wiener); after a lead-in, as the live engine runs ``--learn-seconds``: a ``PrintLearner``
watches each hop's input spectrum and its print reaches the model at the hop where the music
begins. The peers (``bench/peers.py``) have the same shape already.
"""

from __future__ import annotations

import math
from typing import Any, Protocol

import numpy as np

from livedenoise.bench import peers
from livedenoise.bench.print_modes import GivenPrint
from livedenoise.realtime.denoiser import StreamingDenoiser
from livedenoise.realtime.engine.print_learner import PrintLearner
from livedenoise.realtime.latency import Latency
from livedenoise.realtime.noise_print import NoisePrint, NoisePrintError, print_from_audio
from livedenoise.realtime.runtimes.model_choice import open_runtime
from livedenoise.realtime.runtimes.protocol import ModelLoadError, ModelRuntime


class FrontEnd(Protocol):
    """What a bench needs of anything it puts audio through."""

    name: str
    description: str
    causal: bool
    takes_noise_print: bool

    @property
    def sample_rate(self) -> int: ...

    @property
    def hop_samples(self) -> int: ...

    def process_mono(self, audio: np.ndarray, sample_rate: int) -> np.ndarray: ...

    def set_noise_print(self, given: GivenPrint | None) -> None: ...

    def process_after_lead_in(self, lead_in: np.ndarray, audio: np.ndarray, sample_rate: int) -> np.ndarray: ...

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


class _LearnerHook:
    """Hands each hop's input spectrum to a ``PrintLearner``, as the live engine's callback does; the
    hop itself passes untouched."""

    is_open = True

    def __init__(self, learner: PrintLearner) -> None:
        self.learner = learner

    def process_into(self, hop: np.ndarray, mask: np.ndarray, spectrum: np.ndarray) -> None:
        self.learner.observe(spectrum)

    def configure(self, **params) -> None:
        pass

    def reset(self) -> None:
        pass


def print_capable(runtime: ModelRuntime) -> ModelRuntime:
    """``runtime`` ready to take a print while it runs, as the live engine opens it: a blind model is
    joined with the print-Wiener, its own mask until a print comes; the identity path passes through."""
    if getattr(runtime, "accepts_noise_print", False) or getattr(runtime, "passes_through", False):
        return runtime
    from livedenoise.realtime.runtimes.print_combined import PrintCombined

    return PrintCombined(runtime)


class ModelFrontEnd:
    """One of our models (``--model`` names it) through the streaming denoiser, mono."""

    causal = True
    takes_noise_print = True

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
        self._check_rate(sample_rate)
        return denoise_aligned(self.denoiser, audio)

    def _check_rate(self, sample_rate: int) -> None:
        if sample_rate != self.sample_rate:
            raise ModelLoadError(f"{self.name} runs at {self.sample_rate} Hz; the audio is at {sample_rate} Hz")

    def _print_capable(self) -> ModelRuntime:
        """The runtime, made ready for prints the first time one is asked for (a new denoiser around it)."""
        runtime = self.denoiser.runtime
        capable = print_capable(runtime)
        if capable is not runtime:
            self.denoiser = StreamingDenoiser(capable, n_channels=1, strength_db=self.strength_db)
        return capable

    def _fit(self, noise_print: NoisePrint, audio: np.ndarray | None) -> NoisePrint:
        """The print in this model's STFT: remade from its audio when it was made for another."""
        card = self.denoiser.runtime.card
        geometry = (card.sample_rate, card.n_fft, card.hop_samples)
        if (noise_print.sample_rate, noise_print.n_fft, noise_print.hop_samples) == geometry or audio is None:
            return noise_print
        return print_from_audio(audio, *geometry, source=noise_print.source)

    def set_noise_print(self, given: GivenPrint | None) -> None:
        """Denoise with ``given.noise_print`` from the next call on (None: blind); ``NoisePrintError`` when it
        was made for another STFT and has no audio to remake it from."""
        noise_print = None if given is None else given.noise_print
        if noise_print is None and not getattr(self.denoiser.runtime, "accepts_noise_print", False):
            return
        runtime = self._print_capable()
        if getattr(runtime, "accepts_noise_print", False):
            runtime.set_noise_print(None if noise_print is None else self._fit(noise_print, given.audio))

    def process_after_lead_in(self, lead_in: np.ndarray, audio: np.ndarray, sample_rate: int) -> np.ndarray:
        """Play ``lead_in`` ``(samples,)`` (noise alone), learning a print from it hop by hop as
        ``--learn-seconds`` does, then ``audio`` with that print; the output aligned with ``audio``."""
        self._check_rate(sample_rate)
        runtime = self._print_capable()
        takes_print = getattr(runtime, "accepts_noise_print", False)
        if takes_print:
            runtime.set_noise_print(None)
        denoiser = self.denoiser
        card = runtime.card
        n_hops = lead_in.size // card.hop_samples  # learn from whole hops: the model sees no others
        learner = PrintLearner(card.sample_rate, card.n_fft, card.hop_samples, 1)
        learner.learn(n_hops * card.hop_samples / card.sample_rate, n_skip=card.n_fft // card.hop_samples - 1)
        denoiser.hop_hook = _LearnerHook(learner)
        try:
            head = denoiser.process(lead_in[: n_hops * card.hop_samples][np.newaxis].astype(np.float32))
        finally:
            denoiser.hop_hook = None
        if not learner.done:
            raise NoisePrintError(f"the lead-in gave {learner.n_added} of {learner.n_wanted} frames")
        self.learned_print = learner.take_print("lead-in")
        if takes_print:
            runtime.set_noise_print(self.learned_print)
        rest = np.concatenate([denoiser.process(audio[np.newaxis].astype(np.float32)), denoiser.flush()], axis=1)
        out = np.concatenate([head, rest], axis=1)[0]
        start = denoiser.latency_samples + head.shape[1]
        return out[start : start + audio.size]

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


def open_front_end(
    name: str, strength_db: float, provider: str = "cpu", noise_print: GivenPrint | None = None
) -> FrontEnd:
    """A peer by its name, else a model as ``--model`` takes it, denoising with ``noise_print`` (None:
    blind; ``set_noise_print`` changes it); ``ModelLoadError`` when it cannot run."""
    if name in peers.PEERS:
        front: FrontEnd = peers.open_peer(name, strength_db)
    else:
        front = ModelFrontEnd(name, strength_db, provider)
    if noise_print is not None:
        front.set_noise_print(noise_print)
    return front
