"""AudioEngine: a sounddevice stream around an ``EngineCallback``, and what happens to the device.

The engine opens a duplex stream from the input device to the output device (or an output-only
stream fed by a ``LoopingSource``) at the model's rate, and hands each callback's buffers to the
``EngineCallback``. It runs inside the engine process (``engine_process``), which nothing else
keeps busy.

Processing is inline, in the callback. Measured with ``livedenoise bench e2e --model dsp --seconds 20
--load-procs 2`` (JACK dummy server, period and block 128, on the shared 2-core dev machine): inline
gave a 10.67 ms round trip; a worker thread doubled it to 21.33 ms (a block of queued output plus
its polling lag, past the ~12 ms a guitarist tolerates) without buying headroom, since Python
threads share one interpreter lock.

Sample rate: the stream runs at the model's rate (48 kHz) where both devices can; otherwise at the
output device's own rate (44.1, 88.2, 96 kHz...), through a ``DeviceRateCallback`` that resamples
each way inside the callback, its delay counted in the latency (``resampling_samples``).

Input channels: the engine hears the input device's first channels, or those ``input_channels``
names (numbered from 1: a guitar on input 2 of a two-input interface); the stream opens as many
inputs as reach the highest, and the callback copies the chosen ones out of the device's buffer.

Device loss: PortAudio's finished callback, or callbacks that stop arriving, produce an
``EngineEvent`` (``poll()``). PortAudio's JACK back end cannot stop or close a stream whose server
has died (``Pa_AbortStream`` never returns), nor be re-initialised in that process: after a device
loss the engine process reports it and exits, and the parent starts a fresh one.
"""

from __future__ import annotations

import sys
import threading
import time

import numpy as np
import sounddevice as sd
from numba import njit

from livedenoise.realtime.engine.callback import EngineCallback
from livedenoise.realtime.engine.device_rate import DeviceRateCallback
from livedenoise.realtime.engine.devices import Device, find_device
from livedenoise.realtime.engine.events import EngineError, EngineEvent
from livedenoise.realtime.engine.looping_source import LoopingSource
from livedenoise.realtime.engine.polyphase_resampler import MAX_RATE_HZ, MIN_RATE_HZ

# Another thread holding the GIL keeps it until the switch interval (5 ms by default) runs out,
# longer than a 128-sample block: ask for hand-overs well inside one block while streaming.
GIL_SWITCH_BLOCK_FRACTION = 0.1
SILENT_STREAM_S = 0.5  # callbacks absent this long while running: the device is gone
# Streams whose release never returned: kept referenced so no finaliser touches them again.
_abandoned_streams: list = []


