"""EngineProcess: the audio engine in a process of its own, driven from this one.

Measured on the shared dev machine, a callback that shares its interpreter with anything else (a
status loop, a probe and its analysis, a GUI) costs about three times the work it does and clicks
where a C client does not: other threads hold the GIL for up to the switch interval, and the garbage
collector stops whichever thread allocates. So the engine runs in a spawned process that does
nothing else: its main thread sleeps in a pipe poll between controls, its garbage collection is
frozen after warm-up, and its switch interval is a tenth of a block.

Between the two processes:
- a pipe carries controls and state requests in, and replies and events out (``EngineEvent``);
- three shared rings (``Taps``) carry spectrogram columns, levels and denoised hops out; each keeps
  the newest items, and the engine fills one only while someone reads it.

Start-up handshake: the child loads the model and reports its geometry; the parent creates the
rings to fit and sends their names; the child attaches, opens the stream and reports ``running``.
A child that dies is reported as a "crashed" event with its reason (its last error, or the signal
or exit code); ``restart()`` starts a fresh one, which is also how a lost device is recovered
(PortAudio cannot re-open JACK in a process whose server died).

The noise print: ``EngineSettings.noise_print`` starts with one, ``learn_seconds`` learns one from
the first seconds of the input, ``print_mode`` "auto" refines it from hops of noise alone;
``set_noise_print``, ``learn_noise_print`` and ``set_print_mode`` do the same while it runs. The
engine hands back the print it uses (``noise_print``, ``noise_print_made_at``), so its owner can
keep and show it (fetched from the engine when its ``state()["print"]["serial"]`` moved);
``state()["print"]`` says which one and how old it is.

The gate is a hook: ``EngineSettings.gate`` (its parameters) makes the child build a ``HopHook``
with ``gate_factory`` (``"module:callable"``, called with ``sample_rate``, ``hop_samples``,
``n_channels``, ``n_freqs`` and the parameters; see ``hop_hook``); ``set_gate(**params)`` reconfigures it.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from livedenoise.realtime.engine.events import EngineError, EngineEvent
from livedenoise.realtime.engine.print_learner import MAX_SECONDS as MAX_LEARN_SECONDS
from livedenoise.realtime.engine.print_refiner import PRINT_MODES
from livedenoise.realtime.engine.taps import DB_FLOOR, Taps
from livedenoise.realtime.limiter import MAX_GAIN_DB
from livedenoise.realtime.noise_print import MIN_SECONDS as MIN_LEARN_SECONDS
from livedenoise.realtime.noise_print import NoisePrint

__all__ = ["EngineSettings", "EngineProcess", "EngineError", "EngineEvent", "DEFAULT_GATE_FACTORY"]

DEFAULT_GATE_FACTORY = "livedenoise.realtime.gate:make_hop_hook"
START_TIMEOUT_S = 120.0  # a spawned interpreter imports numpy, numba and ONNX Runtime, then loads a model
REPLY_TIMEOUT_S = 5.0
STOP_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class EngineSettings:
    """Everything the engine process needs to start. Devices: an index, a name substring, or None
    for the default. ``model``: "default", "dsp", "identity" or a path to a model file.
    ``source_file``: play this file in a loop instead of listening to the input device.
    ``noise_print``: the room's noise to start with (``print_made_at``: when it was made, seconds since
    the epoch; None: now); ``learn_seconds``: learn one from the input's first seconds instead."""

    input_device: int | str | None = None
    output_device: int | str | None = None
    blocksize: int = 128
    channels: int = 1
    model: str = "default"
    provider: str = "cpu"
    strength_db: float = 40.0
    bypass: bool = False
    source_file: Path | None = None
    gate: dict[str, Any] | None = None  # None: no gate; else the gate's parameters
    gate_factory: str = DEFAULT_GATE_FACTORY
    deadline_fraction: float = 0.6  # a model hop longer than this share of a hop is an overload
    # The model steps on its own thread and makes the next hop's mask, so the callback never waits
    # for it (``StreamingDenoiser``'s ``mask_ahead``); off, each hop waits for its own frame's mask.
    mask_ahead: bool = True
    noise_print: NoisePrint | None = None
    print_made_at: float | None = None
    learn_seconds: float | None = None
    print_mode: str = "freeze"
    output_gain_db: float = 0.0
    limiter: bool = True  # the safety limit on the output (``SafetyLimiter``): nothing leaves above -0.1 dBFS
    input_channels: tuple[int, ...] | None = None  # the input device's channels to use, from 1; None: the first ones

    def __post_init__(self) -> None:
        if self.blocksize <= 0:
            raise ValueError(f"blocksize must be positive, got {self.blocksize}")
        if self.channels <= 0:
            raise ValueError(f"channels must be positive, got {self.channels}")
        if not self.strength_db >= 0.0:
            raise ValueError(f"strength_db must be >= 0, got {self.strength_db}")
        if self.print_mode not in PRINT_MODES:
            raise ValueError(f"print_mode must be one of {', '.join(PRINT_MODES)}, got {self.print_mode!r}")
        if self.learn_seconds is not None:
            check_learn_seconds(self.learn_seconds)
        if not self.output_gain_db <= MAX_GAIN_DB:
            raise ValueError(f"output_gain_db must be at most {MAX_GAIN_DB:g}, got {self.output_gain_db}")
        if self.input_channels is not None:
            if len(self.input_channels) != self.channels:
                raise ValueError(f"{len(self.input_channels)} input channel(s) given for {self.channels} channel(s)")
            if min(self.input_channels) < 1 or len(set(self.input_channels)) != len(self.input_channels):
                raise ValueError(f"input channels are numbered from 1, each once; got {self.input_channels}")


