"""EngineCallback: the work of one audio callback, apart from any device.

Each block: apply pending controls, push the input into a ring, process every whole hop through the
denoiser (under the overload guard, through the gate hook, crossfading after a model switch),
show each hop's input spectrum to a noise print's learner or refiner when one is hung here,
publish the taps that someone reads, fill the output from the out-ring, and put it through the
output gain and the safety limit (``SafetyLimiter``: no sample leaves above the ceiling). A device stream, a
file player or a test calls ``process_block`` with its buffers; the clock is passed in, so tests
drive it with a fake one.

Controls are plain attributes the owner thread sets and the callback picks up at its next block
(an int store is atomic under the GIL): nothing is queued, allocated or freed in the callback.
A model switch hands over a denoiser built and warmed by the owner; the callback lets it continue
the old one's STFT memories (so nothing jumps in time), runs both for ``FADE_HOPS`` hops while
fading from old to new, then parks the old one in ``retired`` for the owner to release.

The out-ring is primed with ``prefill_samples`` of silence so that every callback finds a full
block however the block size and the hop line up.

Real-time contract: ``process_block`` allocates no array, does no I/O, takes no lock, and always
fills its output. Everything is preallocated in ``__init__``.
"""

from __future__ import annotations

import array
import math
import time
from collections.abc import Callable

import numpy as np

from livedenoise.realtime.denoiser import StreamingDenoiser
from livedenoise.realtime.engine.hop_layouts import hop_layouts
from livedenoise.realtime.engine.overload_guard import OverloadGuard
from livedenoise.realtime.engine.print_learner import PrintLearner
from livedenoise.realtime.engine.print_refiner import PrintRefiner
from livedenoise.realtime.engine.ring import RingBuffer
from livedenoise.realtime.engine.taps import Taps
from livedenoise.realtime.engine.timing_summary import timing_summary
from livedenoise.realtime.hop_hook import HopHook
from livedenoise.realtime.limiter import SafetyLimiter

N_CALLBACK_TIMING_SLOTS = 8192
FADE_HOPS = 16  # 43 ms at a 128-sample hop: long enough not to click, short enough to feel instant
FIRST_BACKOFF_MS = 10.0
MAX_BACKOFF_MS = 1000.0
WARM_UP_S = 0.2


def warm_model_thread(denoiser: StreamingDenoiser, seconds: float = WARM_UP_S) -> None:
    """Start ``denoiser``'s model thread (where it steps on one) and step it on ``seconds`` of silence, paced
    as a stream would, then reset: a model switched to mid-stream starts with its thread awake, as the
    first model does after ``EngineCallback.warm_up``. Off the audio thread (a loader's)."""
    denoiser.start_worker()
    if denoiser.worker is None:
        return
    hop = np.zeros((denoiser.n_channels, denoiser.hop_samples), dtype=np.float32)
    out = np.zeros_like(hop)
    hop_s = denoiser.hop_samples / denoiser.sample_rate
    for _ in range(max(1, round(seconds / hop_s))):
        denoiser.process_into(hop, out)
        time.sleep(hop_s)
    denoiser.reset()
    denoiser.n_late_masks = 0


