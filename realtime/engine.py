"""AudioEngine: a sounddevice stream <-> ring buffers <-> StreamingDenoiser, with an overload guard and taps.

Real-time contract. The audio callback (and, in worker mode, the processing loop) never allocates
an array, never does file or network I/O, never logs, never waits on a lock, and always fills its
output buffer. Everything it touches is preallocated in ``__init__``/``start``. Controls (bypass,
strength, model) reach it through a ``queue.SimpleQueue`` drained at the top of each processing
pass; nothing else is shared with other threads except counters it writes and mailboxes it fills.

Processing: inline, in the callback. Measured with ``livedenoise bench e2e --model dsp --seconds 20
--load-procs 2`` (JACK dummy server, period and block 128, on the shared 2-core dev machine): inline
gave a 10.67 ms round trip, 1758 xruns, 12 overloads, callback p50/p99 162/409 us; a worker thread
gave 21.33 ms, 846 xruns, 22 overloads, callback p50/p99 11/39 us. The xruns are the non-real-time
server being descheduled under that load (its log blames "state = Triggered": our client had not
been woken yet), not the engine. The worker's cheaper callback does not buy real headroom, since
Python threads share one interpreter lock, and it costs a block of queued output plus its polling
lag: double the latency, past the ~12 ms a guitarist tolerates. Worker mode stays available
(``processing="worker"``) for hosts with large, irregular device blocks.

Overload guard: a model hop that takes longer than ``deadline_fraction`` of a hop is counted as an
overload, and the following hops take the denoiser's ``run_model=False`` path (the dry signal through
the same STFT, so nothing jumps and latency does not move) for a back-off that doubles while
overloads repeat (from ~10 ms up to ~1 s); a model hop that meets its deadline resets it. In worker
mode a hop that is already late when it starts (its input has waited more than a block) is
processed dry at once.

Sample rate: the stream runs at the model's rate (48 kHz). A device that cannot is refused with a
message that says so, rather than resampled: soxr's streaming resampler returns new arrays on every
call, which the callback may not do.

Device loss: PortAudio's finished callback, or callbacks that stop arriving, produce an
``EngineEvent`` (``poll()``); the engine then releases the stream without waiting on it. PortAudio's
JACK back end cannot stop or close a stream whose server has died (``Pa_AbortStream`` never returns),
nor be re-initialised in that process, so the release runs on a daemon thread that is left behind.
"""

from __future__ import annotations

import math
import queue
import sys
import threading
import time
from dataclasses import dataclass

import numpy as np
import sounddevice as sd
from numba import njit

from livedenoise.realtime.denoiser import StreamingDenoiser
from livedenoise.realtime.devices import Device, find_device
from livedenoise.realtime.mailbox import Mailbox
from livedenoise.realtime.ring import RingBuffer
from livedenoise.realtime.runtime import ModelRuntime

N_CALLBACK_TIMING_SLOTS = 8192
DB_FLOOR = -120.0
FIRST_BACKOFF_MS = 10.0
MAX_BACKOFF_MS = 1000.0
# Another thread holding the GIL keeps it until the switch interval (5 ms by default) runs out,
# longer than a 128-sample block: ask for hand-overs well inside one block while streaming.
GIL_SWITCH_BLOCK_FRACTION = 0.1
SILENT_STREAM_S = 0.5  # callbacks absent this long while running: the device is gone
# Streams whose release never returned: kept referenced so no finaliser touches them again.
_abandoned_streams: list = []


class EngineError(RuntimeError):
    """The engine cannot start or run with these settings; the message says how to fix it."""


@dataclass(frozen=True)
class EngineEvent:
    kind: str  # "device_lost", "processing_error"
    message: str
    time_s: float


