"""StreamingDenoiser: one hop in, one hop out, through the STFT and a model runtime.

``process_into(hop_in, hop_out)`` is the real-time entry: fixed hop, the caller's buffers, nothing
allocated. ``process(block)`` takes any amount of audio and returns what is ready; ``flush()``
returns the rest, so that everything returned since ``reset()`` is the input delayed by exactly
``latency_samples``, followed by its tail. Stereo is linked: one mask, from the channels' mean
magnitude (a complex mean would cancel out-of-phase content), is applied to every channel, so the
image never moves.

With ``mask_ahead`` each hop is filtered with the mask the model made from the frames before it
(one hop, 2.7 ms, older), and the model then steps on this hop's frame: the live engine runs that
step on a ``ModelWorker`` thread (``start_worker``), so the audio callback does not wait for it.
Without a worker the same order runs in line, so offline output equals the live output whenever
the worker keeps up.

Bad samples (NaN, Inf, absurd values) are replaced before they reach the STFT and counted; a
non-finite mask value passes the bin through unchanged and is counted. Bypass and strength act on
the mask, after the same STFT, so switching them never moves the output in time.
"""

from __future__ import annotations

import array
import math
import time

import numpy as np
from numba import njit

from livedenoise.realtime.engine.hop_layouts import hop_layouts
from livedenoise.realtime.engine.model_worker import ModelWorker
from livedenoise.realtime.hop_hook import HopHook
from livedenoise.realtime.runtimes.protocol import ModelRuntime
from livedenoise.realtime.stft import StftAnalyzer, StftConfig, StftSynthesizer, analyze_frame, synthesize_frame

SAMPLE_LIMIT = 16.0  # anything beyond +-16 full scale is not audio: clamp it
N_TIMING_SLOTS = 8192


def strength_min_gain(strength_db: float) -> float:
    """The smallest gain the strength limit lets through: at most ``strength_db`` removed (``inf``: no limit)."""
    return 0.0 if math.isinf(strength_db) else 10.0 ** (-strength_db / 20.0)


@njit(cache=True, nogil=True)
def _sanitize_into(src, dst, limit):
    """Copy ``src`` to ``dst`` with non-finite samples zeroed and huge ones clamped; count them."""
    n_bad = 0
    for c in range(src.shape[0]):
        for i in range(src.shape[1]):
            x = src[c, i]
            if not np.isfinite(x):
                x = 0.0
                n_bad += 1
            elif x > limit or x < -limit:
                x = limit if x > 0 else -limit
                n_bad += 1
            dst[c, i] = x
    return n_bad


@njit(cache=True, nogil=True)
def _channel_mean(spec, out):
    """Complex ``(channels, n_freqs)`` -> real/imag ``(2, n_freqs)``: the channels' mean magnitude.

    Magnitudes, not complex values, are averaged: out-of-phase content would cancel in a complex
    mean and the model would never see it. The phase is the first channel's (the model reads
    magnitudes); one channel passes through unchanged.
    """
    n_channels = spec.shape[0]
    for k in range(spec.shape[1]):
        re = spec[0, k].real
        im = spec[0, k].imag
        if n_channels > 1:
            first = abs(spec[0, k])
            total = first
            for c in range(1, n_channels):
                total += abs(spec[c, k])
            mean = total / n_channels
            if first > 0.0:
                re *= mean / first
                im *= mean / first
            else:
                re = mean
                im = 0.0
        out[0, k] = re
        out[1, k] = im


@njit(cache=True, nogil=True)
def apply_mask(spec, mask, min_gain, out):
    """``out = spec * mask`` per channel, mask magnitude raised to ``min_gain``; count bad mask bins."""
    n_bad = 0
    for k in range(spec.shape[1]):
        mr = mask[0, k]
        mi = mask[1, k]
        if not (np.isfinite(mr) and np.isfinite(mi)):
            mr = 1.0
            mi = 0.0
            n_bad += 1
        magnitude = math.sqrt(mr * mr + mi * mi)
        if magnitude < min_gain:
            if magnitude > 0.0:
                scale = min_gain / magnitude
                mr *= scale
                mi *= scale
            else:
                mr = min_gain
                mi = 0.0
        m = complex(mr, mi)
        for c in range(spec.shape[0]):
            out[c, k] = spec[c, k] * m
    return n_bad


@njit(cache=True, nogil=True)
def _analyze_hop(hop_in, clean_hop, spectrum, model_input, *analyzer_buffers):
    """Sanitize, analyse, and average the channels for the model: a model hop's first compiled call."""
    n_bad = _sanitize_into(hop_in, clean_hop, SAMPLE_LIMIT)
    analyze_frame(clean_hop, spectrum, *analyzer_buffers)
    _channel_mean(spectrum, model_input)
    return n_bad