class EngineCallback:
    """Blocks of ``(channels, frames)`` float32 in, the same out, ``latency_samples`` later."""

    def __init__(
        self,
        denoiser: StreamingDenoiser,
        blocksize: int,
        taps: Taps | None = None,
        deadline_fraction: float = 0.6,
        clock_ns: Callable[[], int] = time.perf_counter_ns,
        output_gain_db: float = 0.0,
        limiter: bool = True,
    ) -> None:
        if blocksize <= 0:
            raise ValueError("blocksize must be positive")
        self.denoiser = denoiser
        denoiser.dry_on_model_error = True
        self.n_channels = c = denoiser.n_channels
        self.blocksize = blocksize
        self.sample_rate = denoiser.sample_rate
        self.hop_samples = h = denoiser.hop_samples
        self.taps = taps
        self.hook: HopHook | None = None
        # hung here by the owner while it learns the room (``PrintLearner``) or refines a print (``PrintRefiner``)
        self.print_learner: PrintLearner | None = None
        self.print_refiner: PrintRefiner | None = None
        self.model_in_callback = False  # see ``step_model_in_callback``
        # the output gain and the safety limit, on each block as it leaves for the device (``limits_output``),
        # or left to what stands between (``DeviceRateCallback``), at the device's rate
        self.limiter = SafetyLimiter(self.sample_rate, output_gain_db, limiter)
        self.limits_output = True
        self.clock_ns = clock_ns
        self.prefill_samples = h - math.gcd(blocksize, h)
        capacity = 4 * (blocksize + h) + self.prefill_samples
        self._in_ring = RingBuffer(c, capacity)
        self._out_ring = RingBuffer(c, capacity)
        self._hop_in = np.zeros((c, h), dtype=np.float32)
        self._hop_out = np.zeros((c, h), dtype=np.float32)
        self._hop_fading = np.zeros((c, h), dtype=np.float32)
        ramp = ((np.arange(FADE_HOPS * h) + 1) / (FADE_HOPS * h)).astype(np.float32)
        self._fade_ramps = [ramp[k * h : (k + 1) * h] for k in range(FADE_HOPS)]
        hop_ns = 1e9 * h / self.sample_rate
        self.guard = OverloadGuard(
            deadline_ns=int(deadline_fraction * hop_ns),
            first_backoff_hops=max(1, round(FIRST_BACKOFF_MS * 1e6 / hop_ns)),
            max_backoff_hops=max(1, round(MAX_BACKOFF_MS * 1e6 / hop_ns)),
        )
        self._callback_ns = array.array("q", bytes(8 * N_CALLBACK_TIMING_SLOTS))
        self._callback_timings = np.frombuffer(self._callback_ns, dtype=np.int64)
        timing_summary(self._callback_timings, 1)  # compiled now, not at the first state request
        # Controls: written by the owner, applied by the callback when the sequence number moves.
        self._wanted_bypass = denoiser.bypass
        self._wanted_strength_db = denoiser.strength_db
        self._wanted_gain_db = self.limiter.gain_db
        self._wanted_gain = self.limiter.gain
        self._wanted_limiter = self.limiter.enabled
        self._control_seq = 0
        self._applied_seq = 0
        self._incoming: StreamingDenoiser | None = None
        self._outgoing: StreamingDenoiser | None = None
        self.retired: StreamingDenoiser | None = None
        if taps is not None:
            taps.warm_up(self._hop_in, denoiser.input_spectrum, denoiser.mask)
        denoiser.start_worker()
        # The rings may first be needed long after the start (a one-hop block skips them until a
        # model switch): compile their copies for every block layout now, not in a callback.
        for block in hop_layouts(c, blocksize):
            self._in_ring.write(block)
            self._in_ring.read_into(block)
        self.reset()

    # ---- owner side -------------------------------------------------------------------------

    @property
    def latency_samples(self) -> int:
        """Denoiser latency plus the silence the out-ring starts with."""
        return self.denoiser.latency_samples + self.prefill_samples

    def allow_varying_blocks(self, prefill_samples: int) -> None:
        """Take blocks whose size varies from now on (a resampler in front gives such counts), the out-ring
        starting with ``prefill_samples`` of silence: what the caller found its sequence of blocks needs (a
        hop less one sample is enough for any). Before a stream starts; ``latency_samples`` follows."""
        if not 0 <= prefill_samples < self.hop_samples:
            raise ValueError(f"prefill_samples must be 0-{self.hop_samples - 1}, got {prefill_samples}")
        self.prefill_samples = prefill_samples
        self.reset()

    def warm_up(self, seconds: float = WARM_UP_S, through=None) -> None:
        """Run the whole callback on ``seconds`` of silence, paced as a device calls it, then ``reset``;
        ``through``: what the device calls instead (a ``DeviceRateCallback`` around this one).

        A stream's first callbacks would otherwise be the slowest of all: Python paths not yet run,
        buffers not yet touched, and the model's own thread not yet scheduled (its first steps on a
        fresh thread are its slowest), each a late cycle that every client of the server hears. The
        gate and a print's learner or refiner hear the stream, not this silence: they are off meanwhile."""
        target = self if through is None else through
        block_in = np.zeros((self.n_channels, target.blocksize), dtype=np.float32)
        block_out = np.zeros_like(block_in)
        period_s = target.blocksize / target.sample_rate
        listeners = self.hook, self.print_learner, self.print_refiner
        self.hook = self.print_learner = self.print_refiner = None
        try:
            for _ in range(max(1, round(seconds / period_s))):
                target.process_block(block_in, block_out)
                time.sleep(period_s)
        finally:
            self.hook, self.print_learner, self.print_refiner = listeners
            target.reset()

    def step_model_in_callback(self) -> None:
        """Step the model on each hop's own frame inside the callback, from now on and for models switched
        to, instead of one hop ahead on its own thread. For blocks of two hops or more: there, every hop
        of a block but the first would find the thread still stepping the one before (a late mask), while
        the callback has the whole block's time for the steps. Before a stream starts."""
        self.model_in_callback = True
        self.denoiser.close()  # its thread stops; the denoiser steps where it is called
        self.denoiser.mask_ahead = False

    def reset(self) -> None:
        """Before a stream starts: empty rings, fresh denoiser, counters at zero."""
        self.denoiser.reset()
        self.denoiser.n_late_masks = 0
        self._in_ring.clear()
        self._out_ring.clear()
        self._out_ring.write(np.zeros((self.n_channels, self.prefill_samples), dtype=np.float32))
        self._rings_empty = self.prefill_samples == 0
        self._in_ring.overflow_samples = self._out_ring.underflow_samples = 0
        self.guard.reset()
        self.limiter.reset()
        self.n_callbacks = 0
        self.n_hops = 0
        self.n_device_xruns = 0
        self.n_input_overflows = 0
        self.n_output_underflows = 0
        self.n_ring_xruns = 0
        self.n_model_switches = 0
        self.model_failed = False
        self.last_callback_ns = self.clock_ns()

    def set_bypass(self, bypass: bool) -> None:
        self._wanted_bypass = bool(bypass)
        self._control_seq += 1

    def set_strength_db(self, strength_db: float) -> None:
        if not strength_db >= 0.0:
            raise ValueError(f"strength_db must be >= 0, got {strength_db}")
        self._wanted_strength_db = float(strength_db)
        self._control_seq += 1

    def set_output_gain_db(self, gain_db: float) -> None:
        SafetyLimiter(self.sample_rate, gain_db)  # refuses what the limiter would (here, not in the callback)
        self._wanted_gain_db = float(gain_db)
        self._wanted_gain = 10.0 ** (gain_db / 20.0)
        self._control_seq += 1

    def set_limiter(self, enabled: bool) -> None:
        self._wanted_limiter = bool(enabled)
        self._control_seq += 1

    @property
    def output_gain_db(self) -> float:
        return self.limiter.gain_db

    @property
    def limiter_enabled(self) -> bool:
        return self.limiter.enabled

    @property
    def bypass(self) -> bool:
        """What the callback runs with now (not what was last asked for)."""
        return self.denoiser.bypass

    @property
    def strength_db(self) -> float:
        return self.denoiser.strength_db

    @property
    def switching(self) -> bool:
        """A model switch is under way (waiting, fading, or its old model not yet released)."""
        return self._incoming is not None or self._outgoing is not None or self.retired is not None

    def offer_denoiser(self, denoiser: StreamingDenoiser) -> None:
        """Hand over a built, warmed denoiser; the callback switches to it at its next block."""
        if denoiser.stft != self.denoiser.stft or denoiser.n_channels != self.n_channels:
            raise ValueError(
                f"the new model's STFT {denoiser.stft} differs from the running {self.denoiser.stft}: restart to switch"
            )
        if self.switching:
            raise RuntimeError("a model switch is already under way")
        denoiser.dry_on_model_error = True
        if self.model_in_callback:
            denoiser.close()
            denoiser.mask_ahead = False
        else:
            denoiser.start_worker()  # (already running when ``warm_model_thread`` woke it)
        self._incoming = denoiser

    def close(self) -> None:
        """Stop the model threads (once the stream has stopped)."""
        for denoiser in (self.denoiser, self._incoming, self._outgoing, self.retired):
            if denoiser is not None:
                denoiser.close()

    def take_retired(self) -> StreamingDenoiser | None:
        """The model a finished switch left behind, for the owner to release (off the audio thread)."""
        retired, self.retired = self.retired, None
        return retired

    def stats(self) -> dict:
        n = min(self.n_callbacks, N_CALLBACK_TIMING_SLOTS)
        block_ns = 1e9 * self.blocksize / self.sample_rate
        p50_ns, p99_ns, max_ns, mean_ns = timing_summary(self._callback_timings, n)
        return {
            "n_callbacks": int(self.n_callbacks),
            "n_hops": int(self.n_hops),
            "n_xruns": int(self.n_xruns),
            "n_device_xruns": int(self.n_device_xruns),
            "n_input_overflows": int(self.n_input_overflows),
            "n_output_underflows": int(self.n_output_underflows),
            "n_ring_xruns": int(self.n_ring_xruns),
            "n_overloads": int(self.guard.n_overloads),
            "n_dry_hops": int(self.guard.n_dry_hops),
            "n_late_masks": int(self.denoiser.n_late_masks),
            "n_model_switches": int(self.n_model_switches),
            "n_sanitized_samples": int(self.denoiser.n_sanitized_samples),
            "n_limited_samples": int(self.limiter.n_limited_samples),
            "callback_p50_us": p50_ns / 1e3,
            "callback_p99_us": p99_ns / 1e3,
            "callback_max_us": max_ns / 1e3,
            "load": mean_ns / block_ns,
        }

    @property
    def n_xruns(self) -> int:
        return self.n_device_xruns + self.n_ring_xruns

    # ---- audio side -------------------------------------------------------------------------

    def process_block(
        self, block_in: np.ndarray, block_out: np.ndarray, input_overflow: bool = False, output_underflow: bool = False
    ) -> None:
        """One callback: ``block_in`` ``(channels, frames)`` in, ``block_out`` the same shape, filled."""
        start_ns = self.clock_ns()
        self.last_callback_ns = start_ns
        if input_overflow or output_underflow:
            self.n_device_xruns += 1  # JACK raises both flags for one xrun: count the callback once
            if input_overflow:
                self.n_input_overflows += 1
            if output_underflow:
                self.n_output_underflows += 1
        if self._control_seq != self._applied_seq:
            self._apply_controls()
        if self._incoming is not None and self._outgoing is None:
            self._begin_switch()
        h = self.hop_samples
        if self._rings_empty and block_in.shape[1] == h and self._outgoing is None:
            # A block of one hop, as at the lowest latency, skips the rings while they are empty
            # (nothing is primed at that size): each ring copy would be one more cold call.
            self._process_hop(block_in, block_out)
        else:
            n_lost = self._in_ring.overflow_samples + self._out_ring.underflow_samples
            self._in_ring.write(block_in)
            while self._in_ring.n_readable >= h:
                self._in_ring.read_into(self._hop_in)
                self._process_hop(self._hop_in, self._hop_out)
                self._out_ring.write(self._hop_out)
            self._out_ring.read_into(block_out)
            if self._in_ring.overflow_samples + self._out_ring.underflow_samples != n_lost:
                self.n_ring_xruns += 1
            self._rings_empty = self._in_ring.n_readable == 0 and self._out_ring.n_readable == 0
        if self.limits_output:
            self.limiter.process_into(block_out)
        # a stdlib array, not numpy's: storing into a numpy array from Python runs numpy code
        # that is cold in every callback
        self._callback_ns[self.n_callbacks % N_CALLBACK_TIMING_SLOTS] = self.clock_ns() - start_ns
        self.n_callbacks += 1

    def _process_hop(self, hop_in: np.ndarray, hop_out: np.ndarray) -> None:
        denoiser = self.denoiser
        run_model = self.guard.model_allowed and not self.model_failed
        start_ns = self.clock_ns()
        denoiser.process_into(hop_in, hop_out, run_model)
        outgoing = self._outgoing
        if outgoing is not None:
            outgoing.process_into(hop_in, self._hop_fading, run_model)
            if outgoing.n_model_errors:
                self.model_failed = True
            self._crossfade(hop_out)
        if denoiser.n_model_errors:  # it passed that hop through dry; stop calling it, the owner reports it
            self.model_failed = True
        elif denoiser.calls_model and not denoiser.bypass and denoiser.worker is None:
            # (a model on its own thread is not timed here: a late mask is counted where it is used)
            self.guard.record(run_model, self.clock_ns() - start_ns)
        hook = self.hook
        if hook is not None:
            hook.process_into(hop_out, denoiser.mask, denoiser.input_spectrum)
        learner = self.print_learner
        if learner is not None:
            learner.observe(denoiser.input_spectrum)
        refiner = self.print_refiner
        if refiner is not None:
            refiner.observe(denoiser.input_spectrum, hook is not None and hook.is_open)
        if self.taps is not None:
            self.taps.publish(
                start_ns, hop_in, hop_out, denoiser.input_spectrum, denoiser.output_spectrum, denoiser.mask
            )
        self.n_hops += 1

    def _crossfade(self, hop_out: np.ndarray) -> None:
        """``hop_out = fading + ramp * (hop_out - fading)``; retire the old model after the last hop."""
        ramp = self._fade_ramps[self._fade_hop]
        np.subtract(hop_out, self._hop_fading, out=hop_out)
        np.multiply(hop_out, ramp, out=hop_out)
        np.add(hop_out, self._hop_fading, out=hop_out)
        self._fade_hop += 1
        if self._fade_hop == FADE_HOPS:
            self.retired = self._outgoing
            self._outgoing = None

    def _begin_switch(self) -> None:
        incoming = self._incoming
        incoming.continue_from(self.denoiser)
        self._outgoing = self.denoiser
        self.denoiser = incoming
        self._incoming = None
        self._fade_hop = 0
        self.model_failed = False
        self.n_model_switches += 1

    def _apply_controls(self) -> None:
        self._applied_seq = self._control_seq
        limiter = self.limiter
        limiter.gain_db = self._wanted_gain_db
        limiter.gain = self._wanted_gain
        limiter.enabled = self._wanted_limiter
        for denoiser in (self.denoiser, self._outgoing):
            if denoiser is not None:
                denoiser.bypass = self._wanted_bypass
                denoiser.strength_db = self._wanted_strength_db
