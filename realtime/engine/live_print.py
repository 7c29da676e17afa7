"""LivePrint: a live stream's noise print: the one the model uses, learning it, refining it.

Its host runs a ``StreamingDenoiser`` hop by hop and shows each hop's input spectrum to the
``print_learner`` and ``print_refiner`` it is given: the engine's ``EngineCallback``, or the app's
file preview. In the engine, LivePrint runs on the process's main thread, between controls, as a
model switch does; nothing here runs in the audio callback. A print reaches the model through the
runtime's ``set_noise_print`` (prepared off the step, swapped in with one reference assignment), so
it costs the audio thread nothing: the mask changes at a hop boundary, as it does every hop, and
the overlap-add of the synthesis window carries the output across.

- ``give(print)``: a print from the owner (a file, a saved print, the app's last one), or None.
- ``learn(seconds)``: a fresh ``PrintLearner`` is hung on the callback; when it has heard enough,
  ``advance`` (the main loop's housekeeping) takes it off, makes the print and gives it to the model.
- ``set_mode("auto")``: a ``PrintRefiner``, seeded with the print in use, is hung on the callback;
  every ``PUBLISH_PERIOD_S`` the refined print goes to the model and to the owner. ``"freeze"``
  takes it off: the print stays as it is.

What happens goes out as events through ``send``: "print_learned" (the print's one line) or
"error". The print itself stays here (``noise_print``, ``made_at``); ``serial`` counts its changes,
so an owner in another process fetches it only when it changed (a print pushed at every refinement
would pile up in a pipe nobody reads).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from livedenoise.realtime.denoiser import StreamingDenoiser
from livedenoise.realtime.engine.print_learner import PrintLearner
from livedenoise.realtime.engine.print_refiner import PRINT_MODES, PrintRefiner
from livedenoise.realtime.noise_print import NoisePrint, NoisePrintError
from livedenoise.realtime.runtimes.model_choice import open_runtime

PUBLISH_PERIOD_S = 1.0
LEARNED_SOURCE = "the room"


class PrintHost(Protocol):
    """What runs the stream: ``EngineCallback`` has these; hop by hop it calls ``print_learner.observe`` and
    ``print_refiner.observe`` with the hop's input spectrum, when they are set."""

    sample_rate: int
    hop_samples: int
    n_channels: int
    n_hops: int  # since the stream started
    denoiser: StreamingDenoiser
    print_learner: PrintLearner | None
    print_refiner: PrintRefiner | None


def uses_prints(runtime) -> bool:
    return bool(getattr(runtime, "accepts_noise_print", False))


def open_live_runtime(model: str, provider: str = "cpu"):
    """``model`` ready to take a noise print while it runs: a blind model is joined with the print-Wiener,
    whose mask is the model's own until a print comes (the identity path passes through, print or not)."""
    runtime = open_runtime(model, provider)
    if uses_prints(runtime) or getattr(runtime, "passes_through", False):
        return runtime
    from livedenoise.realtime.runtimes.print_combined import PrintCombined

    return PrintCombined(runtime)


