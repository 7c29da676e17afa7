"""DeviceRateCallback: the engine's callback behind a device that runs at another rate than the model.

The model runs at 48 kHz; an interface or a sound server at 44.1, 88.2 or 96 kHz is met with a
``PolyphaseResampler`` each way, inside the callback. A device block of ``blocksize`` samples becomes
a varying number of model samples (140 or 139 for 128 at 44.1 kHz), which the ``EngineCallback``
takes as blocks of any size; its output goes back to the device's rate into a ring at that rate,
primed with just enough silence (``prefill_samples``) that every device block finds a full buffer.
That silence is found by playing the resamplers' sample counts forward (they depend on nothing
but the rates and the block size) until they repeat.

Latency: the two resamplers' delays and that silence add to the engine's; ``resampling_samples``
says how much, in samples at the model's rate, for the one latency line.

Real-time contract: ``process_block`` allocates nothing, does no I/O, takes no lock; the views it
passes on are made once, for every count a block can give.
"""

from __future__ import annotations

import numpy as np

from livedenoise.realtime.engine.callback import EngineCallback
from livedenoise.realtime.engine.polyphase_resampler import PolyphaseResampler
from livedenoise.realtime.engine.ring import RingBuffer

MAX_PLANNED_BLOCKS = 200_000  # the counts repeat long before this at any supported rate and block size


class DeviceRateCallback:
    """Device blocks ``(channels, blocksize)`` at ``sample_rate`` through ``inner`` at the model's rate."""

    def __init__(self, inner: EngineCallback, sample_rate: int, blocksize: int) -> None:
        self.inner = inner
        self.sample_rate = sample_rate
        self.blocksize = blocksize
        self.n_channels = c = inner.n_channels
        model_rate = inner.sample_rate
        self.to_model = PolyphaseResampler(sample_rate, model_rate, c, blocksize)
        self.to_device = PolyphaseResampler(model_rate, sample_rate, c, self.to_model.max_out)
        inner_prefill, self.prefill_samples = self._plan_prefills()
        inner.allow_varying_blocks(inner_prefill)
        # the gain and the limit act last, here at the device's rate: resampling can overshoot a limit set before it
        inner.limits_output = False
        inner.limiter.set_sample_rate(sample_rate)
        self._model_in = np.zeros((c, self.to_model.max_out), dtype=np.float32)
        self._model_out = np.zeros_like(self._model_in)
        self._device_out = np.zeros((c, self.to_device.max_out), dtype=np.float32)
        # one view per count, made here: slicing in the callback would make a new array object each time
        self._model_in_views = [self._model_in[:, :n] for n in range(self.to_model.max_out + 1)]
        self._model_out_views = [self._model_out[:, :n] for n in range(self.to_model.max_out + 1)]
        self._device_out_views = [self._device_out[:, :n] for n in range(self.to_device.max_out + 1)]
        self._ring = RingBuffer(c, 4 * (blocksize + self.to_device.max_out) + self.prefill_samples)
        self._silence = np.zeros((c, self.prefill_samples), dtype=np.float32)
        inner.warm_up(0.0, through=self)  # every path compiled before any callback (the gate hears none of it)

    @property
    def resampling_samples(self) -> int:
        """What resampling adds to the latency, in samples at the model's rate: both filters' delays and
        the device-rate ring's silence."""
        seconds = self.to_model.delay_s + self.to_device.delay_s + self.prefill_samples / self.sample_rate
        return round(seconds * self.inner.sample_rate)

    def _plan_prefills(self) -> tuple[int, int]:
        """The fewest samples of silence that leave no block short: in the engine's out-ring (model rate,
        whole hops come out of it) and in the device-rate ring, found by running the counts on until
        the resamplers' positions and the partial hop repeat."""
        hop = self.inner.hop_samples
        self.to_model.reset()
        self.to_device.reset()
        seen = set()
        n_model = shortfall = worst_inner = worst_device = 0
        for _ in range(MAX_PLANNED_BLOCKS):
            key = (self.to_model._position, self.to_device._position, n_model % hop)
            if key in seen:
                break
            seen.add(key)
            n = self.to_model.advance_count(self.blocksize)
            n_model += n
            worst_inner = max(worst_inner, n_model % hop)  # what the engine owes until its next whole hop
            shortfall += self.blocksize - self.to_device.advance_count(n)
            worst_device = max(worst_device, shortfall)
        self.to_model.reset()
        self.to_device.reset()
        return worst_inner, worst_device

    def reset(self) -> None:
        """Before a stream starts: both resamplers, the ring primed with its silence, the engine's callback."""
        self.to_model.reset()
        self.to_device.reset()
        self._ring.clear()
        self._ring.write(self._silence)
        self._ring.overflow_samples = self._ring.underflow_samples = 0
        self.inner.reset()

    def process_block(
        self, block_in: np.ndarray, block_out: np.ndarray, input_overflow: bool = False, output_underflow: bool = False
    ) -> None:
        n = self.to_model.process_into(block_in, self._model_in)
        self.inner.process_block(self._model_in_views[n], self._model_out_views[n], input_overflow, output_underflow)
        m = self.to_device.process_into(self._model_out_views[n], self._device_out)
        self._ring.write(self._device_out_views[m])
        self._ring.read_into(block_out)
        self.inner.limiter.process_into(block_out)