@njit(cache=True, nogil=True)
def _synthesize_hop(spectrum, mask, min_gain, out_spectrum, hop_out, *synthesizer_buffers):
    """Apply the mask and synthesise the hop: its second compiled call. Returns the bad mask bins."""
    n_bad = apply_mask(spectrum, mask, min_gain, out_spectrum)
    synthesize_frame(out_spectrum, hop_out, *synthesizer_buffers)
    return n_bad


@njit(cache=True, nogil=True)
def _dry_hop(
    hop_in,
    hop_out,
    clean_hop,
    spectrum,
    out_spectrum,
    frame,
    oldest,
    window,
    window_tail,
    overlap,
    scratch,
    bit_reverse,
    stage_twiddles,
    split_twiddles,
):
    """A hop without the model (bypass, identity, overload): the same path with the unit mask, in one
    compiled call, since each call from Python costs tens of microseconds when the audio thread wakes
    with cold caches, and each argument is typed at every call: the analyser's and the synthesiser's
    memories, then one scratch and table set for both transforms. Returns the sanitized samples."""
    n_bad = _sanitize_into(hop_in, clean_hop, SAMPLE_LIMIT)
    analyze_frame(clean_hop, spectrum, frame, oldest, window, scratch, bit_reverse, stage_twiddles, split_twiddles)
    out_spectrum[...] = spectrum  # the unit mask, without reading one
    synthesize_frame(out_spectrum, hop_out, window_tail, overlap, scratch, bit_reverse, stage_twiddles, split_twiddles)
    return n_bad