class AudioEngine:
    """Live audio from ``input_device`` (or ``source``) through ``callback`` to ``output_device``."""

    def __init__(
        self,
        callback: EngineCallback,
        input_device: int | str | None = None,
        output_device: int | str | None = None,
        source: LoopingSource | None = None,
        input_channels: tuple[int, ...] | None = None,
    ) -> None:
        self.callback = callback
        self.source = source
        self.input_device: Device | None = None if source is not None else find_device(input_device, "input")
        self.output_device: Device = find_device(output_device, "output")
        self.n_channels = callback.n_channels
        self.blocksize = callback.blocksize
        # the input device's channels the engine hears (from 0 here), and how many the stream opens to reach them
        self.input_channels = (
            tuple(range(self.n_channels)) if input_channels is None else tuple(c - 1 for c in input_channels)
        )
        self.n_input_opened = max(self.input_channels) + 1
        self._picked = None
        if input_channels is not None and self.input_channels != tuple(range(self.n_channels)):
            self._channel_index = np.array(self.input_channels, dtype=np.int64)
            self._picked = np.zeros((self.n_channels, self.blocksize), dtype=np.float32)
            _pick_channels(
                np.zeros((self.blocksize, self.n_input_opened), np.float32), self._channel_index, self._picked
            )  # compiled now, not in the first callback
        self._check_channels()
        self.sample_rate = self._choose_rate()  # the stream's: the model's, or the devices' own
        # what the device's callback calls: the engine's callback, or it behind a resampler each way
        self.resampler: DeviceRateCallback | None = None
        if self.sample_rate != callback.sample_rate:
            self.resampler = DeviceRateCallback(callback, self.sample_rate, self.blocksize)
            if source is not None:  # the file plays at the device's rate, then meets the model's like an input
                self.source = LoopingSource(source.path, self.sample_rate, self.n_channels)
        self._device_side = callback if self.resampler is None else self.resampler
        self._source_block = np.zeros((self.n_channels, self.blocksize), dtype=np.float32)
        self._stream = None
        self._stopping = False
        self._events: list[EngineEvent] = []
        self._n_events_seen = 0
        self._model_failed_reported = False

    @property
    def running(self) -> bool:
        return self._stream is not None

    @property
    def device_latency_samples(self) -> int:
        """Input plus output latency that PortAudio reports for the open stream, in samples at the model's
        rate (0 when stopped)."""
        if self._stream is None:
            return 0
        latency = self._stream.latency
        total_s = sum(latency) if isinstance(latency, tuple) else latency
        return round(total_s * self.callback.sample_rate)

    @property
    def resampling_samples(self) -> int:
        """What resampling to and from the device's rate adds, in samples at the model's rate (0: none)."""
        return 0 if self.resampler is None else self.resampler.resampling_samples

    @property
    def device_lost(self) -> bool:
        return any(e.kind == "device_lost" for e in self._events)

    def describe(self) -> str:
        source = f"file {self.source.path}" if self.source is not None else repr(self.input_device.name)
        rate = "" if self.resampler is None else f" at {self.sample_rate} Hz, resampled to {self.callback.sample_rate}"
        return f"{source} -> {self.output_device.name!r}{rate}"

    @property
    def model_block_samples(self) -> float:
        """A device block in samples at the model's rate (on average, when resampled)."""
        return self.blocksize * self.callback.sample_rate / self.sample_rate

    def warm_up(self) -> None:
        """The device's callback path run on silence, paced, before the stream starts (``EngineCallback.warm_up``)."""
        self.callback.warm_up(through=None if self.resampler is None else self.resampler)

    def start(self) -> None:
        if self._stream is not None:
            return
        self._device_side.reset()
        self._events.clear()
        self._n_events_seen = 0
        self._stopping = False
        common = dict(
            samplerate=self.sample_rate,
            blocksize=self.blocksize,
            dtype="float32",
            latency="low",
            finished_callback=self._on_finished,
        )
        try:
            if self.source is None:
                stream = sd.Stream(
                    device=(self.input_device.index, self.output_device.index),
                    channels=(self.n_input_opened, self.n_channels),
                    callback=self._duplex_callback,
                    **common,
                )
            else:
                stream = sd.OutputStream(
                    device=self.output_device.index, channels=self.n_channels, callback=self._source_callback, **common
                )
        except sd.PortAudioError as exc:
            raise EngineError(
                f"cannot open {self.describe()} at {self.sample_rate} Hz, {self.n_channels} channel(s), "
                f"block {self.blocksize}: {exc}"
            ) from exc
        self._stream = stream
        self._saved_switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(
            min(self._saved_switch_interval, GIL_SWITCH_BLOCK_FRACTION * self.blocksize / self.sample_rate)
        )
        self.callback.last_callback_ns = time.perf_counter_ns()
        stream.start()

    def stop(self) -> None:
        """Stop and close the stream; after a device loss, release it without waiting on it."""
        stream, self._stream = self._stream, None
        self._stopping = True
        if stream is None:
            return
        sys.setswitchinterval(self._saved_switch_interval)
        if self.device_lost:
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
            silent_s = (time.perf_counter_ns() - self.callback.last_callback_ns) / 1e9
            if silent_s > SILENT_STREAM_S or not self._stream.active:
                self._post("device_lost", f"the audio device stopped responding ({silent_s:.1f} s without a callback)")
        if self.callback.model_failed and not self._model_failed_reported:
            self._model_failed_reported = True
            self._post("error", "the model failed on this input; audio passes through dry until the model is switched")
        elif not self.callback.model_failed:
            self._model_failed_reported = False
        events = self._events[self._n_events_seen :]
        self._n_events_seen = len(self._events)
        return events

    def _duplex_callback(self, indata, outdata, frames, time_info, status) -> None:
        block_in = indata.T
        if self._picked is not None:
            block_in = self._picked if frames == self.blocksize else self._picked[:, :frames]
            _pick_channels(indata, self._channel_index, block_in)
        if status:
            self._device_side.process_block(block_in, outdata.T, status.input_overflow, status.output_underflow)
        else:
            self._device_side.process_block(block_in, outdata.T)

    def _source_callback(self, outdata, frames, time_info, status) -> None:
        block = self._source_block if frames == self.blocksize else self._source_block[:, :frames]
        self.source.read_into(block)
        if status:
            self._device_side.process_block(block, outdata.T, False, status.output_underflow)
        else:
            self._device_side.process_block(block, outdata.T)

    def _on_finished(self) -> None:
        if not self._stopping:
            self._post("device_lost", "the audio stream ended by itself: the device is gone")

    def _post(self, kind: str, message: str) -> None:
        self._events.append(EngineEvent(kind, message, time.time()))

    def _devices(self) -> list[tuple[Device, str]]:
        devices = [(self.output_device, "output")]
        if self.input_device is not None:
            devices.insert(0, (self.input_device, "input"))
        return devices

    def _check_channels(self) -> None:
        for device, kind in self._devices():
            n_device = device.n_input_channels if kind == "input" else device.n_output_channels
            if kind == "input" and self.n_input_opened > n_device and self._picked is not None:
                wanted = ",".join(str(c + 1) for c in self.input_channels)
                raise EngineError(
                    f"input device {device.describe()} has {n_device} channel(s), channel(s) {wanted} "
                    f"asked for; give channels from 1 to {n_device}",
                    setting="input_channels",
                )
            if self.n_channels > n_device:
                raise EngineError(
                    f"{kind} device {device.describe()} has {n_device} channel(s), "
                    f"{self.n_channels} asked for; give {n_device} or fewer",
                    setting="channels",
                )

    def _supports(self, rate: int) -> str | None:
        """None when both devices take ``rate``; else PortAudio's reason, naming the device."""
        for device, kind in self._devices():
            check = sd.check_input_settings if kind == "input" else sd.check_output_settings
            n_opened = self.n_input_opened if kind == "input" else self.n_channels
            try:
                check(device=device.index, channels=n_opened, dtype="float32", samplerate=rate)
            except sd.PortAudioError as exc:
                return f"{kind} device {device.describe()}: {exc}"
        return None

    def _choose_rate(self) -> int:
        """The model's rate where both devices take it, else the output device's own (resampled)."""
        model_rate = self.callback.sample_rate
        refusal = self._supports(model_rate)
        if refusal is None:
            return model_rate
        rate = self.output_device.default_sample_rate
        if not MIN_RATE_HZ <= rate <= MAX_RATE_HZ:
            raise EngineError(
                f"{refusal}; its own rate, {rate} Hz, is outside the {MIN_RATE_HZ}-{MAX_RATE_HZ} Hz the "
                "engine resamples from: set the device (or the JACK server) to 44.1, 48 or 96 kHz"
            )
        other = self._supports(rate)
        if other is not None:
            raise EngineError(
                f"the devices take neither the model's {model_rate} Hz ({refusal}) nor {rate} Hz "
                f"({other}): set both to one rate"
            )
        return rate


@njit(cache=True, nogil=True)
def _pick_channels(indata, channels, out):
    """``out[k] = indata[:, channels[k]]``: the chosen channels of a device buffer ``(frames, opened)``."""
    for k in range(channels.size):
        c = channels[k]
        for i in range(out.shape[1]):
            out[k, i] = indata[i, c]


def _release(stream) -> None:
    try:
        stream.abort()
        stream.close()
    except sd.PortAudioError:
        pass