@njit(cache=True, nogil=True)
def _spectrum_db_into(input_spectrum, output_spectrum, mask, out):
    """Row 0/1: input/output power in dB (channel mean); row 2: mask magnitude in dB. ``out (3, n_freqs)``."""
    n_channels = input_spectrum.shape[0]
    floor = 10.0 ** (DB_FLOOR / 10.0)
    for k in range(input_spectrum.shape[1]):
        p_in = 0.0
        p_out = 0.0
        for c in range(n_channels):
            x = input_spectrum[c, k]
            y = output_spectrum[c, k]
            p_in += x.real * x.real + x.imag * x.imag
            p_out += y.real * y.real + y.imag * y.imag
        m = mask[0, k] * mask[0, k] + mask[1, k] * mask[1, k]
        out[0, k] = 10.0 * math.log10(max(p_in / n_channels, floor))
        out[1, k] = 10.0 * math.log10(max(p_out / n_channels, floor))
        out[2, k] = 10.0 * math.log10(max(m, floor)) if np.isfinite(m) else 0.0


@njit(cache=True, nogil=True)
def _levels_into(hop_in, hop_out, out):
    """``out (4,)``: peak and RMS of ``hop_in`` then of ``hop_out``, in dBFS, over all channels."""
    floor = 10.0 ** (DB_FLOOR / 20.0)
    for j, hop in enumerate((hop_in, hop_out)):
        peak = 0.0
        energy = 0.0
        for c in range(hop.shape[0]):
            for i in range(hop.shape[1]):
                x = abs(hop[c, i])
                if not np.isfinite(x):
                    continue
                peak = max(peak, x)
                energy += x * x
        rms = math.sqrt(energy / hop.size)
        out[2 * j] = 20.0 * math.log10(max(peak, floor))
        out[2 * j + 1] = 20.0 * math.log10(max(rms, floor))


