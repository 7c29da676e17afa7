import math
import tracemalloc

import numpy as np
import pytest

from livedenoise.realtime.denoiser import StreamingDenoiser
from livedenoise.realtime.runtimes.dsp_wiener import DspEstimator
from livedenoise.realtime.runtimes.identity import IdentityRuntime
from livedenoise.realtime.runtimes.model_choice import open_runtime

HOP = 128


def noisy(music_like, n_channels=1, seconds=0.5, seed=0):
    rng = np.random.default_rng(seed + 100)
    clean = music_like(n_channels, seconds, seed=seed)
    return (clean + 0.05 * rng.standard_normal(clean.shape)).astype(np.float32)


def stream(denoiser, x, chunk):
    parts = [denoiser.process(x[:, i : i + chunk]) for i in range(0, x.shape[1], chunk)]
    return np.concatenate(parts + [denoiser.flush()], axis=1)


def assert_same(actual, expected):
    assert actual.shape == expected.shape
    mismatch = np.flatnonzero(np.any(actual != expected, axis=0))
    assert mismatch.size == 0, f"first mismatch at sample {mismatch[0]}"


@pytest.fixture(scope="module")
def runtimes():
    """The DSP baseline and the shipped ONNX model, opened once."""
    return {"dsp": open_runtime("dsp"), "shipped-onnx": open_runtime("default")}


@pytest.mark.parametrize("model", ["dsp", "shipped-onnx"])
@pytest.mark.parametrize("chunk", [1, HOP - 1, HOP, HOP + 1, 1000, 4097, None])
def test_streaming_equals_one_shot(music_like, runtimes, model, chunk):
    x = noisy(music_like, n_channels=2)
    reference = stream(StreamingDenoiser(runtimes[model], 2), x, x.shape[1])
    out = stream(StreamingDenoiser(runtimes[model], 2), x, chunk or x.shape[1])
    assert out.shape == (2, x.shape[1] + HOP)  # exact count: input plus the latency
    assert_same(out, reference)
    assert np.abs(out[:, HOP:] - x).max() > 1e-3  # the model acted: this is not the identity path


def test_reset_repeats_exactly_and_second_flush_is_empty(music_like):
    x = noisy(music_like)
    denoiser = StreamingDenoiser(DspEstimator(), 1)
    first = stream(denoiser, x, 300)
    assert denoiser.flush().shape == (1, 0)
    denoiser.process(x[:, :999])  # a stream left half way...
    denoiser.reset()  # ...is forgotten
    assert_same(stream(denoiser, x, 777), first)


def test_identity_model_delays_by_exactly_latency_samples(music_like):
    x = noisy(music_like, n_channels=2)
    denoiser = StreamingDenoiser(IdentityRuntime(), 2)
    y = stream(denoiser, x, 513)
    lag = denoiser.latency_samples
    assert lag == HOP <= 256
    np.testing.assert_allclose(y[:, lag:], x, atol=1e-5)
    np.testing.assert_allclose(y[:, :lag], 0.0, atol=1e-5)


def test_mono_one_dimensional_input_gives_one_dimensional_output(music_like):
    x = noisy(music_like)[0]
    denoiser = StreamingDenoiser(IdentityRuntime(), 1)
    y = np.concatenate([denoiser.process(x), denoiser.flush()])
    assert y.ndim == 1 and y.size == x.size + HOP


def test_wrong_channel_count_is_a_clear_error():
    denoiser = StreamingDenoiser(IdentityRuntime(), 2)
    with pytest.raises(ValueError, match="channels first"):
        denoiser.process(np.zeros((3, 100), np.float32))


def test_bypass_and_strength_keep_the_same_latency(music_like):
    x = noisy(music_like)
    denoiser = StreamingDenoiser(DspEstimator(), 1)
    denoiser.bypass = True
    y = stream(denoiser, x, 1000)
    np.testing.assert_allclose(y[:, HOP:], x, atol=1e-5)
    denoiser.bypass = False
    denoiser.strength_db = 0.0  # no attenuation allowed: a unit-magnitude gain, the input comes back
    y = stream(denoiser, x, 1000)
    np.testing.assert_allclose(y[:, HOP:], x, atol=1e-5)


def removed_db(denoiser, noise, settle_samples):
    """dB of ``noise`` ``(channels, samples)`` that ``denoiser`` removes once its estimate has settled."""
    y = stream(denoiser, noise, 4096)[:, denoiser.latency_samples :]
    tail = slice(settle_samples, None)
    kept = np.mean(y[:, tail].astype(np.float64) ** 2) / np.mean(noise[:, tail].astype(np.float64) ** 2)
    return -10 * math.log10(kept)


