import numpy as np
import pytest

from livedenoise.training.noise_variation import TILT_PIVOT_HZ, change_speed, samples_needed, tilt_spectrum

SR = 48_000


def _peak_hz(audio: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(audio.size)))
    return float(np.fft.rfftfreq(audio.size, 1.0 / SR)[np.argmax(spectrum)])


@pytest.mark.parametrize("speed", [0.8, 1.0, 1.25])
def test_change_speed_moves_pitch_by_the_speed(speed):
    n_samples = SR // 2
    audio = np.sin(2 * np.pi * 440.0 * np.arange(samples_needed(n_samples, speed)) / SR).astype(np.float32)
    played = change_speed(audio, speed, n_samples)
    assert played.shape == (n_samples,) and played.dtype == np.float32
    assert _peak_hz(played[SR // 20 :]) == pytest.approx(440.0 * speed, abs=4.0)


def test_change_speed_refuses_too_little_input():
    with pytest.raises(ValueError, match="need"):
        change_speed(np.zeros(100, dtype=np.float32), 1.25, 100)
    with pytest.raises(ValueError, match="positive"):
        change_speed(np.zeros(100, dtype=np.float32), 0.0, 100)


@pytest.mark.parametrize("db_per_octave", [-3.0, 2.0])
def test_tilt_changes_levels_by_octaves_from_the_pivot(db_per_octave):
    t = np.arange(SR) / SR
    freqs_hz = (TILT_PIVOT_HZ / 4, TILT_PIVOT_HZ, TILT_PIVOT_HZ * 8)  # whole cycles in 1 s
    tones = [np.sin(2 * np.pi * f * t) for f in freqs_hz]
    tilted = tilt_spectrum(np.sum(tones, axis=0), SR, db_per_octave)
    spectrum = np.abs(np.fft.rfft(tilted))
    levels_db = [20 * np.log10(spectrum[int(f)] / (SR / 2)) for f in freqs_hz]
    np.testing.assert_allclose(levels_db, [-2 * db_per_octave, 0.0, 3 * db_per_octave], atol=0.01)
