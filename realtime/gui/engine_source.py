"""EngineSource: the engine process (live devices, or a file played to the output device) as a TapSource.

The window's process only talks to the engine: controls go down its pipe, taps come back through
shared memory. Controls are read back from the engine in ``state()``, so what the window shows is
what the audio path runs with. A model switch is asynchronous: the engine loads it off the audio
thread and answers with an event ("model_switched", or "error" when the old model stays).
The output's level is what leaves for the device: the engine's level of the denoised signal, through
the output gain (none while muted) and the safety limit this source was last given.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from livedenoise.realtime.engine.events import EngineError
from livedenoise.realtime.engine.process import EngineProcess, EngineSettings
from livedenoise.realtime.gui.gui_settings import GuiSettings
from livedenoise.realtime.gui.tap_source import SourceError, SourceEvent, SourceState
from livedenoise.realtime.latency import Latency
from livedenoise.realtime.limiter import CEILING_DB
from livedenoise.realtime.noise_print import NoisePrint
from livedenoise.realtime.runtimes.model_choice import BUILTIN_MODELS

MAX_FILE_CHANNELS = 2


def engine_settings(
    settings: GuiSettings,
    provider: str = "cpu",
    noise_print: NoisePrint | None = None,
    print_made_at: float | None = None,
) -> EngineSettings:
    """What the engine process needs for the window's ``settings`` (mode "live" or "file"), starting with
    ``noise_print`` (made at ``print_made_at``) where there is one."""
    source_file = None
    channels = 1
    if settings.mode == "file":
        source_file = Path(settings.file_path)
        try:
            channels = min(MAX_FILE_CHANNELS, sf.info(str(source_file)).channels)
        except (sf.LibsndfileError, RuntimeError, OSError) as exc:
            raise SourceError(
                f"cannot read {source_file} as audio ({exc}); use WAV, FLAC, OGG/Vorbis, Opus or AIFF"
            ) from exc
    try:
        return EngineSettings(
            input_device=settings.input_device or None,
            output_device=settings.output_device or None,
            blocksize=settings.blocksize,
            channels=channels,
            model=settings.model,
            provider=provider,
            strength_db=settings.strength_db,
            bypass=settings.bypass,
            source_file=source_file,
            gate=settings.gate_params(),
            noise_print=noise_print,
            print_made_at=print_made_at,
            print_mode=settings.print_mode,
            output_gain_db=settings.output_gain_db,
            limiter=settings.limiter,
        )
    except ValueError as exc:
        raise SourceError(str(exc)) from exc


class EngineSource:
    """The engine process for ``settings``, or ``engine``, one that someone else started and stops."""

    def __init__(self, settings: EngineSettings | None = None, engine: EngineProcess | None = None) -> None:
        if (settings is None) == (engine is None):
            raise ValueError("give settings for a new engine process, or an engine to attach to")
        self.engine = EngineProcess(settings) if engine is None else engine
        self._owns_engine = engine is None
        self._output_gain_db = self.engine.settings.output_gain_db
        self._limiter = self.engine.settings.limiter
        self.sample_rate = 0
        self.hop_samples = 0
        self.n_freqs = 0
        self.description = ""

    def start(self) -> None:
        try:
            self.engine.start()
        except EngineError as exc:
            raise SourceError(str(exc)) from exc
        state = self.engine.state()
        self.sample_rate = int(state["sample_rate"])
        self.hop_samples = int(state["hop_samples"])
        self.n_freqs = self.engine.read_spectra()[0].shape[1]
        self.description = f"engine process {self.engine.pid}: {state['input']}, block {state['blocksize']}"

    def stop(self) -> None:
        if self._owns_engine:
            self.engine.stop()

    @property
    def alive(self) -> bool:
        return self.engine.alive

    def set_bypass(self, bypass: bool) -> None:
        self._control(self.engine.set_bypass, bypass)

    def set_strength_db(self, strength_db: float) -> None:
        self._control(self.engine.set_strength_db, strength_db)

    def set_model(self, model: str) -> None:
        if model not in BUILTIN_MODELS and not Path(model).is_file():
            raise SourceError(f"model file not found: {model}")
        self._control(self.engine.set_model, model)

    def set_output(self, gain_db: float, limiter: bool) -> None:
        """The output's gain and the safety limit (a source that plays to a device has them)."""
        self._control(self.engine.set_output_gain_db, gain_db)
        self._control(self.engine.set_limiter, limiter)
        self._output_gain_db, self._limiter = gain_db, limiter

    def set_gate(self, **params) -> None:
        self._control(self.engine.set_gate, **params)

    def learn_noise_print(self, seconds: float) -> None:
        self._control(self.engine.learn_noise_print, seconds)

    def set_noise_print(self, noise_print: NoisePrint | None, made_at: float | None = None) -> None:
        self._control(self.engine.set_noise_print, noise_print, made_at)

    def set_print_mode(self, mode: str) -> None:
        self._control(self.engine.set_print_mode, mode)

    @property
    def noise_print(self) -> NoisePrint | None:
        return self.engine.noise_print

    @property
    def noise_print_made_at(self) -> float | None:
        return self.engine.noise_print_made_at

    def state(self) -> SourceState:
        try:
            state = self.engine.state()
        except (OSError, EOFError):  # the process ended between the check and the request
            state = {"running": False}
        stats = state.get("stats", {})
        latency = state.get("latency")
        return SourceState(
            running=bool(state.get("running")),
            bypass=bool(state.get("bypass")),
            strength_db=float(state.get("strength_db", 0.0)),
            model=str(state.get("model", "")),
            latency=None if latency is None else Latency.from_dict(latency),
            load=float(stats.get("load", 0.0)),
            n_xruns=int(stats.get("n_xruns", 0)),
            n_overloads=int(stats.get("n_overloads", 0)),
            n_late_masks=int(stats.get("n_late_masks", 0)),
            gate=state.get("gate"),
            gate_open=state.get("gate_open"),
            noise_print=state.get("print"),
        )

    def events(self) -> list[SourceEvent]:
        return [SourceEvent(event.kind, event.message) for event in self.engine.events()]

    def read_spectra(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.engine.read_spectra()

    def read_levels(self) -> tuple[float, float]:
        level_in_db, denoised_db = self.engine.read_peak_levels()
        level_out_db = denoised_db + self._output_gain_db  # -inf while muted
        return level_in_db, min(level_out_db, CEILING_DB) if self._limiter else level_out_db

    def read_denoised(self, max_samples: int) -> np.ndarray:
        return self.engine.read_denoised(max_samples)

    def _control(self, method, *args, **kwargs) -> None:
        try:
            method(*args, **kwargs)
        except (EngineError, ValueError) as exc:
            raise SourceError(str(exc)) from exc
