"""The oracle gains: aligned, lossless on clean input, and each band held at one where asked."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import butter, sosfilt

from livedenoise.bench.metrics import si_sdr
from livedenoise.bench.oracle import oracle_outputs

SAMPLE_RATE = 48000
N_SAMPLES = SAMPLE_RATE


def _tones(*hz: float) -> np.ndarray:
    t = np.arange(N_SAMPLES) / SAMPLE_RATE
    return 0.1 * sum(np.sin(2 * np.pi * f * t) for f in hz).astype(np.float32)


def _noise_below(hz: float, seed: int = 0) -> np.ndarray:
    noise = np.random.default_rng(seed).standard_normal(N_SAMPLES)
    return (0.3 * sosfilt(butter(6, hz, "lowpass", fs=SAMPLE_RATE, output="sos"), noise)).astype(np.float32)


def test_clean_input_comes_out_as_it_went_in_and_aligned():
    music = _tones(220.0, 1500.0)
    outputs = oracle_outputs(music, music, SAMPLE_RATE, 40.0, [0.0, 500.0])
    assert outputs.shape == (2, N_SAMPLES)
    for out in outputs:
        # the first frames hold the analysis window's rise, not yet a whole frame
        np.testing.assert_allclose(out[2048:], music[2048:], atol=1e-4)


def test_the_ideal_gain_removes_low_noise_and_the_pass_band_keeps_it():
    music = _tones(2000.0, 3000.0)
    noisy = music + _noise_below(300.0)
    ideal, pass_500 = oracle_outputs(noisy, music, SAMPLE_RATE, 40.0, [0.0, 500.0])
    before = si_sdr(noisy, music)
    assert si_sdr(ideal, music) - before > 15.0
    assert abs(si_sdr(pass_500, music) - before) < 1.0


def test_noise_alone_is_floored_at_the_strength():
    noise = _noise_below(8000.0)
    (out,) = oracle_outputs(noise, np.zeros_like(noise), SAMPLE_RATE, 20.0, [0.0])
    removed_db = 10 * np.log10(np.sum(noise[2048:] ** 2) / np.sum(out[2048:] ** 2))
    assert removed_db == pytest.approx(20.0, abs=0.5)


def test_mismatched_inputs_are_refused():
    with pytest.raises(ValueError, match="mono noisy and clean"):
        oracle_outputs(np.zeros(100, np.float32), np.zeros(99, np.float32), SAMPLE_RATE, 40.0, [0.0])