def check_learn_seconds(seconds: float) -> None:
    if not MIN_LEARN_SECONDS <= seconds <= MAX_LEARN_SECONDS:
        raise ValueError(f"learning the room takes {MIN_LEARN_SECONDS:g} to {MAX_LEARN_SECONDS:g} s, got {seconds:g}")


def engine_main(settings: EngineSettings, conn) -> None:
    """The spawned process's entry point. The engine's modules are imported there, never here:
    importing sounddevice starts PortAudio, whose JACK back end joins the server as a client named
    "PortAudio" for as long as the process lives (one more client each cycle waits for, and one that
    aborts the process at exit when the server has gone)."""
    from livedenoise.realtime.engine import child

    child.main(settings, conn)


class EngineProcess:
    """The engine process for ``settings``. Methods are for one controlling thread (a GUI, a CLI)."""

    def __init__(self, settings: EngineSettings) -> None:
        self.settings = settings
        self._process = None
        self._conn = None
        self._taps: Taps | None = None
        self._events: list[EngineEvent] = []
        self._replies: list[tuple] = []
        self._last_state: dict = {"running": False}
        self._last_levels = (DB_FLOOR, DB_FLOOR)
        self._denoised_rest = np.zeros(0, dtype=np.float32)
        self._crash_reason: str | None = None
        self._exit_reported = False
        self._noise_print: NoisePrint | None = settings.noise_print  # the newest print the engine said it uses
        self._noise_print_made_at: float | None = settings.print_made_at
        self._print_serial = -1  # the engine's count of print changes when it was fetched; -1: not yet
        self._lock = threading.RLock()

    # ---- lifetime ---------------------------------------------------------------------------

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def start(self, timeout_s: float = START_TIMEOUT_S) -> None:
        """Spawn the engine and wait until it streams; raise ``EngineError`` with the reason if not."""
        with self._lock:
            if self.alive:
                return
            self._cleanup()
            context = multiprocessing.get_context("spawn")
            self._conn, child_conn = context.Pipe()
            self._process = context.Process(
                target=engine_main, args=(self.settings, child_conn), name="livedenoise-engine", daemon=True
            )
            self._process.start()
            child_conn.close()
            self._crash_reason = None
            self._exit_reported = False
            deadline = time.monotonic() + timeout_s
            try:
                _, n_freqs, hop_samples = self._await("geometry", deadline)
                self._taps = Taps.create(n_freqs, hop_samples)
                self._conn.send(("taps", self._taps.specs))
                self._last_state = self._await("running", deadline)[1]
            except EngineError:
                self._kill()
                self._cleanup()
                raise

    def stop(self) -> None:
        """Stop the stream and end the process; nothing is left behind."""
        with self._lock:
            if self._process is None:
                return
            if self.alive:
                try:
                    self._conn.send(("stop",))
                except (OSError, EOFError):
                    pass
                self._process.join(STOP_TIMEOUT_S)
            self._kill()
            self._exit_reported = True  # a stop that was asked for is no crash
            self._pump()
            self._cleanup()

    def restart(self) -> None:
        """A fresh engine process with the same settings (and the controls changed since start)."""
        with self._lock:
            self._fetch_print()
            state = self._last_state
            self.stop()
            settings = self.settings
            if "bypass" in state:
                settings = replace(
                    settings,
                    bypass=state["bypass"],
                    strength_db=state["strength_db"],
                    model=state["model"],
                    gate=state.get("gate"),
                    output_gain_db=state.get("output_gain_db", settings.output_gain_db),
                    limiter=state.get("limiter", settings.limiter),
                )
                if "print" in state:
                    settings = replace(settings, print_mode=state["print"]["mode"])
            # the print in use goes on; one that was being learned is learned again
            learning = state.get("print", {}).get("learning_left_s") is not None
            settings = replace(
                settings,
                noise_print=self._noise_print,
                print_made_at=self._noise_print_made_at,
                learn_seconds=settings.learn_seconds if learning else None,
            )
            self.settings = settings
            self._print_serial = -1
            self.start()

    def __enter__(self) -> EngineProcess:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # ---- controls ---------------------------------------------------------------------------

    def set_bypass(self, bypass: bool) -> None:
        self._send(("bypass", bool(bypass)))

    def set_strength_db(self, strength_db: float) -> None:
        if not strength_db >= 0.0:
            raise ValueError(f"strength_db must be >= 0, got {strength_db}")
        self._send(("strength_db", float(strength_db)))

    def set_output_gain_db(self, gain_db: float) -> None:
        """The output's gain, in dB (at most +24), before the safety limit."""
        if not gain_db <= MAX_GAIN_DB:
            raise ValueError(f"output gain must be at most {MAX_GAIN_DB:g} dB, got {gain_db}")
        self._send(("output_gain_db", float(gain_db)))

    def set_limiter(self, enabled: bool) -> None:
        """The safety limit on the output on or off (on by default)."""
        self._send(("limiter", bool(enabled)))

    def set_model(self, model: str) -> None:
        """Switch models while running: loaded and warmed in the background, then crossfaded in; a
        "model_switched" event follows, or an "error" event saying why the old model stays."""
        self._send(("model", str(model)))

    def set_gate(self, **params) -> None:
        """Turn the gate on with these parameters, or change them; ``enabled=False`` turns it off."""
        self._send(("gate", dict(params)))

    def set_noise_print(self, noise_print: NoisePrint | None, made_at: float | None = None) -> None:
        """Use ``noise_print`` (made at ``made_at``, seconds since the epoch; None: now), or none; a
        "print_set" event follows, or an "error" event saying why not."""
        self._send(("noise_print", noise_print, made_at))

    def learn_noise_print(self, seconds: float) -> None:
        """Learn the room from the next ``seconds`` of input, then use that print ("print_learned" event)."""
        check_learn_seconds(seconds)
        self._send(("learn", float(seconds)))

    def set_print_mode(self, mode: str) -> None:
        """ "auto": refine the print from hops of noise alone; "freeze": keep it as it is."""
        if mode not in PRINT_MODES:
            raise ValueError(f"print mode must be one of {', '.join(PRINT_MODES)}, got {mode!r}")
        self._send(("print_mode", mode))

    # ---- reading back -----------------------------------------------------------------------

    @property
    def noise_print(self) -> NoisePrint | None:
        """The print the engine uses (learned, refined or given), None when it has none; asks it (a state
        request, and the print itself when it changed), so read it as often as a state."""
        with self._lock:
            self._fetch_print()
            return self._noise_print

    @property
    def noise_print_made_at(self) -> float | None:
        """When that print was made, in seconds since the epoch (refining keeps the time it was made)."""
        with self._lock:
            self._fetch_print()
            return self._noise_print_made_at

    def state(self) -> dict:
        """What the engine runs with now, read back from it: ``running``, ``bypass``, ``strength_db``,
        ``model``, ``gate`` (its parameters, None when off), ``gate_open`` (None when off), ``print``
        (``LivePrint.state``; ``print_status`` makes it one line), ``latency`` (``Latency.to_dict()``;
        ``Latency.from_dict`` reads it back),
        ``stats`` (``load``, ``n_xruns``, ``n_overloads``, ``n_hops``, ``callback_p50_us``...)."""
        with self._lock:
            if self.alive:
                try:
                    self._conn.send(("state",))
                    self._last_state = self._await("state", time.monotonic() + REPLY_TIMEOUT_S)[1]
                except (EngineError, OSError):  # OSError: the child closed the pipe as it exits (a lost device)
                    pass
            self._pump()
            return {**self._last_state, "running": self.alive and self._last_state.get("running", False)}

    def events(self) -> list[EngineEvent]:
        """Events since the last call, oldest first; a dead engine process shows up as "crashed"."""
        with self._lock:
            self._pump()
            events, self._events = self._events, []
            return events

    def read_spectra(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Columns produced since the last read: input dB, output dB, mask dB, each ``(n_new, n_freqs)``
        float32. A slow reader gets the newest columns. The engine computes them only while read."""
        if self._taps is None:
            empty = np.zeros((0, 0), dtype=np.float32)
            return empty, empty, empty
        columns = self._taps.spectra.read()
        return (
            np.ascontiguousarray(columns[:, 0]),
            np.ascontiguousarray(columns[:, 1]),
            np.ascontiguousarray(columns[:, 2]),
        )

    def read_levels(self) -> tuple[float, float]:
        """The newest input and output RMS levels in dBFS (the last known ones when nothing is new)."""
        if self._taps is not None:
            level = self._taps.levels.latest()
            if level is not None:
                self._last_levels = (float(level[1]), float(level[3]))
        return self._last_levels

    def read_peak_levels(self) -> tuple[float, float]:
        """The newest input and output peak levels in dBFS (FLOOR when nothing is known)."""
        if self._taps is None:
            return (DB_FLOOR, DB_FLOOR)
        level = self._taps.levels.latest()
        return (DB_FLOOR, DB_FLOOR) if level is None else (float(level[0]), float(level[2]))

    def read_denoised(self, max_samples: int) -> np.ndarray:
        """Denoised audio (channel mean) ``(samples,)`` float32 in order since the last read, at most
        ``max_samples``; the rest waits for the next read. A slow reader loses the oldest audio."""
        if max_samples <= 0 or self._taps is None:
            return np.zeros(0, dtype=np.float32)
        hop = self._taps.denoised.item_shape[0]
        n_missing = max_samples - self._denoised_rest.size
        hops = self._taps.denoised.read(max_items=max(0, -(-n_missing // hop)))
        audio = np.concatenate([self._denoised_rest, hops.reshape(-1)])
        out, self._denoised_rest = audio[:max_samples], audio[max_samples:]
        return out

    @property
    def n_dropped_denoised_samples(self) -> int:
        """Denoised samples a slow reader missed (whole hops)."""
        return 0 if self._taps is None else self._taps.denoised.n_dropped * self._taps.denoised.item_shape[0]

    @property
    def n_dropped_columns(self) -> int:
        """Spectrogram columns a slow reader missed."""
        return 0 if self._taps is None else self._taps.spectra.n_dropped

    # ---- plumbing ---------------------------------------------------------------------------

    def _send(self, message: tuple) -> None:
        with self._lock:
            if not self.alive:
                raise EngineError("the engine is not running: start() or restart() it first")
            self._conn.send(message)

    def _fetch_print(self) -> None:
        """The engine's print, when it changed since it was last fetched (the last known one if it is gone)."""
        if not self.alive:
            return
        serial = self.state().get("print", {}).get("serial")
        if serial is None or serial == self._print_serial:
            return
        try:
            self._conn.send(("print",))
            _, self._noise_print, self._noise_print_made_at, self._print_serial = self._await(
                "print", time.monotonic() + REPLY_TIMEOUT_S
            )
        except (EngineError, OSError):  # it ended meanwhile: the last known print stands
            pass

    def _await(self, kind: str, deadline: float) -> tuple:
        """The next reply of ``kind``, collecting events on the way; EngineError if the child fails."""
        while True:
            self._pump()
            for i, reply in enumerate(self._replies):
                if reply[0] == kind:
                    return self._replies.pop(i)
                if reply[0] == "failed":
                    self._replies.pop(i)
                    raise EngineError(reply[1], setting=reply[2])
            if self._process is None or not self._process.is_alive():
                self._pump()
                raise EngineError(f"the engine process ended before it was {kind}: {self._exit_reason()}")
            if time.monotonic() > deadline:
                raise EngineError(f"the engine process did not answer ({kind}) in time")
            self._conn.poll(0.02)

    def _pump(self) -> None:
        """Take every message waiting in the pipe; notice a dead child."""
        conn = self._conn
        try:
            while conn is not None and conn.poll():
                message = conn.recv()
                if message[0] == "event":
                    self._events.append(EngineEvent(message[1], message[2], time.time()))
                elif message[0] == "crash":
                    self._crash_reason = message[1]
                else:
                    self._replies.append(message)
        except (EOFError, OSError):
            pass
        process = self._process
        if process is not None and not process.is_alive() and not self._exit_reported:
            self._exit_reported = True
            self._last_state = {**self._last_state, "running": False}
            if not any(e.kind == "device_lost" for e in self._events) and process.exitcode != 0:
                self._events.append(
                    EngineEvent("crashed", f"the engine process stopped: {self._exit_reason()}", time.time())
                )

    def _exit_reason(self) -> str:
        process = self._process
        code = None if process is None else process.exitcode
        if self._crash_reason:
            reason = self._crash_reason
        elif code is not None and code < 0:
            reason = f"killed by signal {signal.Signals(-code).name}"
        else:
            reason = f"exit code {code}"
        return reason

    def _kill(self) -> None:
        process = self._process
        if process is None:
            return
        if process.is_alive():
            process.terminate()
            process.join(STOP_TIMEOUT_S)
        if process.is_alive():
            process.kill()
            process.join()

    def _cleanup(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._process is not None and not self._process.is_alive():
            self._process.close()
            self._process = None
        if self._taps is not None:
            self._taps.close()
            self._taps = None
        self._replies.clear()
        self._denoised_rest = np.zeros(0, dtype=np.float32)
