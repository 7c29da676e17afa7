"""The engine process's main program: open the model and the stream, then serve the pipe.

The main thread spends its time asleep in ``conn.poll``; it wakes for a control, a state request,
or every ``HOUSEKEEPING_PERIOD_S`` to forward engine events, release a model a switch retired, and
collect what little garbage the pipe's messages leave (automatic collection is off: it would run in
whichever thread allocates, the audio callback included). Models for a switch are opened on a
short-lived loader thread, so the pipe stays answered meanwhile.

The noise print is ``LivePrint``'s, served from the same loop: a print given, learned or refined
reaches the model the way a model switch does, off the audio thread.

Messages in: ("taps", TapSpecs), ("bypass", bool), ("strength_db", float), ("output_gain_db", float),
("limiter", bool), ("model", str),
("gate", dict), ("noise_print", NoisePrint | None, made_at), ("learn", seconds), ("print_mode", mode),
("print",), ("state",), ("stop",). Out: ("geometry", n_freqs, hop_samples), ("running", state),
("state", state), ("print", NoisePrint | None, made_at, serial), ("event", kind, message), ("failed",
reason, setting) before the stream runs (``setting``: the ``EngineSettings`` field at fault, or None),
("crash", reason) when the process dies of an error.
"""

from __future__ import annotations

import gc
import importlib
import os
import signal
import threading
import time
import traceback
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING

from livedenoise.realtime.denoiser import StreamingDenoiser
from livedenoise.realtime.engine.callback import EngineCallback, warm_model_thread
from livedenoise.realtime.engine.events import EngineError
from livedenoise.realtime.engine.live_print import LivePrint, open_live_runtime
from livedenoise.realtime.engine.looping_source import LoopingSource
from livedenoise.realtime.engine.portaudio_start import start_portaudio
from livedenoise.realtime.engine.taps import Taps
from livedenoise.realtime.engine.thread_priority import set_ordinary, set_realtime
from livedenoise.realtime.file_mode import AudioFileError
from livedenoise.realtime.latency import Latency
from livedenoise.realtime.noise_print import NoisePrintError
from livedenoise.realtime.runtimes.protocol import ModelLoadError

if TYPE_CHECKING:  # imported when the stream opens: importing sounddevice joins the audio server
    from livedenoise.realtime.engine.audio_engine import AudioEngine

JACK_CLIENT_NAME = "livedenoise"
HOUSEKEEPING_PERIOD_S = 0.1
# The main thread takes the interpreter lock now and then; preempted by ordinary processes while
# holding it, it would keep the audio thread waiting for milliseconds (priority inversion on a busy
# machine). Real-time scheduling just above ordinary processes, below the audio thread, prevents it.
MAIN_THREAD_RT_PRIORITY = 5
GC_PERIOD_S = 2.0
# ValueError includes DeviceError (the devices' module joins the audio server when imported: not here)
SETUP_ERRORS = (EngineError, ModelLoadError, AudioFileError, ValueError, OSError, ImportError)


