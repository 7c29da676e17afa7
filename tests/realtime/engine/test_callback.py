"""EngineCallback driven with fake buffers and a fake clock: rings, overload guard, controls, model
switch, taps and the gate hook, every block accounted for, no device and no sleeps."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from livedenoise.realtime.denoiser import StreamingDenoiser
from livedenoise.realtime.engine.callback import FADE_HOPS, EngineCallback
from livedenoise.realtime.engine.overload_guard import OverloadGuard
from livedenoise.realtime.engine.shared_ring import READER_IDLE_NS
from livedenoise.realtime.engine.taps import Taps
from livedenoise.realtime.gate import make_hop_hook
from livedenoise.realtime.runtimes.model_choice import open_runtime

HOP_NS = round(1e9 * 128 / 48000)


class FakeClock:
    """Nanoseconds that move only when told to."""

    def __init__(self, start_ns: int = 10**12) -> None:
        self.now_ns = start_ns

    def __call__(self) -> int:
        return self.now_ns


class SlowRuntime:
    """Wraps a runtime; while ``slow``, each step moves the fake clock on by ``step_ns``."""

    def __init__(self, runtime, clock: FakeClock, step_ns: int) -> None:
        self._runtime = runtime
        self.card = runtime.card
        self.clock = clock
        self.step_ns = step_ns
        self.slow = False
        self.n_steps = 0

    def initial_state(self):
        return self._runtime.initial_state()

    def step(self, spec, state):
        self.n_steps += 1
        if self.slow:
            self.clock.now_ns += self.step_ns
        return self._runtime.step(spec, state)


class FailingRuntime(SlowRuntime):
    """Fails on every step once ``slow`` is set."""

    def step(self, spec, state):
        if self.slow:
            raise RuntimeError("corrupt weights")
        return super().step(spec, state)


def make_callback(model="identity", blocksize: int = 128, n_channels: int = 1, clock=None, taps=None) -> EngineCallback:
    runtime = open_runtime(model) if isinstance(model, str) else model
    return EngineCallback(StreamingDenoiser(runtime, n_channels), blocksize, taps=taps, clock_ns=clock or FakeClock())


def stream(callback: EngineCallback, signal: np.ndarray, on_block=None) -> np.ndarray:
    """Push ``signal`` ``(channels, samples)`` through block by block; the output, same length."""
    b = callback.blocksize
    out = np.zeros_like(signal)
    block_out = np.zeros((signal.shape[0], b), dtype=np.float32)
    for k in range(signal.shape[1] // b):
        if on_block is not None:
            on_block(k)
        callback.process_block(signal[:, k * b : (k + 1) * b], block_out)
        out[:, k * b : (k + 1) * b] = block_out
    return out


def delayed(signal: np.ndarray, n: int) -> np.ndarray:
    return np.concatenate([np.zeros((signal.shape[0], n), np.float32), signal[:, : signal.shape[1] - n]], axis=1)


def assert_close(got: np.ndarray, want: np.ndarray, atol: float = 1e-5) -> None:
    error = np.abs(got - want)
    first_bad = np.unravel_index(np.argmax(error > atol), error.shape)
    assert error.max() <= atol, f"first mismatch at {first_bad}: {got[first_bad]} != {want[first_bad]}"


@pytest.mark.parametrize("blocksize", [32, 100, 127, 128, 129, 256, 500])
def test_output_is_the_input_delayed_by_the_reported_latency_at_any_block_size(music_like, blocksize):
    callback = make_callback(blocksize=blocksize, n_channels=2)
    signal = music_like(n_channels=2, seconds=0.3)
    signal = signal[:, : signal.shape[1] // blocksize * blocksize]
    out = stream(callback, signal)
    assert callback.latency_samples == 128 + callback.prefill_samples
    assert_close(out, delayed(signal, callback.latency_samples))
    assert callback.n_ring_xruns == 0 and callback.n_xruns == 0
    assert callback.n_callbacks == signal.shape[1] // blocksize


def test_ring_and_device_xruns_are_counted_once_per_callback():
    callback = make_callback(blocksize=128)
    out = np.zeros((1, 128), np.float32)
    callback.process_block(np.zeros((1, 128), np.float32), out, input_overflow=True, output_underflow=True)
    assert (callback.n_device_xruns, callback.n_input_overflows, callback.n_output_underflows) == (1, 1, 1)
    # A block far larger than the rings: what does not fit is lost, and the callback says so.
    big_out = np.zeros((1, 4096), np.float32)
    callback.process_block(np.ones((1, 4096), np.float32), big_out)
    assert callback.n_ring_xruns == 1 and callback.n_xruns == 2


def test_overload_guard_backs_off_doubling_and_resets_on_a_hop_in_time():
    guard = OverloadGuard(deadline_ns=100, first_backoff_hops=2, max_backoff_hops=8)
    dry_runs = []
    for _ in range(4):  # four overloads in a row: back-offs 2, 4, 8, 8
        guard.record(ran_model=True, elapsed_ns=200)
        n = 0
        while not guard.model_allowed:
            guard.record(ran_model=False, elapsed_ns=0)
            n += 1
        dry_runs.append(n)
    assert dry_runs == [2, 4, 8, 8] and guard.n_overloads == 4
    guard.record(ran_model=True, elapsed_ns=50)
    guard.record(ran_model=True, elapsed_ns=200)
    assert guard.n_dry_hops_left == 2  # back to the first back-off


def test_a_slow_model_goes_dry_at_the_same_latency_and_recovers():
    clock = FakeClock()
    runtime = SlowRuntime(open_runtime("identity"), clock, step_ns=2 * HOP_NS)
    callback = make_callback(runtime, clock=clock)
    signal = (np.random.default_rng(0).standard_normal((1, 128 * 1200)) * 0.1).astype(np.float32)

    def on_block(k):
        runtime.slow = 200 <= k < 800  # 1.6 s of a model twice too slow
        clock.now_ns += HOP_NS

    out = stream(callback, signal, on_block)
    # Back-off doubles up to 1 s: 1.6 s of a too-slow model costs a handful of overloads, not hundreds.
    assert 3 <= callback.guard.n_overloads <= 12, callback.guard.n_overloads
    assert callback.guard.n_dry_hops > 0.8 * 600
    # Dry or not, nothing jumps: the output is the input at the same latency throughout.
    assert_close(out, delayed(signal, callback.latency_samples))
    n_steps0 = runtime.n_steps
    stream(callback, signal[:, : 128 * 100], lambda k: setattr(clock, "now_ns", clock.now_ns + HOP_NS))
    assert runtime.n_steps - n_steps0 == 100, "the model did not take over again once fast"


def test_a_path_without_a_model_is_never_put_under_the_overload_guard(music_like):
    """The guard exists to drop a slow model; the identity path has none to drop, so however long
    its hops take (here each clock reading moves on by two hops) it counts no overload."""
    clock = FakeClock()

    def ticking_clock() -> int:
        clock.now_ns += 2 * HOP_NS
        return clock.now_ns

    callback = make_callback("identity", clock=ticking_clock)
    signal = music_like()
    out = stream(callback, signal)
    assert callback.guard.n_overloads == 0 and callback.guard.n_dry_hops == 0
    assert_close(out, delayed(signal, callback.latency_samples))


def test_a_failing_model_passes_audio_through_dry_and_the_callback_goes_on():
    clock = FakeClock()
    runtime = FailingRuntime(open_runtime("identity"), clock, 0)
    callback = make_callback(runtime, clock=clock)
    runtime.slow = True
    signal = (np.random.default_rng(1).standard_normal((1, 128 * 50)) * 0.1).astype(np.float32)
    out = stream(callback, signal)
    assert callback.model_failed
    assert_close(out, delayed(signal, callback.latency_samples))


def test_controls_take_effect_at_the_next_block_and_bypass_gives_the_input_back(music_like):
    callback = make_callback("dsp")
    rng = np.random.default_rng(2)
    signal = music_like(seconds=1.0) + (0.05 * rng.standard_normal((1, 48000))).astype(np.float32)
    signal = signal[:, : 128 * 370]
    callback.set_bypass(True)
    callback.set_strength_db(12.0)
    assert not callback.bypass and callback.strength_db == 40.0  # not before the callback runs
    out = stream(callback, signal)
    assert callback.bypass and callback.strength_db == 12.0
    assert_close(out, delayed(signal, callback.latency_samples))
    with pytest.raises(ValueError):
        callback.set_strength_db(-1.0)
    # and the 12 dB read back is what the audio gets once bypass is off
    callback.set_bypass(False)
    assert removed_db(callback, white_noise(3.0), settled_s=2.0) == pytest.approx(12.0, abs=0.5)


def white_noise(seconds: float, seed: int = 4) -> np.ndarray:
    """``(1, samples)`` float32, a whole number of 128-sample blocks."""
    n = int(seconds * 48000) // 128 * 128
    return (0.05 * np.random.default_rng(seed).standard_normal((1, n))).astype(np.float32)


def removed_db(callback: EngineCallback, noise: np.ndarray, settled_s: float) -> float:
    """dB of ``noise`` the callback takes off, from ``settled_s`` on, its latency accounted for."""
    out = stream(callback, noise)[:, callback.latency_samples :]
    settled = slice(int(settled_s * 48000), out.shape[1])
    kept = np.sum(out[:, settled].astype(np.float64) ** 2) / np.sum(noise[:, settled].astype(np.float64) ** 2)
    return -10 * math.log10(kept)


@pytest.mark.parametrize("strength_db", [3.0, 6.0, 12.0])
def test_the_strength_control_sets_how_much_noise_the_engine_removes(strength_db):
    """The shipped model (each hop's own mask, as ``--same-hop-mask`` runs it) takes about 27 dB off
    white noise: set through the control with bypass off, the strength is what it takes."""
    callback = EngineCallback(StreamingDenoiser(open_runtime("default"), 1), 128, clock_ns=FakeClock())
    callback.set_strength_db(strength_db)
    assert removed_db(callback, white_noise(1.5), settled_s=0.5) == pytest.approx(strength_db, abs=0.5)
    assert not callback.bypass and callback.strength_db == strength_db


class SlowClock(FakeClock):
    """A fake clock that, while ``slow``, moves on by ``step_ns`` at every reading: every hop the
    callback times then seems to take that long, whatever model runs it."""

    def __init__(self, step_ns: int) -> None:
        super().__init__()
        self.step_ns = step_ns
        self.slow = False

    def __call__(self) -> int:
        if self.slow:
            self.now_ns += self.step_ns
        return self.now_ns


def hop_by_hop(denoiser: StreamingDenoiser, signal: np.ndarray) -> np.ndarray:
    """``signal`` through ``denoiser`` from a fresh stream, whole hops, not trimmed: hop k of the
    output is the callback's block k at a one-hop block size."""
    denoiser.reset()
    return denoiser.process(signal)


@pytest.mark.parametrize(
    "model,mask_ahead",
    [
        ("dsp", False),
        ("dsp", True),  # a step too light for a thread of its own runs in line, under the guard
        ("default", False),  # the shipped model with --same-hop-mask
    ],
)
def test_the_guards_dry_hops_are_the_bypass_output_and_the_rest_the_models(music_like, model, mask_ahead):
    """A model whose mask is audible, too slow for 150 blocks: the hops the guard sends dry are the
    bypass output sample for sample, the hops before the first overload are the one-shot output,
    and after the load drops the model takes over again."""
    clock = SlowClock(step_ns=2 * HOP_NS)
    runtime = open_runtime(model)
    callback = EngineCallback(StreamingDenoiser(runtime, 1, mask_ahead=mask_ahead), 128, clock_ns=clock)
    rng = np.random.default_rng(5)
    signal = music_like(seconds=1.5)[:, : 128 * 560] + (0.05 * rng.standard_normal((1, 128 * 560))).astype(np.float32)
    out = np.zeros_like(signal)
    block_out = np.zeros((1, 128), np.float32)
    dry = np.zeros(560, dtype=bool)
    for k in range(560):
        clock.slow = 200 <= k < 350
        n_dry_hops = callback.guard.n_dry_hops
        callback.process_block(signal[:, k * 128 : (k + 1) * 128], block_out)
        out[:, k * 128 : (k + 1) * 128] = block_out
        dry[k] = callback.guard.n_dry_hops > n_dry_hops
    assert callback.latency_samples == 128 and callback.guard.n_overloads >= 3
    one_shot_out = hop_by_hop(StreamingDenoiser(runtime, 1, mask_ahead=mask_ahead), signal)
    bypass_out = hop_by_hop(StreamingDenoiser(runtime, 1, bypass=True), signal)
    first_dry = int(np.argmax(dry))
    assert 200 <= first_dry <= 202, first_dry
    before = slice(0, first_dry * 128)
    np.testing.assert_array_equal(out[:, before], one_shot_out[:, before])
    assert np.abs(one_shot_out[:, before] - bypass_out[:, before]).max() > 0.01  # the mask is audible
    # a dry hop that follows a dry hop: its synthesis overlaps no masked frame
    for k in np.flatnonzero(dry[1:] & dry[:-1]) + 1:
        hop = slice(k * 128, (k + 1) * 128)
        np.testing.assert_array_equal(out[:, hop], bypass_out[:, hop], err_msg=f"dry hop {k}")
    assert np.count_nonzero(dry[1:] & dry[:-1]) > 50
    assert not dry[-60:].any(), "the model did not take over again once fast"
    tail = slice(500 * 128, 560 * 128)
    assert np.sum(out[:, tail] ** 2) < 0.8 * np.sum(bypass_out[:, tail] ** 2)


def test_a_model_on_its_own_thread_is_not_put_under_the_guard(music_like):
    """Without ``--same-hop-mask`` the shipped model steps on its own thread: a late mask is counted
    where it is used, and however long the callback's hops take, no hop goes dry."""
    clock = SlowClock(step_ns=2 * HOP_NS)
    callback = EngineCallback(StreamingDenoiser(open_runtime("default"), 1, mask_ahead=True), 128, clock_ns=clock)
    try:
        assert callback.denoiser.worker is not None
        clock.slow = True
        stream(callback, music_like(seconds=0.3)[:, : 128 * 100])
        assert callback.guard.n_overloads == 0 and callback.guard.n_dry_hops == 0
    finally:
        callback.close()


# Each call into a compiled kernel checks its arguments' types with a few small objects that are
# freed at once (a few hundred bytes); no array as large as a hop of eight channels (4 KiB) may come
# and go in a callback, not once in thousands.
N_CHANNELS_FOR_PEAK = 8
HOP_BYTES = N_CHANNELS_FOR_PEAK * 128 * 4


@pytest.mark.parametrize("model", ["identity", "dsp", "default"])
@pytest.mark.parametrize("blocksize", [128, 100])
def test_the_callback_allocates_no_hop_over_thousands_of_blocks(model, blocksize):
    """The whole callback: rings, denoiser (the shipped model in line), gate, and every tap being
    read. tracemalloc's peak, reset before the blocks, catches what is allocated and freed again."""
    taps = Taps.create(n_freqs=513, hop_samples=128)
    clock = FakeClock(start_ns=0)
    denoiser = StreamingDenoiser(open_runtime(model), N_CHANNELS_FOR_PEAK)
    callback = EngineCallback(denoiser, blocksize, taps=taps, clock_ns=clock)
    try:
        callback.hook = make_hop_hook(48000, 128, N_CHANNELS_FOR_PEAK, 513, kind="level", threshold_db=-30.0)
        rng = np.random.default_rng(6)
        signal = (0.1 * rng.standard_normal((N_CHANNELS_FOR_PEAK, blocksize * 2100))).astype(np.float32)
        blocks = [signal[:, k * blocksize : (k + 1) * blocksize] for k in range(2100)]
        warm, measured = blocks[:100], blocks[100:]
        block_out = np.zeros((N_CHANNELS_FOR_PEAK, blocksize), np.float32)
        for ring in (taps.spectra, taps.levels, taps.denoised):
            ring.touch()
        clock.now_ns = taps.spectra._header[1]  # the readers were here just now
        for block in warm:
            callback.process_block(block, block_out)
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            before = tracemalloc.get_traced_memory()[0]
            for block in measured:
                callback.process_block(block, block_out)
            peak = tracemalloc.get_traced_memory()[1] - before
        finally:
            tracemalloc.stop()
        assert taps.spectra.n_written == taps.denoised.n_written == callback.n_hops > 1500
        assert peak < HOP_BYTES, f"{peak} bytes held at once over 2000 blocks"
    finally:
        callback.close()
        taps.close()


def one_shot(model: str, signal: np.ndarray) -> np.ndarray:
    denoiser = StreamingDenoiser(open_runtime(model), signal.shape[0])
    return np.concatenate([denoiser.process(signal), denoiser.flush()], axis=1)[:, : signal.shape[1]]


def test_a_model_switch_has_no_gap_and_no_jump(music_like):
    """dsp, then identity from block 150: before the switch the output is the one-shot dsp output,
    after the crossfade the one-shot identity output, both at the same latency, sample for sample."""
    callback = make_callback("dsp")
    rng = np.random.default_rng(3)
    signal = music_like(seconds=1.0) + (0.05 * rng.standard_normal((1, 48000))).astype(np.float32)
    signal = signal[:, : 128 * 360]
    incoming = StreamingDenoiser(open_runtime("identity"))
    switch_block = 150

    def on_block(k):
        if k == switch_block:
            callback.offer_denoiser(incoming)
            assert callback.switching

    out = stream(callback, signal, on_block)
    latency = callback.latency_samples
    switch_at = switch_block * 128 + callback.prefill_samples  # where the first crossfaded hop leaves
    fade_end = switch_at + FADE_HOPS * 128
    assert_close(
        out[:, :switch_at], delayed(one_shot("dsp", signal), callback.prefill_samples)[:, :switch_at], atol=1e-4
    )
    assert_close(out[:, fade_end:], delayed(signal, latency)[:, fade_end:])
    assert np.isfinite(out).all() and np.abs(out[:, switch_at:fade_end]).max() <= 1.5 * np.abs(signal).max()
    # In between, the old model's output moves to the new one's along a linear ramp. (The first faded
    # hop of the new model still overlaps the old model's last frame: its own output is not the input.)
    old_out, new_out = delayed(one_shot("dsp", signal), callback.prefill_samples), delayed(signal, latency)
    ramp = (np.arange(FADE_HOPS * 128) + 1) / (FADE_HOPS * 128)
    faded = slice(switch_at + 128, fade_end)
    expected = old_out[:, faded] + ramp[128:] * (new_out[:, faded] - old_out[:, faded])
    assert_close(out[:, faded], expected.astype(np.float32), atol=1e-4)
    assert callback.denoiser is incoming and callback.n_model_switches == 1
    retired = callback.take_retired()
    assert retired is not None and retired.runtime.card.name != "identity"
    assert not callback.switching and callback.take_retired() is None


def test_a_switch_to_another_stft_is_refused_before_it_reaches_the_callback():
    callback = make_callback("identity")
    with pytest.raises(ValueError, match="restart"):
        callback.offer_denoiser(StreamingDenoiser(open_runtime("identity", hop_samples=256)))


class GainHook:
    def __init__(self, gain: float) -> None:
        self.gain = gain

    def process_into(self, hop, mask, spectrum) -> None:
        np.multiply(hop, self.gain, out=hop)

    def configure(self, gain: float) -> None:
        self.gain = gain


def test_the_hop_hook_acts_on_every_denoised_hop(music_like):
    callback = make_callback("identity")
    callback.hook = GainHook(0.5)
    signal = music_like(seconds=0.2)[:, : 128 * 70]
    out = stream(callback, signal)
    assert_close(out, 0.5 * delayed(signal, callback.latency_samples))


def test_taps_are_computed_only_while_someone_reads_them(music_like):
    taps = Taps.create(n_freqs=513, hop_samples=128)
    try:
        clock = FakeClock(start_ns=0)
        callback = make_callback("identity", clock=clock, taps=taps)
        signal = music_like(seconds=0.2)[:, : 128 * 70]
        stream(callback, signal[:, : 128 * 10])
        assert taps.spectra.n_written == taps.levels.n_written == taps.denoised.n_written == 0
        taps.spectra.touch()
        taps.denoised.touch()
        clock.now_ns = taps.spectra._header[1]  # the callback's clock is the reader's clock
        out = stream(callback, signal)
        assert taps.spectra.n_written == taps.denoised.n_written == 70 and taps.levels.n_written == 0
        columns = taps.spectra.read()
        assert columns.shape == (70, 3, 513) and np.isfinite(columns).all()
        assert_close(taps.denoised.read().reshape(1, -1), out)
        clock.now_ns = time.perf_counter_ns() + READER_IDLE_NS + 1  # the reader went quiet
        stream(callback, signal[:, : 128 * 10])
        assert taps.spectra.n_written == 70
    finally:
        taps.close()


@pytest.mark.parametrize("model", ["identity", "dsp", "default"])
def test_the_devices_transposed_buffers_need_no_compiling_in_the_callback(model):
    """Audio devices hand over (frames, channels) buffers, seen as their transposes: every kernel a
    callback reaches (denoiser, STFT, rings, taps being read, the gate) is compiled for that layout
    before the stream starts, not in a callback (milliseconds there). Checked in a fresh interpreter,
    where nothing else compiled them first."""
    result = subprocess.run(
        [sys.executable, str(Path(__file__).parents[1] / "callback_compiles.py"), model],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["compiled_in_callbacks"] == {}
    assert found["n_model_switches"] == 1
    assert found["n_levels"] == found["n_denoised"] == 8 + FADE_HOPS + 2
    assert found["finite"] and found["peak"] > 0.1


def test_a_short_block_at_one_hop_per_block_goes_through_the_rings_without_a_reorder(music_like):
    """At blocksize == hop full blocks skip the rings; after a short block the rings hold samples,
    and every block must go through them until they are empty again: the output then runs on as
    the input, delayed by the latency plus the samples the short block left missing."""
    callback = make_callback(blocksize=128)
    sizes = [128, 100] + [128] * 40
    signal = music_like(seconds=0.5)[:, : sum(sizes)]
    out, pos = [], 0
    for size in sizes:
        block_out = np.zeros((1, size), dtype=np.float32)
        callback.process_block(signal[:, pos : pos + size], block_out)
        out.append(block_out)
        pos += size
    out = np.concatenate(out, axis=1)
    delay = callback.latency_samples + 100
    assert_close(out[:, 228:], delayed(signal, delay)[:, 228:])
    assert callback.n_ring_xruns == 1


@pytest.mark.parametrize("model", ["default", "dsp"])
def test_warming_up_leaves_no_trace_in_the_audio_or_the_counts(music_like, model):
    """The engine runs its callback on silence before the stream starts; what comes out afterwards is what a
    callback never warmed gives, sample for sample, and every count starts from zero."""
    signal = music_like(seconds=0.3)[:, : 100 * 140]
    cold = make_callback(model, blocksize=100)
    warm = make_callback(model, blocksize=100)
    warm.warm_up(0.05)
    assert warm.n_callbacks == warm.n_hops == warm.n_xruns == 0
    assert_close(stream(warm, signal), stream(cold, signal), atol=0.0)


def test_warming_up_wakes_the_models_thread_and_counts_none_of_it():
    callback = EngineCallback(StreamingDenoiser(open_runtime("default"), 1, mask_ahead=True), 128)
    try:
        callback.warm_up(0.05)
        worker = callback.denoiser.worker
        assert worker is not None and worker.n_submitted == worker.n_stepped == 0
        assert callback.stats()["n_late_masks"] == 0 and callback.n_callbacks == 0
    finally:
        callback.close()


def test_a_model_switched_to_arrives_with_its_thread_awake_and_nothing_counted():
    from livedenoise.realtime.engine.callback import warm_model_thread

    incoming = StreamingDenoiser(open_runtime("default"), 1, mask_ahead=True)
    try:
        warm_model_thread(incoming, 0.05)
        worker = incoming.worker
        assert worker is not None and worker.n_submitted == worker.n_stepped == 0 and incoming.n_late_masks == 0
        out = incoming.process(np.zeros((1, 128 * 4), np.float32))
        assert not np.any(out)  # its stream starts afresh: silence in, silence out
    finally:
        incoming.close()
