"""Runtimes given a noise print: the print-Wiener's formula, dsp with a print, a blind model joined with
the print-Wiener, and ``open_runtime``'s choice for each model."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from livedenoise.bench.front_end import denoise_aligned
from livedenoise.realtime.denoiser import StreamingDenoiser
from livedenoise.realtime.noise_print import NoisePrintError, print_from_audio
from livedenoise.realtime.runtimes.dsp_wiener import DspEstimator
from livedenoise.realtime.runtimes.identity import IdentityRuntime
from livedenoise.realtime.runtimes.model_choice import open_runtime, with_noise_print
from livedenoise.realtime.runtimes.onnx_runtime import OnnxRuntime
from livedenoise.realtime.runtimes.print_combined import PrintCombined, combine_masks
from livedenoise.realtime.runtimes.print_wiener import (
    GAIN_FLOOR,
    PrintWiener,
    held_smoothing,
    print_wiener_step,
    print_wiener_tracks,
)

SAMPLE_RATE = 48000
N_FREQS = 513
NOISE_RMS = 0.01


def noise(seconds: float, seed: int) -> np.ndarray:
    return (NOISE_RMS * np.random.default_rng(seed).standard_normal(round(seconds * SAMPLE_RATE))).astype(np.float32)


@pytest.fixture(scope="module")
def room_print():
    """A print of the room's white noise, from a stretch the tests never mix (another seed)."""
    return print_from_audio(noise(3.0, seed=100))