class StreamingDenoiser:
    """Denoises ``(channels, samples)`` float32 audio at the runtime's sample rate."""

    def __init__(
        self,
        runtime: ModelRuntime,
        n_channels: int = 1,
        strength_db: float = 40.0,
        bypass: bool = False,
        mask_ahead: bool = False,
    ) -> None:
        if n_channels <= 0:
            raise ValueError("n_channels must be positive")
        self.runtime = runtime
        # a runtime whose mask is always the unit mask (the identity path) is never called
        self.calls_model = not getattr(runtime, "passes_through", False)
        card = runtime.card
        self.sample_rate = card.sample_rate
        self.n_channels = n_channels
        self.stft = StftConfig(card.n_fft, card.hop_samples)
        self.hop_samples = card.hop_samples
        self._analyzer = StftAnalyzer(self.stft, n_channels)
        self._synthesizer = StftSynthesizer(self.stft, n_channels)
        self._state = runtime.initial_state()
        self._clean_hop = np.zeros((n_channels, self.hop_samples), dtype=np.float32)
        self.input_spectrum = np.zeros((n_channels, self.stft.n_freqs), dtype=np.complex64)
        self.output_spectrum = np.zeros_like(self.input_spectrum)
        self._model_input = np.zeros((2, self.stft.n_freqs), dtype=np.float32)
        self._dry_buffers = (
            (self._clean_hop, self.input_spectrum, self.output_spectrum)
            + self._analyzer.memory
            + self._synthesizer.memory
            + self._analyzer.transform
        )
        self._unit_mask = np.zeros((2, self.stft.n_freqs), dtype=np.float32)
        self._unit_mask[0] = 1.0
        self.mask = self._unit_mask
        self.mask_ahead = mask_ahead
        # with mask_ahead and no worker: the mask for this hop, and where the next one is made
        self._ahead_masks = [self._unit_mask.copy(), self._unit_mask.copy()]
        self._ahead_index = 0
        self.worker: ModelWorker | None = None
        self.bypass = bypass
        self.strength_db = strength_db
        # acts on each hop that ``process`` returns (the noise gate); the engine calls its own, after a crossfade
        self.hop_hook: HopHook | None = None
        # any-length front end: a partial hop waits here
        self._pending = np.zeros((n_channels, self.hop_samples), dtype=np.float32)
        self._n_pending = 0
        self._n_in = 0
        self._one_dimensional = False  # flush answers in the layout process was given
        # instrumentation
        self._hop_ns = array.array("q", bytes(8 * N_TIMING_SLOTS))
        self.n_hops = 0
        self.n_sanitized_samples = 0
        self.n_bad_mask_bins = 0
        self.n_model_errors = 0
        self.n_late_masks = 0  # hops that found the worker still stepping an earlier frame
        # Live use sets this: a model that raises then costs a dry hop, not the stream (files fail loudly).
        self.dry_on_model_error = False
        self._warm_up()

    @property
    def latency_samples(self) -> int:
        return self.stft.latency_samples

    @property
    def strength_db(self) -> float:
        """Maximum attenuation in dB (``inf``: no limit)."""
        return self._strength_db

    @strength_db.setter
    def strength_db(self, value: float) -> None:
        if not value >= 0.0:
            raise ValueError(f"strength_db must be >= 0, got {value}")
        self._strength_db = float(value)
        self._min_gain = strength_min_gain(value)

    def _warm_up(self) -> None:
        # Compile the numba kernels now, not on the first audio callback, for every hop layout.
        layouts = hop_layouts(self.n_channels, self.hop_samples)
        for hop_in in layouts:
            for hop_out in layouts:
                for run_model in (True, False):
                    self.process_into(hop_in, hop_out, run_model)
        self.reset()
        self.n_hops = self.n_sanitized_samples = self.n_bad_mask_bins = self.n_model_errors = 0

    def start_worker(self) -> None:
        """With ``mask_ahead``, step the model on its own thread from now on (``close()`` stops it),
        if its runtime says its step is worth one (``heavy_step``: ONNX Runtime's, hundreds of us)."""
        if self.mask_ahead and getattr(self.runtime, "heavy_step", False) and self.worker is None:
            self.worker = ModelWorker(self.runtime, self._state, self.stft.n_freqs)

    def close(self) -> None:
        """Stop the worker thread, if any."""
        if self.worker is not None:
            self.worker.close()
            self.worker = None

    def reset(self) -> None:
        """Start a new stream: clear the STFT memories, the model state and the pending input."""
        self._analyzer.reset()
        self._synthesizer.reset()
        self._state = self.runtime.initial_state()
        for mask in self._ahead_masks:
            mask[...] = self._unit_mask
        if self.worker is not None:
            self.worker.restart(self._state)
        self._n_pending = 0
        self._n_in = 0
        if self.hop_hook is not None:
            self.hop_hook.reset()

    def continue_from(self, other: StreamingDenoiser) -> None:
        """Carry on ``other``'s stream (same STFT and channels): its input memory, pending overlap,
        controls and counters; only the model state starts fresh. Allocates nothing (a model switch
        calls it on the audio thread)."""
        if other.stft != self.stft or other.n_channels != self.n_channels:
            raise ValueError(f"cannot continue a {other.stft} stream of {other.n_channels} channel(s) with {self.stft}")
        self._analyzer.continue_from(other._analyzer)
        self._synthesizer.continue_from(other._synthesizer)
        self.bypass = other.bypass
        self._strength_db = other._strength_db
        self._min_gain = other._min_gain
        self.n_sanitized_samples = other.n_sanitized_samples
        self.n_bad_mask_bins = other.n_bad_mask_bins

    def process_into(self, hop_in: np.ndarray, hop_out: np.ndarray, run_model: bool = True) -> None:
        """Process one hop ``(channels, hop_samples)`` into ``hop_out``; allocates nothing.

        With ``run_model=False`` the hop takes the unit mask without calling the runtime: the dry
        signal at the same latency, for a caller that is out of time.
        """
        start_ns = time.perf_counter_ns()
        if not (run_model and self.calls_model) or self.bypass:
            self.mask = self._unit_mask
            self.n_sanitized_samples += _dry_hop(hop_in, hop_out, *self._dry_buffers)
        elif self.mask_ahead:
            self._ahead_hop(hop_in, hop_out)
        else:
            self.n_sanitized_samples += _analyze_hop(
                hop_in, self._clean_hop, self.input_spectrum, self._model_input, *self._analyzer.buffers
            )
            try:
                self.mask = self.runtime.step(self._model_input, self._state)
                min_gain = self._min_gain
            except Exception:
                if not self.dry_on_model_error:
                    raise
                self.n_model_errors += 1  # a live stream must not stop: this hop goes through dry
                self.mask = self._unit_mask
                min_gain = 0.0
            self.n_bad_mask_bins += _synthesize_hop(
                self.input_spectrum, self.mask, min_gain, self.output_spectrum, hop_out, *self._synthesizer.buffers
            )
        # a stdlib array, not numpy's: storing into a numpy array from Python runs numpy code
        # that is cold in every audio callback
        self._hop_ns[self.n_hops % N_TIMING_SLOTS] = time.perf_counter_ns() - start_ns
        self.n_hops += 1

    def _ahead_hop(self, hop_in: np.ndarray, hop_out: np.ndarray) -> None:
        """Filter with the mask of the frames before this one, then step the model on this frame:
        on the worker thread when there is one, else here."""
        worker = self.worker
        model_input = self._model_input
        slot = None if worker is None else worker.free_slot()
        if slot is not None:
            model_input = slot  # analysed straight into the worker's input
        self.n_sanitized_samples += _analyze_hop(
            hop_in, self._clean_hop, self.input_spectrum, model_input, *self._analyzer.buffers
        )
        if worker is None:
            mask = self._ahead_masks[self._ahead_index]
        else:
            if worker.lag:
                self.n_late_masks += 1
            mask = worker.mask
            self.n_model_errors = worker.n_model_errors
        self.mask = mask
        self.n_bad_mask_bins += _synthesize_hop(
            self.input_spectrum, mask, self._min_gain, self.output_spectrum, hop_out, *self._synthesizer.buffers
        )
        if worker is not None:
            if slot is None:
                worker.drop()
            else:
                worker.submit()
            return
        self._ahead_index ^= 1
        following = self._ahead_masks[self._ahead_index]
        try:
            following[...] = self.runtime.step(model_input, self._state)
        except Exception:
            if not self.dry_on_model_error:
                raise
            self.n_model_errors += 1
            following[...] = self._unit_mask

    def process(self, block: np.ndarray) -> np.ndarray:
        """Feed any number of samples ``(channels, samples)`` (or ``(samples,)`` when mono).

        Returns the output that is ready, a whole number of hops, in the same layout.
        """
        block, squeeze = self._as_block(block)
        self._one_dimensional = squeeze
        h = self.hop_samples
        n = block.shape[1]
        n_ready = (self._n_pending + n) // h
        out = np.empty((self.n_channels, n_ready * h), dtype=np.float32)
        pos = 0
        for k in range(n_ready):
            take = h - self._n_pending
            self._pending[:, self._n_pending :] = block[:, pos : pos + take]
            pos += take
            self._n_pending = 0
            hop_out = out[:, k * h : (k + 1) * h]
            self.process_into(self._pending, hop_out)
            if self.hop_hook is not None:
                self.hop_hook.process_into(hop_out, self.mask, self.input_spectrum)
        rest = n - pos
        self._pending[:, self._n_pending : self._n_pending + rest] = block[:, pos:]
        self._n_pending += rest
        self._n_in += n
        return out[0] if squeeze else out

    def flush(self) -> np.ndarray:
        """Return the rest of the stream since ``reset()`` and start a new one.

        Everything returned since ``reset()`` then totals ``n_in + latency_samples`` samples, in the
        layout ``process`` was last given. A second ``flush()`` returns nothing.
        """
        if self._n_in == 0:
            empty = np.zeros((self.n_channels, 0), dtype=np.float32)
            return empty[0] if self._one_dimensional else empty
        # Unprocessed input is exactly the pending part; push it and the latency out with zeros.
        n_missing = self._n_pending + self.latency_samples
        n_hops = -(-n_missing // self.hop_samples)
        tail = np.zeros((self.n_channels, n_hops * self.hop_samples - self._n_pending), dtype=np.float32)
        one_dimensional = self._one_dimensional
        out = self.process(tail)[:, :n_missing]
        self.reset()
        self._one_dimensional = one_dimensional
        return out[0] if one_dimensional else out

    def _as_block(self, block: np.ndarray) -> tuple[np.ndarray, bool]:
        block = np.asarray(block, dtype=np.float32)
        squeeze = block.ndim == 1
        if squeeze:
            block = block[np.newaxis]
        if block.ndim != 2 or block.shape[0] != self.n_channels:
            raise ValueError(
                f"expected audio of shape ({self.n_channels}, samples), got {block.shape}; "
                "pass channels first, time last"
            )
        return block, squeeze

    def timing_stats(self) -> dict[str, float]:
        """Per-hop compute time over the most recent hops: p50/p99/max in µs and the real-time factor."""
        n = min(self.n_hops, N_TIMING_SLOTS)
        if n == 0:
            return {"n_hops": 0}
        hop_us = np.frombuffer(self._hop_ns, dtype=np.int64)[:n] / 1e3
        hop_duration_us = 1e6 * self.hop_samples / self.sample_rate
        return {
            "n_hops": int(self.n_hops),
            "p50_us": float(np.percentile(hop_us, 50)),
            "p99_us": float(np.percentile(hop_us, 99)),
            "max_us": float(hop_us.max()),
            "mean_us": float(hop_us.mean()),
            "real_time_factor": float(hop_us.mean() / hop_duration_us),
        }