# Where each model's estimate has settled on stationary noise: the DSP tracks a 2 s minimum.
SETTLE_SAMPLES = {"dsp": 96000, "shipped-onnx": 24000}


@pytest.mark.parametrize("model", ["dsp", "shipped-onnx"])
@pytest.mark.parametrize("strength_db", [3.0, 6.0, 12.0])
def test_strength_removes_that_much_noise(runtimes, model, strength_db):
    """Both models take far more than 12 dB off noise alone: the limit is what sets how much goes."""
    noise = (0.05 * np.random.default_rng(3).standard_normal((1, 3 * 48000))).astype(np.float32)
    denoiser = StreamingDenoiser(runtimes[model], 1, strength_db=strength_db)
    assert removed_db(denoiser, noise, SETTLE_SAMPLES[model]) == pytest.approx(strength_db, abs=0.5)
    unlimited = StreamingDenoiser(runtimes[model], 1, strength_db=40.0)
    assert removed_db(unlimited, noise, SETTLE_SAMPLES[model]) > 20.0


def test_stereo_is_linked(music_like):
    """One mask for both channels: a channel's output depends on the other only through the mask."""
    x = noisy(music_like, n_channels=2)
    swapped = x[::-1].copy()
    y = stream(StreamingDenoiser(DspEstimator(), 2), x, 4096)
    y_swapped = stream(StreamingDenoiser(DspEstimator(), 2), swapped, 4096)
    np.testing.assert_allclose(y[::-1], y_swapped, atol=1e-6)
    # identical channels stay identical: no image shift
    same = np.repeat(x[:1], 2, axis=0)
    y_same = stream(StreamingDenoiser(DspEstimator(), 2), same, 4096)
    np.testing.assert_array_equal(y_same[0], y_same[1])


def test_out_of_phase_stereo_is_denoised_like_its_mono_channel(music_like):
    """The link uses the channels' mean magnitude: a complex mean of (x, -x) is silence to the model."""
    x = noisy(music_like)
    mono = stream(StreamingDenoiser(DspEstimator(), 1), x, 4096)
    stereo = stream(StreamingDenoiser(DspEstimator(), 2), np.concatenate([x, -x]), 4096)
    np.testing.assert_array_equal(stereo[0], mono[0])
    np.testing.assert_array_equal(stereo[1], -mono[0])
    # and the model is not fed a cancelled (silent) spectrum: its gain follows the music
    denoiser = StreamingDenoiser(DspEstimator(), 2)
    denoiser.process(np.concatenate([x, -x]))
    assert np.abs(denoiser._model_input).max() > 0.1 * np.abs(denoiser.input_spectrum).max()


class RecordingRuntime:
    """A real runtime that keeps a copy of every model input it is given."""

    def __init__(self, runtime) -> None:
        self.runtime = runtime
        self.card = runtime.card
        self.inputs = []

    def initial_state(self):
        return self.runtime.initial_state()

    def step(self, spec, state):
        self.inputs.append(spec.copy())
        return self.runtime.step(spec, state)


@pytest.mark.parametrize("model", ["dsp", "shipped-onnx"])
def test_the_model_hears_the_mean_of_the_channel_magnitudes(music_like, runtimes, model):
    """Three channels of different content and level: each hop's model input has, bin by bin, the
    mean of the channels' magnitudes (every channel counts, none twice)."""
    x = np.concatenate([noisy(music_like, seed=1), 0.5 * noisy(music_like, seed=2), 0.2 * noisy(music_like, seed=3)])
    runtime = RecordingRuntime(runtimes[model])
    denoiser = StreamingDenoiser(runtime, 3)
    runtime.inputs.clear()  # the warm-up's frames
    hop_out = np.zeros((3, HOP), np.float32)
    for k in range(40):
        denoiser.process_into(x[:, k * HOP : (k + 1) * HOP], hop_out)
        heard = np.hypot(runtime.inputs[-1][0], runtime.inputs[-1][1])
        mean = np.abs(denoiser.input_spectrum).mean(axis=0)
        np.testing.assert_allclose(heard, mean, rtol=1e-4, atol=1e-7, err_msg=f"hop {k}")
    assert len(runtime.inputs) == 40 and mean.max() > 1.0


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, 1e30])
def test_bad_samples_are_sanitized_counted_and_never_propagated(music_like, bad):
    x = noisy(music_like)
    x[:, 5000:5300] = bad
    denoiser = StreamingDenoiser(DspEstimator(), 1)
    y = stream(denoiser, x, 1000)
    assert np.all(np.isfinite(y))
    assert np.abs(y).max() <= 16.0 * 1.01
    assert denoiser.n_sanitized_samples == 300
    # the stream recovers: from 0.1 s after the burst the output is a clean run's, give or take -25 dB
    clean_run = stream(StreamingDenoiser(DspEstimator(), 1), noisy(music_like), 1000)
    after = 5300 + 4800
    difference = y[:, after:] - clean_run[:, after:]
    assert 10 * np.log10(np.sum(clean_run[:, after:] ** 2) / np.sum(difference**2)) > 25.0