def sine(seconds: float, amplitude: float = 0.05, frequency_hz: float = 440.0) -> np.ndarray:
    t = np.arange(round(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (amplitude * np.sin(2 * np.pi * frequency_hz * t)).astype(np.float32)


def sine_level_db(out: np.ndarray, reference: np.ndarray, start_s: float, end_s: float) -> float:
    """The level of ``reference``'s component in ``out`` over a stretch, in dB relative to ``reference``."""
    part = slice(round(start_s * SAMPLE_RATE), round(end_s * SAMPLE_RATE))
    return float(20 * np.log10(abs(np.dot(out[part], reference[part])) / np.dot(reference[part], reference[part])))


def removed_db(out: np.ndarray, noisy: np.ndarray, from_s: float = 1.0) -> float:
    part = slice(round(from_s * SAMPLE_RATE), None)
    return float(10 * np.log10(np.mean(noisy[part] ** 2) / np.mean(out[part] ** 2)))


def run(runtime, audio: np.ndarray) -> np.ndarray:
    return denoise_aligned(StreamingDenoiser(runtime, 1), audio)


def test_the_print_wiener_follows_its_formula_frame_by_frame():
    rng = np.random.default_rng(0)
    noise_power = rng.uniform(0.1, 10.0, N_FREQS).astype(np.float32)
    tracks = print_wiener_tracks(N_FREQS)
    gains = np.zeros(N_FREQS, dtype=np.float32)
    smoothing = held_smoothing(SAMPLE_RATE, 128)
    expected_output_power = np.zeros(N_FREQS)
    expected_level = np.zeros(N_FREQS)
    for _ in range(20):
        # half the bins carry a loud held sound, the other half noise near the print
        scale = np.where(np.arange(N_FREQS) % 2 == 0, 3.0, 0.5) * np.sqrt(noise_power)
        spec = (rng.standard_normal((2, N_FREQS)) * scale).astype(np.float32)
        power = spec[0].astype(np.float64) ** 2 + spec[1].astype(np.float64) ** 2
        prior = 0.98 * expected_output_power / noise_power + 0.02 * np.maximum(power / noise_power - 1.0, 0.0)
        expected_level = smoothing * expected_level + (1 - smoothing) * power / noise_power
        held = np.clip((10 * np.log10(np.maximum(expected_level, 1e-10)) - 1.5) / 2.5, 0.0, 1.0)
        expected = np.maximum.reduce([prior / (prior + 1.5), held, np.full(N_FREQS, 10 ** (-25 / 20))])
        expected_output_power = expected**2 * power
        print_wiener_step(spec, noise_power, tracks, gains, smoothing)
        np.testing.assert_allclose(gains, expected, rtol=1e-4)
    assert gains[0::2].mean() > 0.5 > gains[1::2].mean()


# the tone's strongest bin about 6 and 8 dB over the print: the decision-directed rule alone keeps -19 and -10 dB
@pytest.mark.parametrize("amplitude", [0.0015, 0.002])
def test_a_held_tone_a_few_db_over_the_print_is_kept_and_noise_alone_is_removed(room_print, amplitude):
    """The decision-directed rule alone sinks a steady tone standing a few dB over the print in its bins;
    the held-sound term keeps it, while noise alone goes on being removed."""
    tone = sine(6.0, amplitude=amplitude, frequency_hz=1000.0)
    room = noise(6.0, seed=3)
    assert sine_level_db(run(PrintWiener(room_print), tone + room), tone, 3.0, 6.0) > -4.0
    assert removed_db(run(PrintWiener(room_print), room), room) > 20.0


def test_noise_louder_than_its_print_is_still_removed_and_a_note_over_it_kept(room_print):
    """A print learned 4 dB quieter than the room: every bin stands over it, and without measuring the
    room's rise the held-sound term would pass the noise whole; a note over the louder room still passes."""
    room = noise(6.0, seed=4) * np.float32(10 ** (4 / 20))
    assert removed_db(run(PrintWiener(room_print), room), room) > 15.0
    tone = sine(6.0, amplitude=0.004, frequency_hz=1000.0)
    assert sine_level_db(run(PrintWiener(room_print), tone + room), tone, 3.0, 6.0) > -4.0


def test_the_print_wiener_floors_noise_at_minus_25_db_and_passes_what_stands_far_above_it(room_print):
    runtime = PrintWiener(room_print)
    state = runtime.initial_state()
    quiet = np.zeros((2, N_FREQS), dtype=np.float32)
    quiet[0] = 1e-3 * np.sqrt(room_print.power)
    assert np.allclose(runtime.step(quiet, state)[0], GAIN_FLOOR)
    loud = np.zeros((2, N_FREQS), dtype=np.float32)
    loud[0] = 1e3 * np.sqrt(room_print.power)
    for _ in range(10):
        mask = runtime.step(loud, state)
    assert np.all(mask[0] > 0.99) and np.all(mask[1] == 0.0)


def test_the_print_wiener_without_a_print_is_the_unit_mask(room_print):
    runtime = PrintWiener()
    spec = np.ones((2, N_FREQS), dtype=np.float32)
    assert np.array_equal(runtime.step(spec, runtime.initial_state()), [np.ones(N_FREQS), np.zeros(N_FREQS)])
    runtime.set_noise_print(room_print)
    state = runtime.initial_state()
    assert runtime.step(1e-6 * spec, state)[0].max() < 1.0
    runtime.set_noise_print(None)
    assert np.array_equal(runtime.step(spec, state)[0], np.ones(N_FREQS))


@pytest.mark.parametrize("make", [PrintWiener, DspEstimator, lambda: PrintCombined(DspEstimator())])
def test_a_print_of_another_geometry_is_refused_and_the_print_in_use_stays(make, room_print):
    runtime = make()
    runtime.set_noise_print(room_print)
    with pytest.raises(NoisePrintError, match="hop 256"):
        runtime.set_noise_print(print_from_audio(noise(1.0, seed=1), hop_samples=256))
    assert runtime.noise_print is room_print


@pytest.mark.parametrize("make", [PrintWiener, DspEstimator, lambda: PrintCombined(DspEstimator())])
def test_a_new_print_never_writes_into_the_arrays_a_step_may_be_reading(make, room_print):
    """A step reads the print's arrays through one reference; a swap replaces the reference, so a step
    running meanwhile sees the old print whole."""
    runtime = make()
    runtime.set_noise_print(room_print)
    in_use = runtime._noise_power
    kept = in_use.copy()
    runtime.set_noise_print(room_print.with_gain_db(10.0))
    assert runtime._noise_power is not in_use and np.array_equal(in_use, kept)


# ONNX Runtime keeps a few hundred bytes of its own over its first thousand runs: the wrapper is tested on dsp
@pytest.mark.parametrize("make", [PrintWiener, DspEstimator, lambda: PrintCombined(DspEstimator())])
def test_steps_with_a_print_keep_no_memory(make, room_print):
    runtime = with_noise_print(make(), room_print)
    state = runtime.initial_state()
    spec = np.random.default_rng(0).standard_normal((2, N_FREQS)).astype(np.float32)
    for _ in range(50):
        runtime.step(spec, state)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(2000):
            runtime.step(spec, state)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 1024, f"{grown} bytes kept after 2000 steps"


def test_dsp_with_a_print_keeps_a_held_note_that_blind_dsp_takes_for_noise(room_print):
    note = sine(6.0)
    noisy = note + noise(6.0, seed=1)
    with_print = run(open_runtime("dsp", noise_print=room_print), noisy)
    blind = run(open_runtime("dsp"), noisy)
    for start_s in (3.0, 4.0, 5.0):
        assert abs(sine_level_db(with_print, note, start_s, start_s + 1.0)) < 1.0
        assert sine_level_db(blind, note, start_s, start_s + 1.0) < -10.0


@pytest.mark.parametrize("colour", ["white", "low", "high"])
def test_dsp_with_a_print_removes_20_db_of_stationary_noise(colour):
    from scipy.signal import butter, sosfilt

    def coloured(seed: int) -> np.ndarray:
        audio = noise(4.0, seed)
        if colour == "white":
            return audio
        sos = butter(
            4,
            300 if colour == "low" else 6000,
            "lowpass" if colour == "low" else "highpass",
            fs=SAMPLE_RATE,
            output="sos",
        )
        return sosfilt(sos, audio).astype(np.float32)

    noisy = coloured(seed=2)
    runtime = open_runtime("dsp", noise_print=print_from_audio(coloured(seed=3)))
    assert removed_db(run(runtime, noisy), noisy) >= 20.0


def test_dsp_without_a_print_is_the_floor_tracker_whatever_came_before(room_print):
    """A print given and taken away mid-stream leaves the floor tracker where it would be: it ran all along."""
    noisy = sine(5.0) + noise(5.0, seed=4)
    assert open_runtime("dsp").noise_print is None and open_runtime("dsp", noise_print=None).noise_print is None
    blind = StreamingDenoiser(open_runtime("dsp"), 1).process(noisy)
    runtime = open_runtime("dsp")
    denoiser = StreamingDenoiser(runtime, 1)
    second = SAMPLE_RATE
    out = [denoiser.process(noisy[:second])]
    runtime.set_noise_print(room_print)
    out.append(denoiser.process(noisy[second : 2 * second]))
    runtime.set_noise_print(None)
    out.append(denoiser.process(noisy[2 * second :]))
    out = np.concatenate(out)
    assert np.array_equal(out[:second], blind[:second])
    assert not np.array_equal(out[second : 2 * second], blind[second : 2 * second])
    after = 2 * second + denoiser.latency_samples + 2 * denoiser.hop_samples  # the print's last hop has gone out
    assert np.array_equal(out[after:], blind[after:])


def test_a_blind_model_without_a_print_returns_its_own_mask():
    inner = DspEstimator()
    combined = PrintCombined(inner)
    spec = np.random.default_rng(0).standard_normal((2, N_FREQS)).astype(np.float32)
    inner_state, state = inner.initial_state(), combined.initial_state()
    for _ in range(20):
        assert np.array_equal(combined.step(spec, state), inner.step(spec, inner_state))


def test_the_join_is_the_lower_of_the_model_gain_and_the_print_wiener_at_a_quarter_strength():
    model_mask = np.array([[0.6, 0.0, 0.0, 0.3, 0.2], [0.8, 0.5, 0.0, 0.0, 0.0]], dtype=np.float32)  # |m| 1 .5 0 .3 .2
    gains = np.array([0.0625, 0.81, 0.5, 1e-4, 1.0], dtype=np.float32)  # fourth roots .5 .95 .84 .1 1
    out = np.zeros_like(model_mask)
    combine_masks(model_mask, gains, out)
    np.testing.assert_allclose(np.hypot(out[0], out[1]), [0.5, 0.5, 0.0, 0.1, 0.2], rtol=1e-6)
    kept = [0, 1, 3, 4]
    np.testing.assert_allclose(np.arctan2(out[1], out[0])[kept], np.arctan2(model_mask[1], model_mask[0])[kept])


def test_the_default_model_with_a_print_removes_a_rumble_it_keeps_blind_and_keeps_a_held_note():
    from scipy.signal import butter, sosfilt

    lowpass = butter(4, 300, fs=SAMPLE_RATE, output="sos")  # below 500 Hz the shipped model removes ~2 dB blind

    def rumble(seed: int) -> np.ndarray:
        return sosfilt(lowpass, 3 * noise(4.0, seed)).astype(np.float32)

    noisy = rumble(seed=5)
    blind = open_runtime("default")
    combined = open_runtime("default", noise_print=print_from_audio(rumble(seed=6)))
    assert isinstance(combined, PrintCombined) and isinstance(combined.inner, OnnxRuntime) and combined.heavy_step
    removed_blind, removed = removed_db(run(blind, noisy), noisy), removed_db(run(combined, noisy), noisy)
    assert removed > removed_blind + 4.0, (removed, removed_blind)  # the quarter-strength join adds at most 6.25 dB
    note = sine(4.0, frequency_hz=1000.0)
    kept_blind = sine_level_db(run(blind, note + noisy), note, 2.0, 4.0)
    kept = sine_level_db(run(combined, note + noisy), note, 2.0, 4.0)
    assert abs(kept - kept_blind) < 1.0, (kept, kept_blind)


def test_open_runtime_sets_each_model_up_with_the_print(room_print):
    dsp = open_runtime("dsp", noise_print=room_print)
    assert isinstance(dsp, DspEstimator) and dsp.noise_print is room_print
    assert isinstance(open_runtime("identity", noise_print=room_print), IdentityRuntime)
    own = PrintWiener()
    assert with_noise_print(own, room_print) is own and own.noise_print is room_print
    assert isinstance(open_runtime("default"), OnnxRuntime)


@pytest.mark.parametrize("model", ["dsp", "identity", "default"])
def test_open_runtime_refuses_a_print_of_another_geometry(model):
    other = print_from_audio(noise(1.0, seed=6), hop_samples=256)
    with pytest.raises(NoisePrintError, match="n_fft 1024, hop 256; the model runs at 48000 Hz, n_fft 1024, hop 128"):
        open_runtime(model, noise_print=other)
