"""Devices at other rates than the model's: the polyphase resampler (exact in any chunking, clean in the
band, its delay what it says) and the callback behind it (the latency it reports, to the sample, no
block short, nothing allocated), and where the model steps for blocks of two hops or more."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from livedenoise.realtime.denoiser import StreamingDenoiser
from livedenoise.realtime.engine.callback import EngineCallback
from livedenoise.realtime.engine.device_rate import DeviceRateCallback
from livedenoise.realtime.engine.polyphase_resampler import PolyphaseResampler
from livedenoise.realtime.runtimes.model_choice import open_runtime

RATE_PAIRS = [(44100, 48000), (48000, 44100), (88200, 48000), (48000, 88200), (96000, 48000), (48000, 96000)]


def resample(resampler: PolyphaseResampler, signal: np.ndarray, chunk: int) -> np.ndarray:
    out = np.zeros((signal.shape[0], resampler.max_out), np.float32)
    pieces = []
    for start in range(0, signal.shape[1], chunk):
        piece = signal[:, start : start + chunk]
        expected = resampler.n_out_for(piece.shape[1])
        n = resampler.process_into(piece, out)
        assert n == expected
        pieces.append(out[:, :n].copy())
    return np.concatenate(pieces, axis=1)


@pytest.mark.parametrize("rates", RATE_PAIRS)
def test_any_chunking_gives_the_same_samples_and_the_exact_count(rates):
    rate_in, rate_out = rates
    signal = (0.1 * np.random.default_rng(1).standard_normal((2, rate_in // 5))).astype(np.float32)
    whole = resample(PolyphaseResampler(rate_in, rate_out, 2, signal.shape[1]), signal, signal.shape[1])
    assert whole.shape[1] == signal.shape[1] * rate_out // rate_in
    for chunk in (1, 127, 128, 129, 1000):
        chunked = resample(PolyphaseResampler(rate_in, rate_out, 2, 1000), signal, chunk)
        mismatch = np.flatnonzero(chunked != whole)
        assert mismatch.size == 0, f"chunk {chunk}: first mismatch at {mismatch[:1]}"


@pytest.mark.parametrize("rates", RATE_PAIRS)
@pytest.mark.parametrize("hz", [100.0, 1000.0, 10000.0, 17000.0])
def test_a_tone_in_the_band_comes_out_clean_and_as_late_as_the_delay_says(rates, hz):
    rate_in, rate_out = rates
    resampler = PolyphaseResampler(rate_in, rate_out, 1, 128)
    t_in = np.arange(rate_in) / rate_in
    signal = (0.5 * np.sin(2 * np.pi * hz * t_in)).astype(np.float32)[None]
    out = resample(resampler, signal, 128)[0]
    t_out = np.arange(out.size) / rate_out - resampler.delay_s
    wanted = 0.5 * np.sin(2 * np.pi * hz * t_out)
    settled = slice(rate_out // 20, out.size - rate_out // 20)
    error = out[settled] - wanted[settled]
    snr_db = 10 * np.log10(np.mean(wanted[settled] ** 2) / np.mean(error**2))
    assert snr_db > 60.0, f"{hz} Hz at {rate_in} -> {rate_out}: {snr_db:.1f} dB"


def identity_callback(blocksize: int, n_channels: int = 1) -> EngineCallback:
    return EngineCallback(StreamingDenoiser(open_runtime("identity"), n_channels), blocksize)


@pytest.mark.parametrize("rate", [44100, 88200, 96000])
@pytest.mark.parametrize("blocksize", [64, 100, 128, 256, 1024])
def test_the_device_side_delay_is_the_one_reported_and_no_block_is_short(rate, blocksize):
    inner = identity_callback(blocksize)
    device = DeviceRateCallback(inner, rate, blocksize)
    n = rate // 2
    t0 = 5000.25  # a band-limited click between two samples
    k = np.arange(n)
    signal = (np.sinc(0.7 * (k - t0)) * np.exp(-(((k - t0) / 200.0) ** 2))).astype(np.float32)[None]
    out = np.zeros_like(signal)
    block_out = np.zeros((1, blocksize), np.float32)
    for start in range(0, n - blocksize + 1, blocksize):
        device.process_block(signal[:, start : start + blocksize], block_out)
        out[:, start : start + blocksize] = block_out
    peak = int(np.argmax(out[0]))
    a, b, c = out[0, peak - 1 : peak + 2]
    measured = peak + 0.5 * (a - c) / (a - 2 * b + c) - t0
    model_rate = inner.sample_rate
    said = (inner.latency_samples + device.resampling_samples) * rate / model_rate
    assert abs(measured - said) < 0.6 * rate / model_rate, f"measured {measured:.2f}, reported {said:.2f} samples"
    assert inner.n_xruns == 0 and device._ring.underflow_samples == 0


def test_the_device_side_allocates_no_hop():
    blocksize, n_channels = 128, 8
    device = DeviceRateCallback(identity_callback(blocksize, n_channels), 44100, blocksize)
    rng = np.random.default_rng(2)
    blocks = [(0.1 * rng.standard_normal((n_channels, blocksize))).astype(np.float32) for _ in range(1100)]
    warm, measured = blocks[:100], blocks[100:]  # sliced here: a list of 1000 blocks is 8 KB of its own
    block_out = np.zeros((n_channels, blocksize), np.float32)
    for block in warm:
        device.process_block(block, block_out)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        for block in measured:
            device.process_block(block, block_out)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert peak < n_channels * 128 * 4, f"{peak} bytes held at once over 1000 blocks"


def test_blocks_of_two_hops_step_the_model_in_the_callback_and_a_switched_model_too():
    callback = EngineCallback(StreamingDenoiser(open_runtime("default"), 1, mask_ahead=True), 512)
    try:
        assert callback.denoiser.worker is not None
        callback.step_model_in_callback()
        assert callback.denoiser.worker is None and not callback.denoiser.mask_ahead
        signal = (0.1 * np.random.default_rng(3).standard_normal((1, 512 * 40))).astype(np.float32)
        block_out = np.zeros((1, 512), np.float32)
        for start in range(0, signal.shape[1], 512):
            callback.process_block(signal[:, start : start + 512], block_out)
        assert callback.stats()["n_late_masks"] == 0 and callback.n_hops == 160
        incoming = StreamingDenoiser(open_runtime("dsp"), 1, mask_ahead=True)
        callback.offer_denoiser(incoming)
        assert incoming.worker is None and not incoming.mask_ahead
    finally:
        callback.close()


class CountingHook:
    """A hop hook that counts the hops it is shown (the gate's place in the callback)."""

    def __init__(self) -> None:
        self.n_hops = 0
        self.is_open = True

    def process_into(self, hop, mask, spectrum) -> None:
        self.n_hops += 1

    def reset(self) -> None:
        pass


def test_warming_up_through_the_device_side_keeps_the_gate_out_of_it():
    inner = identity_callback(128)
    hook = inner.hook = CountingHook()
    device = DeviceRateCallback(inner, 44100, 128)
    inner.warm_up(0.05, through=device)
    assert hook.n_hops == 0 and inner.hook is hook and inner.n_callbacks == 0