class LivePrint:
    def __init__(self, callback: PrintHost, send: Callable[[tuple], None], mode: str = "freeze") -> None:
        if mode not in PRINT_MODES:
            raise ValueError(f"print mode must be one of {', '.join(PRINT_MODES)}, got {mode!r}")
        self.callback = callback
        self.send = send
        self.mode = mode
        self.noise_print: NoisePrint | None = None
        self.made_at = 0.0  # when the print in use was made (seconds since the epoch)
        self.serial = 0  # how many times the print in use changed
        self.refined_at: float | None = None
        c = callback
        geometry = (c.sample_rate, c.denoiser.stft.n_fft, c.hop_samples, c.n_channels)
        self._geometry = geometry
        self._learner: PrintLearner | None = None
        self._refiner = PrintRefiner(*geometry)
        self._n_published = 0
        self._next_publish = 0.0

    # ---- controls (main thread) -------------------------------------------------------------

    def give(self, noise_print: NoisePrint | None, made_at: float | None = None) -> None:
        """Use ``noise_print`` from now on (None: none); ``NoisePrintError`` when its STFT is the model's not."""
        if noise_print is not None:
            c = self.callback
            noise_print.check_geometry(c.sample_rate, c.denoiser.stft.n_fft, c.hop_samples)
        self._use(noise_print, time.time() if made_at is None else made_at)
        if noise_print is None:
            self.callback.print_refiner = None
        else:
            self._refiner.seed(noise_print)
            self.set_mode(self.mode)

    def learn(self, seconds: float) -> None:
        """Learn the room from the next ``seconds`` of input; ``ValueError`` when out of range."""
        learner = PrintLearner(*self._geometry)
        c = self.callback
        # the frames that still hold the zeros before the stream: none once it has run that long
        learner.learn(seconds, n_skip=max(0, c.denoiser.stft.n_fft // c.hop_samples - 1 - c.n_hops))
        self.callback.print_learner = learner  # one assignment: the callback sees the old learner or this one
        self._learner = learner

    def set_mode(self, mode: str) -> None:
        if mode not in PRINT_MODES:
            raise ValueError(f"print mode must be one of {', '.join(PRINT_MODES)}, got {mode!r}")
        self.mode = mode
        refining = mode == "auto" and self.noise_print is not None
        if refining and self.callback.print_refiner is None:
            self._n_published = self._refiner.n_accepted
            self._next_publish = time.monotonic() + PUBLISH_PERIOD_S
        self.callback.print_refiner = self._refiner if refining else None

    def apply_to(self, runtime) -> None:
        """Give the print in use to ``runtime`` (a model about to be switched in)."""
        if uses_prints(runtime):
            runtime.set_noise_print(self.noise_print)

    # ---- housekeeping (main thread) ---------------------------------------------------------

    def advance(self) -> None:
        learner = self._learner
        if learner is not None and learner.done:
            self.callback.print_learner = None
            self._learner = None
            try:
                learned = learner.take_print(LEARNED_SOURCE)
            except NoisePrintError as exc:
                self.send(("event", "error", f"cannot learn the room: {exc}"))
            else:
                self.give(learned)
                self.send(("event", "print_learned", f"learned {learned.describe()}"))
        if self.callback.print_refiner is not None and time.monotonic() >= self._next_publish:
            self._next_publish = time.monotonic() + PUBLISH_PERIOD_S
            if self._refiner.n_accepted != self._n_published:
                self._n_published = self._refiner.n_accepted
                self.refined_at = time.time()
                self._use(self._refiner.snapshot(), self.made_at, refined=True)

    # ---- reading back -----------------------------------------------------------------------

    def state(self) -> dict:
        """``mode``, ``learning_left_s`` (None when not learning), ``serial``, and the print in use: ``source``
        (None: no print), ``level_dbfs``, ``duration_s``, ``age_s``, ``refined_age_s``, ``used`` (by the model)."""
        now = time.time()
        learner = self._learner
        info = {
            "mode": self.mode,
            "learning_left_s": None if learner is None else learner.seconds_left,
            "source": None,
            "used": uses_prints(self.callback.denoiser.runtime),
            "serial": self.serial,
        }
        p = self.noise_print
        if p is not None:
            info.update(
                source=p.source,
                level_dbfs=p.level_dbfs,
                duration_s=p.duration_s,
                age_s=now - self.made_at,
                refined_age_s=None if self.refined_at is None else now - self.refined_at,
            )
        return info

    # ---- plumbing ---------------------------------------------------------------------------

    def _use(self, noise_print: NoisePrint | None, made_at: float, refined: bool = False) -> None:
        self.noise_print = noise_print
        self.apply_to(self.callback.denoiser.runtime)
        if not refined:
            self.made_at = made_at
            self.refined_at = None
        self.serial += 1
