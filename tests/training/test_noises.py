import numpy as np
import pytest
import scipy.signal

from livedenoise.training import noises

SR = 48_000


def _psd_slope_db_per_octave(audio: np.ndarray, low_hz: float = 100.0, high_hz: float = 10_000.0) -> float:
    freqs, psd = scipy.signal.welch(audio, fs=SR, nperseg=8192)
    band = (freqs >= low_hz) & (freqs <= high_hz)
    slope, _ = np.polyfit(np.log2(freqs[band]), 10.0 * np.log10(psd[band]), 1)
    return float(slope)


@pytest.mark.parametrize(("exponent", "slope_db"), [(0.0, 0.0), (1.0, -3.01), (2.0, -6.02)])
def test_colored_noise_slope(exponent, slope_db):
    audio = noises.colored_noise(4 * SR, np.random.default_rng(1), exponent)
    assert abs(_psd_slope_db_per_octave(audio) - slope_db) < 0.3


@pytest.mark.parametrize(
    "generate",
    [
        noises.white_noise,
        noises.pink_noise,
        noises.brown_noise,
        noises.tape_hiss,
        noises.mains_hum,
        noises.clicks,
        noises.crackle,
        noises.fan_noise,
    ],
)
@pytest.mark.parametrize("n_samples", [64, 4_801, SR])
def test_generators_shape_dtype_unit_rms_determinism(generate, n_samples):
    audio = generate(n_samples, np.random.default_rng(7))
    assert audio.shape == (n_samples,)
    assert audio.dtype == np.float32
    assert np.all(np.isfinite(audio))
    assert np.sqrt(np.mean(audio.astype(np.float64) ** 2)) == pytest.approx(1.0, rel=1e-4)
    np.testing.assert_array_equal(audio, generate(n_samples, np.random.default_rng(7)))
    if n_samples > 1:
        assert not np.array_equal(audio, generate(n_samples, np.random.default_rng(8)))


@pytest.mark.parametrize("fundamental_hz", [50.0, 60.0])
def test_hum_fundamental_and_harmonics(fundamental_hz):
    audio = noises.mains_hum(4 * SR, np.random.default_rng(3), fundamental_hz=fundamental_hz, n_harmonics=8)
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(audio.size))) ** 2
    freqs = np.fft.rfftfreq(audio.size, 1.0 / SR)
    assert abs(freqs[np.argmax(spectrum)] - fundamental_hz) < 1.0
    near_harmonic = np.abs(freqs / fundamental_hz - np.round(freqs / fundamental_hz)) * fundamental_hz < 2.0
    near_harmonic &= (freqs > fundamental_hz / 2) & (freqs < 8.5 * fundamental_hz)
    assert spectrum[near_harmonic].sum() / spectrum.sum() > 0.99


def test_tape_hiss_is_brighter_than_white():
    hiss = noises.tape_hiss(2 * SR, np.random.default_rng(0), shelf_db=12.0, shelf_hz=3_000.0)
    assert _psd_slope_db_per_octave(hiss, 500.0, 8_000.0) > 1.0


def test_clicks_are_sparse_and_crackle_is_high_passed():
    audio = noises.clicks(SR, np.random.default_rng(0), rate_per_s=5.0)
    assert np.mean(np.abs(audio) > 1e-6) < 0.05
    dust = noises.crackle(SR, np.random.default_rng(0))
    freqs, psd = scipy.signal.welch(dust, fs=SR, nperseg=4096)
    assert psd[freqs < 100].mean() < 0.01 * psd[(freqs > 3_000) & (freqs < 6_000)].mean()


def test_fan_has_blade_tone():
    audio = noises.fan_noise(4 * SR, np.random.default_rng(2), blade_hz=120.0)
    freqs, psd = scipy.signal.welch(audio, fs=SR, nperseg=16384)
    peak = np.argmin(np.abs(freqs - 120.0))
    assert psd[peak - 2 : peak + 3].max() > 3.0 * np.median(psd[(freqs > 80) & (freqs < 160)])


def test_rejects_empty_length():
    with pytest.raises(ValueError):
        noises.white_noise(0, np.random.default_rng(0))
