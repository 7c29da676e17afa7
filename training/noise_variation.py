"""Variations of a recorded noise, so that a few minutes of recordings stand for more.

A recording played faster or slower (its pitch and rate of events move together, as with a tape
at another speed) and heard through another spectral tilt (a farther, duller source, or a
brighter microphone) is still a plausible noise of its kind. The mixer draws both per recorded
noise when ``MixConfig.noise_variation_prob`` asks for it. Signals have shape ``(n_samples,)``.
"""

from __future__ import annotations

import numpy as np
import soxr

TILT_PIVOT_HZ = 1000.0  # the tilt leaves this frequency's level unchanged
TILT_BAND_HZ = (50.0, 16_000.0)  # outside it the tilt's gain stays at its edge value


def change_speed(audio: np.ndarray, speed: float, n_samples: int) -> np.ndarray:
    """Play ``audio`` at ``speed`` times its rate and return the first ``n_samples`` of that.

    ``audio`` needs at least ``ceil(n_samples * speed)`` samples (``samples_needed``).
    """
    if speed <= 0.0:
        raise ValueError(f"speed must be positive, got {speed}")
    n_needed = samples_needed(n_samples, speed)
    if audio.size < n_needed:
        raise ValueError(f"{n_samples} samples at speed {speed} need {n_needed} input samples, got {audio.size}")
    # Resampling from rate speed*r to r: each output sample advances speed input samples.
    played = soxr.resample(np.asarray(audio[:n_needed], dtype=np.float32), speed * 1_000_000, 1_000_000)
    out = np.zeros(n_samples, dtype=np.float32)
    out[: min(n_samples, played.size)] = played[:n_samples]
    return out


def samples_needed(n_samples: int, speed: float) -> int:
    """Input samples that ``change_speed`` needs for ``n_samples`` of output at ``speed``."""
    return int(np.ceil(n_samples * speed))


def tilt_spectrum(audio: np.ndarray, sample_rate: int, db_per_octave: float) -> np.ndarray:
    """Tilt the spectrum by ``db_per_octave`` about ``TILT_PIVOT_HZ`` (positive: brighter)."""
    spectrum = np.fft.rfft(np.asarray(audio, dtype=np.float64))
    freqs_hz = np.clip(np.fft.rfftfreq(audio.size, 1.0 / sample_rate), *TILT_BAND_HZ)
    gain = 10.0 ** (db_per_octave * np.log2(freqs_hz / TILT_PIVOT_HZ) / 20.0)
    return np.fft.irfft(spectrum * gain, n=audio.size).astype(np.float32)
