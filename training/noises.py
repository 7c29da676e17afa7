"""Synthetic noise generators for the kinds of noise that have few real recordings.

Every generator takes the number of samples and a seeded ``numpy.random.Generator`` and returns
a float32 array of shape ``(n_samples,)`` with unit RMS: the mixer sets the level from the SNR, so
the generators only decide the character of the noise. Random parameters that are not passed in
are drawn from ``rng``; the same generator state gives the same array.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.fft
import scipy.signal

from livedenoise.models.stft_geometry import SAMPLE_RATE


def _unit_rms(audio: np.ndarray) -> np.ndarray:
    rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))
    if rms == 0.0:
        raise ValueError("cannot normalise a silent noise signal")
    return (audio / rms).astype(np.float32)


def _slow_wander(n_samples: int, rng: np.random.Generator, sample_rate: int, period_s: float) -> np.ndarray:
    """A smooth random curve in [-1, 1], one random control point per ``period_s``. Shape (n_samples,)."""
    n_points = int(np.ceil(n_samples / (period_s * sample_rate))) + 2
    points = rng.uniform(-1.0, 1.0, n_points)
    positions = np.arange(n_points) * period_s * sample_rate
    return np.interp(np.arange(n_samples), positions, points)


def shaped_noise(
    n_samples: int,
    rng: np.random.Generator,
    amplitude_of_hz: Callable[[np.ndarray], np.ndarray],
    sample_rate: int = SAMPLE_RATE,
) -> np.ndarray:
    """Gaussian noise whose amplitude spectrum follows ``amplitude_of_hz(freqs_hz)``. Shape (n_samples,).

    The spectrum is drawn directly in the frequency domain (a complex Gaussian per bin is the
    spectrum of white Gaussian noise) on a fast FFT length, then cut to ``n_samples``.
    """
    if n_samples <= 0:
        raise ValueError(f"n_samples must be positive, got {n_samples}")
    n_fft = scipy.fft.next_fast_len(n_samples, real=True)
    n_bins = n_fft // 2 + 1
    spectrum = rng.standard_normal(n_bins) + 1j * rng.standard_normal(n_bins)
    freqs_hz = np.fft.rfftfreq(n_fft, 1.0 / sample_rate)
    spectrum *= amplitude_of_hz(freqs_hz)
    spectrum[0] = 0.0  # no DC offset
    return _unit_rms(scipy.fft.irfft(spectrum, n_fft)[:n_samples])


def colored_noise(
    n_samples: int,
    rng: np.random.Generator,
    exponent: float,
    sample_rate: int = SAMPLE_RATE,
    min_hz: float = 20.0,
) -> np.ndarray:
    """Noise with power spectral density proportional to ``1 / f**exponent``. Shape (n_samples,).

    ``exponent`` 0 is white, 1 pink (-3 dB/octave), 2 brown (-6 dB/octave). Below ``min_hz`` the
    density is held flat, so brown noise does not put its energy into inaudible infrasound.
    """
    return shaped_noise(n_samples, rng, lambda f: np.maximum(f, min_hz) ** (-exponent / 2.0), sample_rate)


def white_noise(n_samples: int, rng: np.random.Generator, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    return colored_noise(n_samples, rng, 0.0, sample_rate)


def pink_noise(n_samples: int, rng: np.random.Generator, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    return colored_noise(n_samples, rng, 1.0, sample_rate)


def brown_noise(n_samples: int, rng: np.random.Generator, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    return colored_noise(n_samples, rng, 2.0, sample_rate)


def tape_hiss(
    n_samples: int,
    rng: np.random.Generator,
    sample_rate: int = SAMPLE_RATE,
    shelf_db: float | None = None,
    shelf_hz: float | None = None,
    wander_db: float | None = None,
) -> np.ndarray:
    """Tape hiss: white noise lifted by a high shelf, rolled off at the tape's top end,
    with a slow level wander (tape speed and oxide vary). Shape (n_samples,)."""
    shelf_db = rng.uniform(6.0, 15.0) if shelf_db is None else shelf_db
    shelf_hz = rng.uniform(2_000.0, 6_000.0) if shelf_hz is None else shelf_hz
    wander_db = rng.uniform(0.5, 3.0) if wander_db is None else wander_db
    top_hz = rng.uniform(12_000.0, 20_000.0)
    shelf_gain = 10.0 ** (shelf_db / 20.0)

    def amplitude(f: np.ndarray) -> np.ndarray:
        shelf = 1.0 + (shelf_gain - 1.0) * f**2 / (f**2 + shelf_hz**2)
        return shelf / np.sqrt(1.0 + (f / top_hz) ** 8)

    hiss = shaped_noise(n_samples, rng, amplitude, sample_rate)
    level_db = wander_db * _slow_wander(n_samples, rng, sample_rate, period_s=rng.uniform(0.3, 1.5))
    return _unit_rms(hiss * 10.0 ** (level_db / 20.0))


def mains_hum(
    n_samples: int,
    rng: np.random.Generator,
    sample_rate: int = SAMPLE_RATE,
    fundamental_hz: float | None = None,
    n_harmonics: int | None = None,
    drift_ratio: float = 0.002,
) -> np.ndarray:
    """Mains hum or buzz: a 50 or 60 Hz fundamental and harmonics with random amplitudes and phases.

    The fundamental has amplitude 1; harmonics are weaker and, for a "buzz" (rectifier or
    ground-loop), odd ones are stronger. The frequency drifts slowly by up to ``drift_ratio``, as
    the grid frequency does. Shape (n_samples,).
    """
    fundamental_hz = float(rng.choice([50.0, 60.0])) if fundamental_hz is None else fundamental_hz
    max_harmonics = int((sample_rate / 2) // (fundamental_hz * (1.0 + drift_ratio)))
    if n_harmonics is None:
        n_harmonics = int(rng.integers(1, 16))
    n_harmonics = max(1, min(n_harmonics, max_harmonics))
    buzz = rng.random() < 0.4
    orders = np.arange(1, n_harmonics + 1)
    decay = rng.uniform(0.3, 1.0) if buzz else rng.uniform(1.0, 2.0)
    amplitudes = orders**-decay * rng.uniform(0.2, 1.0, n_harmonics)
    if buzz:
        amplitudes[orders % 2 == 0] *= 0.3
    amplitudes[0] = 1.0
    phases = rng.uniform(0.0, 2.0 * np.pi, n_harmonics)
    drift = drift_ratio * _slow_wander(n_samples, rng, sample_rate, period_s=rng.uniform(0.5, 2.0))
    phase = 2.0 * np.pi * np.cumsum(fundamental_hz * (1.0 + drift)) / sample_rate
    hum = np.zeros(n_samples)
    for order, amplitude, offset in zip(orders, amplitudes, phases, strict=True):
        hum += amplitude * np.sin(order * phase + offset)
    return _unit_rms(hum)


def _click_shape(rng: np.random.Generator, sample_rate: int) -> np.ndarray:
    """One click: a decaying noise burst or a damped ring, 0.1 to 3 ms long."""
    n_click = max(2, int(rng.uniform(0.1e-3, 3e-3) * sample_rate))
    t = np.arange(n_click)
    envelope = np.exp(-t / rng.uniform(0.1, 0.5) / n_click * 5.0)
    if rng.random() < 0.5:
        carrier = rng.standard_normal(n_click)
    else:
        carrier = np.sin(2.0 * np.pi * rng.uniform(1_000.0, 8_000.0) * t / sample_rate + rng.uniform(0, np.pi))
    shape = envelope * carrier
    return shape / np.max(np.abs(shape))


def clicks(
    n_samples: int,
    rng: np.random.Generator,
    sample_rate: int = SAMPLE_RATE,
    rate_per_s: float | None = None,
) -> np.ndarray:
    """Sparse clicks and pops (scratches, bad cables): random times, shapes, polarity and levels
    over 30 dB. At least one click is placed. Shape (n_samples,)."""
    rate_per_s = rng.uniform(0.5, 10.0) if rate_per_s is None else rate_per_s
    n_clicks = max(1, int(rng.poisson(rate_per_s * n_samples / sample_rate)))
    out = np.zeros(n_samples)
    for start in rng.integers(0, n_samples, n_clicks):
        shape = _click_shape(rng, sample_rate)[: n_samples - start]
        level = 10.0 ** (rng.uniform(-30.0, 0.0) / 20.0) * rng.choice([-1.0, 1.0])
        out[start : start + shape.size] += level * shape
    return _unit_rms(out)


def crackle(
    n_samples: int,
    rng: np.random.Generator,
    sample_rate: int = SAMPLE_RATE,
    rate_per_s: float | None = None,
) -> np.ndarray:
    """Vinyl crackle: dense, very short impulses with heavy-tailed (Pareto) amplitudes, high-passed
    like dust in a groove played through a stylus. Shape (n_samples,)."""
    rate_per_s = rng.uniform(30.0, 600.0) if rate_per_s is None else rate_per_s
    n_impulses = max(1, int(rng.poisson(rate_per_s * n_samples / sample_rate)))
    impulses = np.zeros(n_samples)
    positions = rng.integers(0, n_samples, n_impulses)
    amplitudes = (rng.pareto(rng.uniform(1.5, 3.0), n_impulses) + 1.0) * rng.choice([-1.0, 1.0], n_impulses)
    np.add.at(impulses, positions, amplitudes)
    kernel = np.hanning(int(rng.integers(3, 9)))
    high_pass = scipy.signal.butter(2, rng.uniform(500.0, 3_000.0), "highpass", fs=sample_rate, output="sos")
    return _unit_rms(scipy.signal.sosfilt(high_pass, np.convolve(impulses, kernel, mode="same")))


def fan_noise(
    n_samples: int,
    rng: np.random.Generator,
    sample_rate: int = SAMPLE_RATE,
    blade_hz: float | None = None,
) -> np.ndarray:
    """Fan or air-conditioning noise: low-passed broadband air noise plus the blade-pass tone
    (blades x revolutions per second) with a few harmonics and slow speed jitter. Shape (n_samples,)."""
    blade_hz = rng.uniform(30.0, 400.0) if blade_hz is None else blade_hz
    corner_hz = rng.uniform(200.0, 2_000.0)
    air = shaped_noise(n_samples, rng, lambda f: 1.0 / np.sqrt(1.0 + (f / corner_hz) ** 2), sample_rate)
    jitter = 0.01 * _slow_wander(n_samples, rng, sample_rate, period_s=rng.uniform(0.2, 1.0))
    phase = 2.0 * np.pi * np.cumsum(blade_hz * (1.0 + jitter)) / sample_rate
    tone = np.zeros(n_samples)
    for order in range(1, int(rng.integers(1, 5)) + 1):
        if order * blade_hz * 1.02 < sample_rate / 2:
            tone += order**-1.5 * np.sin(order * phase + rng.uniform(0.0, 2.0 * np.pi))
    tone_db = rng.uniform(-20.0, 0.0)  # blade tone level relative to the air noise
    return _unit_rms(air + 10.0 ** (tone_db / 20.0) * _unit_rms(tone))