class AudioEngine:
    """Live denoising from an input device to an output device.

    Taps (``Mailbox``): ``columns`` ``(3, n_freqs)`` dB (input, output, mask) per hop; ``levels``
    ``(4,)`` dBFS (peak in, RMS in, peak out, RMS out) per hop; ``hops`` ``(channels, hop_samples)``
    denoised audio.
    """

    def __init__(
        self,
        runtime: ModelRuntime,
        input_device: int | str | None = None,
        output_device: int | str | None = None,
        n_channels: int = 1,
        blocksize: int = 128,
        strength_db: float = 40.0,
        bypass: bool = False,
        processing: str = "inline",
        deadline_fraction: float = 0.6,
        tap_capacity: int = 256,
    ) -> None:
        if processing not in ("inline", "worker"):
            raise ValueError(f"processing must be 'inline' or 'worker', got {processing!r}")
        if blocksize <= 0:
            raise ValueError("blocksize must be positive")
        self.input_device: Device = find_device(input_device, "input")
        self.output_device: Device = find_device(output_device, "output")
        self.n_channels = n_channels
        self.blocksize = blocksize
        self.processing = processing
        self.denoiser = StreamingDenoiser(runtime, n_channels, strength_db=strength_db, bypass=bypass)
        self.sample_rate = self.denoiser.sample_rate
        self.hop_samples = h = self.denoiser.hop_samples
        # Output that must already wait in the out-ring so every callback finds a full block.
        self.prefill_samples = h - math.gcd(blocksize, h) + (blocksize if processing == "worker" else 0)
        capacity = 4 * (blocksize + h) + self.prefill_samples
        self._in_ring = RingBuffer(n_channels, capacity)
        self._out_ring = RingBuffer(n_channels, capacity)
        self._hop_in = np.zeros((n_channels, h), dtype=np.float32)
        self._hop_out = np.zeros((n_channels, h), dtype=np.float32)
        self._column = np.zeros((3, self.denoiser.stft.n_freqs), dtype=np.float32)
        self._level = np.zeros(4, dtype=np.float32)
        self.columns = Mailbox(self._column.shape, capacity=tap_capacity)
        self.levels = Mailbox(self._level.shape, capacity=tap_capacity)
        self.hops = Mailbox(self._hop_out.shape, capacity=tap_capacity)
        self._controls: queue.SimpleQueue = queue.SimpleQueue()
        hop_ns = 1e9 * h / self.sample_rate
        self._deadline_ns = int(deadline_fraction * hop_ns)
        self._first_backoff_hops = max(1, round(FIRST_BACKOFF_MS * 1e6 / hop_ns))
        self._max_backoff_hops = max(1, round(MAX_BACKOFF_MS * 1e6 / hop_ns))
        self._callback_ns = np.zeros(N_CALLBACK_TIMING_SLOTS, dtype=np.int64)
        self._stream = None
        self._worker = None
        self._events: list[EngineEvent] = []
        self._reset_counters()
        self._warm_up()

    # ---- owner side -------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._stream is not None

    @property
    def algorithmic_latency_samples(self) -> int:
        """Denoiser latency plus the output the engine keeps queued to fill every block."""
        return self.denoiser.latency_samples + self.prefill_samples

    @property
    def device_latency_samples(self) -> int:
        """Input plus output latency that PortAudio reports for the open stream (0 when stopped)."""
        if self._stream is None:
            return 0
        input_s, output_s = self._stream.latency
        return round((input_s + output_s) * self.sample_rate)

    def start(self) -> None:
        if self._stream is not None:
            return
        self._check_sample_rate()
        self._reset_counters()
        self.denoiser.reset()
        self._in_ring.clear()
        self._out_ring.clear()
        self._out_ring.write(np.zeros((self.n_channels, self.prefill_samples), dtype=np.float32))
        self._events.clear()
        self._stopping = False
        try:
            stream = sd.Stream(
                samplerate=self.sample_rate,
                blocksize=self.blocksize,
                device=(self.input_device.index, self.output_device.index),
                channels=self.n_channels,
                dtype="float32",
                latency="low",
                callback=self._callback,
                finished_callback=self._on_finished,
            )
        except sd.PortAudioError as exc:
            raise EngineError(
                f"cannot open {self.input_device.name!r} -> {self.output_device.name!r} at "
                f"{self.sample_rate} Hz, {self.n_channels} channel(s), block {self.blocksize}: {exc}"
            ) from exc
        self._last_callback_ns = time.perf_counter_ns()
        if self.processing == "worker":
            self._worker_running = True
            self._worker = threading.Thread(target=self._worker_loop, name="livedenoise-worker", daemon=True)
            self._worker.start()
        self._stream = stream
        self._saved_switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._saved_switch_interval, GIL_SWITCH_BLOCK_FRACTION * self.blocksize / self.sample_rate))
        stream.start()

    def stop(self) -> None:
        """Stop and close the stream; after a device loss, release it without waiting on it."""
        stream, self._stream = self._stream, None
        self._stopping = True
        if stream is not None:
            sys.setswitchinterval(self._saved_switch_interval)
        if self._worker is not None:
            self._worker_running = False
            self._worker.join()
            self._worker = None
        if stream is None:
            return
        if any(e.kind == "device_lost" for e in self._events):
            releaser = threading.Thread(target=_release, args=(stream,), daemon=True)
            releaser.start()
            releaser.join(timeout=1.0)
            if releaser.is_alive():
                _abandoned_streams.append(stream)
            return
        stream.stop()
        stream.close()

    def poll(self) -> list[EngineEvent]:
        """New events since the last call; also notices a device that stopped calling back."""
        if self._stream is not None and not self._stopping and not self.device_lost:
            silent_s = (time.perf_counter_ns() - self._last_callback_ns) / 1e9
            if silent_s > SILENT_STREAM_S or not self._stream.active:
                self._post("device_lost", f"the audio device stopped responding ({silent_s:.1f} s without a callback)")
        events = self._events[self._n_events_seen :]
        self._n_events_seen = len(self._events)
        return events

    @property
    def device_lost(self) -> bool:
        return any(e.kind == "device_lost" for e in self._events)

    def set_bypass(self, bypass: bool) -> None:
        self._controls.put(("bypass", bool(bypass)))

    def set_strength_db(self, strength_db: float) -> None:
        if not strength_db >= 0.0:
            raise ValueError(f"strength_db must be >= 0, got {strength_db}")
        self._controls.put(("strength_db", float(strength_db)))

    def set_runtime(self, runtime: ModelRuntime) -> None:
        """Switch models; the new denoiser is built and warmed here, off the audio thread."""
        card = runtime.card
        if card.sample_rate != self.sample_rate or card.hop_samples != self.hop_samples:
            raise EngineError(
                f"the new model runs at {card.sample_rate} Hz with a hop of {card.hop_samples}; the engine "
                f"runs at {self.sample_rate} Hz with a hop of {self.hop_samples}: restart the engine to switch"
            )
        self._controls.put(("denoiser", StreamingDenoiser(runtime, self.n_channels)))

    def stats(self) -> dict:
        n = min(self.n_callbacks, N_CALLBACK_TIMING_SLOTS)
        block_us = 1e6 * self.blocksize / self.sample_rate
        callback_us = self._callback_ns[:n] / 1e3 if n else np.zeros(1)
        return {
            "n_callbacks": int(self.n_callbacks),
            "n_xruns": int(self.n_xruns),
            "n_device_xruns": int(self.n_device_xruns),
            "n_input_overflows": int(self.n_input_overflows),
            "n_output_underflows": int(self.n_output_underflows),
            "n_ring_xruns": int(self.n_ring_xruns),
            "n_overloads": int(self.n_overloads),
            "n_dry_hops": int(self.n_dry_hops),
            "n_sanitized_samples": int(self.denoiser.n_sanitized_samples),
            "callback_p50_us": float(np.percentile(callback_us, 50)),
            "callback_p99_us": float(np.percentile(callback_us, 99)),
            "callback_max_us": float(callback_us.max()),
            "load": float(callback_us.mean() / block_us),
            "algorithmic_latency_ms": 1e3 * self.algorithmic_latency_samples / self.sample_rate,
            "device_latency_ms": 1e3 * self.device_latency_samples / self.sample_rate,
        }

    @property
    def n_xruns(self) -> int:
        return self.n_device_xruns + self.n_ring_xruns

    # ---- audio side -------------------------------------------------------------------------

    def _callback(self, indata, outdata, frames, time_info, status) -> None:
        start_ns = time.perf_counter_ns()
        self._last_callback_ns = start_ns
        if status:
            self.n_device_xruns += 1  # JACK raises both flags for one xrun: count the callback once
            if status.input_overflow:
                self.n_input_overflows += 1
            if status.output_underflow:
                self.n_output_underflows += 1
        n_lost = self._in_ring.overflow_samples + self._out_ring.underflow_samples
        self._in_ring.write(indata.T)
        if self.processing == "inline":
            self._process_ready()
        self._out_ring.read_into(outdata.T)
        if self._in_ring.overflow_samples + self._out_ring.underflow_samples != n_lost:
            self.n_ring_xruns += 1
        self._callback_ns[self.n_callbacks % N_CALLBACK_TIMING_SLOTS] = time.perf_counter_ns() - start_ns
        self.n_callbacks += 1

    def _worker_loop(self) -> None:
        poll_s = 0.25 * self.hop_samples / self.sample_rate
        while self._worker_running:
            if self._in_ring.n_readable < self.hop_samples:
                time.sleep(poll_s)
                continue
            self._process_ready()

    def _process_ready(self) -> None:
        self._drain_controls()
        h = self.hop_samples
        while self._in_ring.n_readable >= h:
            late = self.processing == "worker" and self._in_ring.n_readable > h + self.blocksize
            self._in_ring.read_into(self._hop_in)
            self._process_hop(force_dry=late)
            self._out_ring.write(self._hop_out)

    def _process_hop(self, force_dry: bool) -> None:
        denoiser = self.denoiser
        run_model = self._n_dry_hops_left == 0 and not force_dry and not self._model_failed
        start_ns = time.perf_counter_ns()
        try:
            denoiser.process_into(self._hop_in, self._hop_out, run_model=run_model)
        except Exception as exc:  # a failing model must not kill the audio thread: go dry, report
            self._model_failed = True
            self._post("processing_error", f"the model failed; passing audio through dry: {exc!r}")
            denoiser.process_into(self._hop_in, self._hop_out, run_model=False)
        elapsed_ns = time.perf_counter_ns() - start_ns
        if force_dry:
            self.n_overloads += 1
        if run_model and not denoiser.bypass and elapsed_ns > self._deadline_ns:
            self.n_overloads += 1
            self._n_dry_hops_left = self._backoff_hops
            self._backoff_hops = min(2 * self._backoff_hops, self._max_backoff_hops)
        elif run_model:
            self._backoff_hops = self._first_backoff_hops
        else:
            self.n_dry_hops += 1
            if self._n_dry_hops_left > 0:
                self._n_dry_hops_left -= 1
        _spectrum_db_into(denoiser.input_spectrum, denoiser.output_spectrum, denoiser.mask, self._column)
        _levels_into(self._hop_in, self._hop_out, self._level)
        self.columns.put(self._column)
        self.levels.put(self._level)
        self.hops.put(self._hop_out)

    def _drain_controls(self) -> None:
        controls = self._controls
        while not controls.empty():  # empty() first: get_nowait on an empty queue raises (allocates)
            name, value = controls.get_nowait()
            if name == "bypass":
                self.denoiser.bypass = value
            elif name == "strength_db":
                self.denoiser.strength_db = value
            elif name == "denoiser":
                value.bypass = self.denoiser.bypass
                value.strength_db = self.denoiser.strength_db
                value.n_sanitized_samples = self.denoiser.n_sanitized_samples
                self.denoiser = value
                self._model_failed = False

    def _on_finished(self) -> None:
        if not self._stopping:
            self._post("device_lost", "the audio stream ended by itself: the device is gone")

    # ---- helpers ----------------------------------------------------------------------------

    def _post(self, kind: str, message: str) -> None:
        self._events.append(EngineEvent(kind, message, time.time()))

    def _reset_counters(self) -> None:
        self.n_callbacks = 0
        self.n_device_xruns = 0
        self.n_input_overflows = 0
        self.n_output_underflows = 0
        self.n_ring_xruns = 0
        self.n_overloads = 0
        self.n_dry_hops = 0
        self._n_dry_hops_left = 0
        self._backoff_hops = self._first_backoff_hops
        self._model_failed = False
        self._n_events_seen = 0

    def _warm_up(self) -> None:
        # Compile the tap kernels now, not in the first callback.
        _spectrum_db_into(self.denoiser.input_spectrum, self.denoiser.output_spectrum, self.denoiser.mask, self._column)
        _levels_into(self._hop_in, self._hop_out, self._level)

    def _check_sample_rate(self) -> None:
        for device, kind in ((self.input_device, "input"), (self.output_device, "output")):
            check = sd.check_input_settings if kind == "input" else sd.check_output_settings
            try:
                check(device=device.index, channels=self.n_channels, dtype="float32", samplerate=self.sample_rate)
            except sd.PortAudioError as exc:
                raise EngineError(
                    f"{kind} device {device.describe()} cannot run at {self.sample_rate} Hz with "
                    f"{self.n_channels} channel(s) ({exc}); the model needs {self.sample_rate} Hz: set the "
                    f"device (or the JACK server) to {self.sample_rate} Hz, or use `livedenoise file` for "
                    "recordings at other rates"
                ) from exc


def _release(stream) -> None:
    try:
        stream.abort()
        stream.close()
    except sd.PortAudioError:
        pass