def main(settings, conn: Connection) -> None:
    """Entry point of the spawned process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent decides
    try:
        EngineChild(settings, conn).serve()
    except (EOFError, BrokenPipeError):  # the parent is gone: nobody to report to
        os._exit(0)
    except BaseException as exc:
        try:
            conn.send(("crash", f"{type(exc).__name__}: {exc}", traceback.format_exc()))
        finally:
            os._exit(1)


class EngineChild:
    def __init__(self, settings, conn: Connection) -> None:
        self.settings = settings
        self.conn = conn
        self.model = settings.model
        self.gate_hook = None
        self.gate_params: dict | None = None
        self._loader: threading.Thread | None = None
        self._loaded: tuple | None = None  # (model name, denoiser or None, error message)
        self._wanted_model: str | None = None
        self._switching_to: str | None = None
        self.main_thread_realtime = False

    def serve(self) -> None:
        engine = self._open()
        if engine is None:
            return
        try:
            self._loop(engine)
        finally:
            if not engine.device_lost:
                engine.stop()
                self.callback.close()
        if engine.device_lost:
            # PortAudio's exit handler would wait forever on the dead stream.
            os._exit(0)

    # ---- start-up ---------------------------------------------------------------------------

    def _open(self) -> AudioEngine | None:
        s = self.settings
        try:
            denoiser = StreamingDenoiser(
                open_live_runtime(s.model, s.provider), s.channels, s.strength_db, s.bypass, s.mask_ahead
            )
        except SETUP_ERRORS as exc:
            self.conn.send(("failed", f"cannot open model {s.model!r}: {exc}", "model"))
            return None
        self.conn.send(("geometry", denoiser.stft.n_freqs, denoiser.hop_samples))
        message = self.conn.recv()
        taps = Taps.attach(message[1])
        try:
            self.callback = EngineCallback(
                denoiser,
                s.blocksize,
                taps,
                deadline_fraction=s.deadline_fraction,
                output_gain_db=s.output_gain_db,
                limiter=s.limiter,
            )
            if s.gate is not None:
                self._configure_gate(dict(s.gate))
            self.live_print = LivePrint(self.callback, self.conn.send, s.print_mode)
            self.live_print.give(s.noise_print, s.print_made_at)
            if s.learn_seconds is not None:
                self.live_print.learn(s.learn_seconds)
            source = None if s.source_file is None else LoopingSource(s.source_file, denoiser.sample_rate, s.channels)
            # Only now, the model loaded and stepped, does this process join the audio server: to find its
            # devices and their rate (which decides the resampling and where the model steps).
            start_portaudio(JACK_CLIENT_NAME)
            from livedenoise.realtime.engine.audio_engine import AudioEngine

            engine = AudioEngine(self.callback, s.input_device, s.output_device, source, s.input_channels)
            if s.mask_ahead and engine.model_block_samples >= 2 * denoiser.hop_samples:
                self.callback.step_model_in_callback()  # measured: no late masks, no more unfinished cycles
            engine.warm_up()
            # What start-up allocated is kept out of every collection from here on, and automatic
            # collection is off: it would run in whichever thread allocates, the audio callback included.
            gc.collect()
            gc.freeze()
            gc.disable()
            self.main_thread_realtime = set_realtime(MAIN_THREAD_RT_PRIORITY)
            engine.start()
            gc.freeze()  # what joining the server allocated too (a merge of lists: no collection, no pause)
        except NoisePrintError as exc:
            self.conn.send(("failed", str(exc), "noise_print"))
            return None
        except AudioFileError as exc:
            self.conn.send(("failed", str(exc), "source_file"))
            return None
        except SETUP_ERRORS as exc:
            self.conn.send(("failed", str(exc), getattr(exc, "setting", None)))
            return None
        self.conn.send(("running", self._state(engine)))
        return engine

    # ---- serving ----------------------------------------------------------------------------

    def _loop(self, engine: AudioEngine) -> None:
        conn = self.conn
        next_gc = time.monotonic() + GC_PERIOD_S
        while True:
            if conn.poll(HOUSEKEEPING_PERIOD_S):
                message = conn.recv()
                kind = message[0]
                if kind == "stop":
                    return
                if kind == "state":
                    conn.send(("state", self._state(engine)))
                elif kind == "print":
                    p = self.live_print
                    conn.send(("print", p.noise_print, p.made_at, p.serial))
                elif kind == "bypass":
                    self.callback.set_bypass(message[1])
                elif kind == "strength_db":
                    self.callback.set_strength_db(message[1])
                elif kind == "output_gain_db":
                    self.callback.set_output_gain_db(message[1])
                elif kind == "limiter":
                    self.callback.set_limiter(message[1])
                elif kind == "model":
                    self._wanted_model = message[1]
                elif kind == "gate":
                    self._configure_gate(message[1])
                elif kind in ("noise_print", "learn", "print_mode"):
                    self._control_print(message)
            for event in engine.poll():
                conn.send(("event", event.kind, event.message))
            if engine.device_lost:
                return
            self._advance_model_switch()
            self.live_print.advance()
            if time.monotonic() > next_gc:
                gc.collect()
                next_gc = time.monotonic() + GC_PERIOD_S

    def _advance_model_switch(self) -> None:
        callback = self.callback
        retired = callback.take_retired()
        if retired is not None:
            retired.close()
            del retired  # the old session is freed here, off the audio thread
            self.model, self._switching_to = self._switching_to, None
            self.conn.send(("event", "model_switched", f"now running model {self.model!r}"))
        if self._loaded is not None and not callback.switching:
            name, denoiser, error = self._loaded
            self._loaded = None
            self._loader = None
            if denoiser is None:
                self.conn.send(
                    ("event", "error", f"cannot switch to model {name!r}: {error}; {self.model!r} keeps running")
                )
            else:
                try:
                    self.live_print.apply_to(denoiser.runtime)
                    callback.offer_denoiser(denoiser)
                    self._switching_to = name
                except ValueError as exc:
                    self.conn.send(("event", "error", f"cannot switch to model {name!r}: {exc}"))
        if self._wanted_model is not None and self._loader is None and self._loaded is None:
            name, self._wanted_model = self._wanted_model, None
            self._loader = threading.Thread(
                target=self._load, args=(name,), name="livedenoise-model-loader", daemon=True
            )
            self._loader.start()

    def _load(self, name: str) -> None:
        """On the loader thread: open and warm the model; the main thread picks up the result."""
        set_ordinary()  # threads inherit the main thread's real-time class: loading is not urgent
        s = self.settings
        try:
            denoiser = StreamingDenoiser(
                open_live_runtime(name, s.provider),
                s.channels,
                mask_ahead=s.mask_ahead and not self.callback.model_in_callback,
            )
            warm_model_thread(denoiser)  # switched to mid-stream with its thread awake, as the first model was
            result = (name, denoiser, "")
        except (*SETUP_ERRORS, RuntimeError) as exc:
            result = (name, None, str(exc))
        self._loaded = result

    def _control_print(self, message: tuple) -> None:
        kind = message[0]
        try:
            if kind == "noise_print":
                self.live_print.give(message[1], message[2])
                if message[1] is not None:
                    self.conn.send(("event", "print_set", f"using {message[1].describe()}"))
            elif kind == "learn":
                self.live_print.learn(message[1])
            else:
                self.live_print.set_mode(message[1])
        except (NoisePrintError, ValueError) as exc:
            self.conn.send(("event", "error", f"noise print: {exc}"))

    def _configure_gate(self, params: dict) -> None:
        enabled = params.pop("enabled", True)
        if not enabled:
            self.callback.hook = None  # the hook object stays referenced here, so nothing is freed in the callback
            self.gate_params = None
            return
        try:
            if self.gate_hook is None:
                module_name, _, factory_name = self.settings.gate_factory.partition(":")
                factory = getattr(importlib.import_module(module_name), factory_name)
                c = self.callback
                self.gate_hook = factory(
                    sample_rate=c.sample_rate,
                    hop_samples=c.hop_samples,
                    n_channels=c.n_channels,
                    n_freqs=c.denoiser.stft.n_freqs,
                    **params,
                )
                self.gate_params = dict(params)
            else:
                self.gate_hook.configure(**params)
                if self.callback.hook is None:  # off until now: start from shut, not from where it was left
                    self.gate_hook.reset()
                self.gate_params = {**(self.gate_params or {}), **params}
        except (ImportError, AttributeError, TypeError, ValueError) as exc:
            self.conn.send(("event", "error", f"cannot set the gate ({self.settings.gate_factory}): {exc}"))
            return
        self.callback.hook = self.gate_hook

    def _state(self, engine: AudioEngine) -> dict:
        c = self.callback
        return {
            "running": engine.running,
            "bypass": c.bypass,
            "strength_db": c.strength_db,
            "output_gain_db": c.output_gain_db,
            "limiter": c.limiter_enabled,
            "model": self.model,
            "model_name": c.denoiser.runtime.card.name,
            "switching": c.switching or self._loader is not None,
            "gate": None if c.hook is None else self.gate_params,
            "gate_open": None if c.hook is None else bool(c.hook.is_open),
            "print": self.live_print.state(),
            "input": engine.describe(),
            "sample_rate": c.sample_rate,
            "blocksize": c.blocksize,
            "device_sample_rate": engine.sample_rate,
            "model_thread": c.denoiser.worker is not None,  # else the model steps in the callback
            "hop_samples": c.hop_samples,
            "latency": Latency.of_engine(engine).to_dict(),
            "stats": c.stats(),
            "pid": os.getpid(),
            "main_thread_realtime": self.main_thread_realtime,
        }