@pytest.mark.parametrize(
    "signal",
    [
        pytest.param(lambda n: np.full(n, 0.5), id="dc"),
        pytest.param(lambda n: np.sign(np.sin(np.arange(n) * 0.05)), id="full-scale-clipped"),
        pytest.param(lambda n: np.zeros(n), id="silence"),
    ],
)
def test_awkward_but_valid_input_stays_finite_and_bounded(signal):
    x = signal(24000).astype(np.float32)[np.newaxis]
    denoiser = StreamingDenoiser(DspEstimator(), 1)
    y = stream(denoiser, x, 1000)
    assert np.all(np.isfinite(y))
    assert np.abs(y).max() <= 1.5 * max(1e-6, np.abs(x).max())
    assert denoiser.n_sanitized_samples == 0


def test_bad_mask_from_a_runtime_passes_the_bin_through():
    class NanRuntime(IdentityRuntime):
        def step(self, spec, state):
            mask = super().step(spec, state).copy()
            mask[0, 10:20] = np.nan
            return mask

    x = np.random.default_rng(0).standard_normal((1, 4096)).astype(np.float32)
    denoiser = StreamingDenoiser(NanRuntime(), 1)
    y = stream(denoiser, x, 4096)
    np.testing.assert_allclose(y[:, HOP:], x, atol=1e-5)
    assert denoiser.n_bad_mask_bins == 10 * (4096 // HOP + 1)  # and the hop that flush adds


def peak_bytes_of(run, n_warm: int = 50) -> int:
    """The most memory ``run()`` ever held at once beyond what it started with, as tracemalloc counts
    it (numpy reports its array buffers there too), after ``n_warm`` runs to warm up."""
    for _ in range(n_warm):
        run(warm=True)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        run(warm=False)
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


# Each call into a compiled kernel checks its arguments' types with a few small objects that are
# freed at once (a few hundred bytes); no array as large as a hop of eight channels (4 KiB) may come
# and go, not once in thousands of hops.
N_CHANNELS_FOR_PEAK = 8
HOP_BYTES = N_CHANNELS_FOR_PEAK * HOP * 4


@pytest.mark.parametrize("model,mask_ahead", [("dsp", False), ("dsp", True), ("shipped-onnx", False)])
def test_process_into_allocates_no_hop_over_thousands_of_hops(runtimes, model, mask_ahead):
    denoiser = StreamingDenoiser(runtimes[model], N_CHANNELS_FOR_PEAK, mask_ahead=mask_ahead)
    hop_in = np.random.default_rng(0).standard_normal((N_CHANNELS_FOR_PEAK, HOP)).astype(np.float32)
    hop_out = np.zeros_like(hop_in)

    def run(warm):
        for _ in range(1 if warm else 2000):
            denoiser.process_into(hop_in, hop_out)

    peak = peak_bytes_of(run)
    assert peak < HOP_BYTES, f"{peak} bytes held at once over 2000 hops"


def test_timing_stats_report_the_hops():
    denoiser = StreamingDenoiser(DspEstimator(), 1)
    denoiser.process(np.zeros((1, HOP * 10), np.float32))
    stats = denoiser.timing_stats()
    assert stats["n_hops"] == 10
    assert 0 < stats["p50_us"] <= stats["p99_us"] <= stats["max_us"]


def test_the_identity_runtime_is_never_called_but_a_runtime_built_on_it_is():
    class Counting(IdentityRuntime):
        n_steps = 0

        def step(self, spec, state):
            Counting.n_steps += 1
            return super().step(spec, state)

    identity = IdentityRuntime()
    identity.step = None  # would fail if called
    x = np.random.default_rng(1).standard_normal((1, 4096)).astype(np.float32)
    assert identity.passes_through and not Counting().passes_through
    np.testing.assert_allclose(stream(StreamingDenoiser(identity), x, 1000)[:, HOP:], x, atol=1e-5)
    counted = stream(StreamingDenoiser(Counting()), x, 1000)
    np.testing.assert_array_equal(counted, stream(StreamingDenoiser(IdentityRuntime()), x, 1000))
    assert Counting.n_steps >= 4096 // HOP
