"""TapSource: what the window reads and controls, whoever runs the denoiser.

Two sources have this shape: the engine process (live devices, or a file played to the output
device), and a file preview that runs the same ``StreamingDenoiser`` inside the window's process at
real-time pace, for machines without an audio device. The window polls a source from a Qt timer;
every ``read_*`` returns what is new since the last call of that same method, so each tap has one
reader.

Shapes: spectra are ``(n_new_columns, n_freqs)`` dB arrays, one column per hop (input power,
output power, mask gain); levels are dBFS floats; denoised audio is mono ``(samples,)`` float32.

Both run a noise print the same way (``LivePrint``): given, learned from the next seconds of input,
refined in auto mode; ``noise_print`` is the one in use now, ``state().noise_print`` says how old.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from livedenoise.models.errors import LivedenoiseError
from livedenoise.realtime.latency import Latency
from livedenoise.realtime.noise_print import NoisePrint

NOTICE_KINDS = ("model_switched", "print_learned", "print_set")  # events that report success, not a fault


class SourceError(LivedenoiseError, RuntimeError):
    """A source cannot start or take a setting; the message says why and what to do."""


@dataclass(frozen=True)
class SourceEvent:
    kind: str  # "device_lost", "crashed", "error", "model_switched", ...
    message: str

    @property
    def is_fault(self) -> bool:
        return self.kind not in NOTICE_KINDS


@dataclass(frozen=True)
class SourceState:
    """What the source reports back: the controls as it applies them, and its counters."""

    running: bool
    bypass: bool
    strength_db: float
    model: str
    latency: Latency | None  # the one account every command prints; None until the source knows it
    load: float  # share of the audio clock spent processing
    n_xruns: int
    n_overloads: int
    n_late_masks: int = 0  # hops filtered with an older mask: the model's thread was late
    gate: dict | None = None  # the gate's settings, where the source has a gate
    gate_open: bool | None = None  # None: no gate
    noise_print: dict | None = None  # ``LivePrint.state()``: the print in use, its age, auto or frozen, learning


class TapSource(Protocol):
    sample_rate: int
    hop_samples: int
    n_freqs: int
    description: str  # one line for the status bar: what plays where
    # (the three numbers and the description are known once start() returned)

    def start(self) -> None:
        """Open devices, files and the model; raises ``SourceError`` with the reason."""

    def stop(self) -> None:
        """Release everything; safe to call twice."""

    @property
    def alive(self) -> bool:
        """False once the source has died (the engine process exited, the device went away)."""

    def set_bypass(self, bypass: bool) -> None: ...

    def set_strength_db(self, strength_db: float) -> None: ...

    def set_model(self, model: str) -> None:
        """``default``, ``dsp``, ``identity`` or a path; raises ``SourceError`` when it cannot load."""

    def set_gate(self, **params) -> None:
        """The noise gate's parameters (``GateSettings`` fields); ``enabled=False`` turns it off."""

    def learn_noise_print(self, seconds: float) -> None:
        """Learn the room from the next ``seconds`` of input, then use that print ("print_learned" event)."""

    def set_noise_print(self, noise_print: NoisePrint | None, made_at: float | None = None) -> None:
        """Use ``noise_print`` (made at ``made_at``, seconds since the epoch), or none."""

    def set_print_mode(self, mode: str) -> None:
        """ "auto" (refine the print from moments of noise alone) or "freeze"."""

    @property
    def noise_print(self) -> NoisePrint | None:
        """The print in use now (learned, refined or given), None when there is none."""

    @property
    def noise_print_made_at(self) -> float | None:
        """When it was made, in seconds since the epoch."""

    def state(self) -> SourceState: ...

    def events(self) -> list[SourceEvent]:
        """Faults since the last call."""

    def read_spectra(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(input_db, output_db, mask_db)``, each ``(n_new_columns, n_freqs)``."""

    def read_levels(self) -> tuple[float, float]:
        """Latest ``(input_db, output_db)`` peak levels in dBFS; the output's as it leaves for the device
        (after the output gain, silent while muted), or the denoised signal's where nothing is played."""

    def read_denoised(self, max_samples: int) -> np.ndarray:
        """Up to ``max_samples`` of the newest denoised audio, mono ``(samples,)`` float32."""
