"""Procedural noise: an endless, seeded supply of noises that no recording here covers.

A model trained on a few recordings learns those recordings, not what noise is: v7 learned that
energy below about 3 kHz is music because its synthetic noises were full-band slopes and hum at
fixed frequencies. Every family here draws its spectrum, its motion and its rhythm at random, so
that "noise" means "whatever is not the music", at any frequency:

- ``stationary``: Gaussian noise under a random smooth spectral envelope (slope, bumps, dips and
  band edges anywhere from 20 Hz to 20 kHz), sometimes drifting from one envelope to another.
- ``modulated``: a stationary noise under a slow random swell (gusts, surf, traffic passing).
- ``machine``: a harmonic series on a random, drifting fundamental with a random harmonic envelope,
  over a shaped noise bed, sometimes throbbing at a rotation rate (engines, fans, motors, mains).
- ``impulsive``: random events with random spectra, rates, levels and decays, some of them ringing
  (rain, crackle, typing, dishes), over an optional bed.
- ``babble``: many synthetic talkers: voiced harmonic combs under moving formants at syllable rate,
  with unvoiced bursts, summed at random levels.
- ``mixture``: two or three of the above at random relative levels.

Every generator takes ``(n_samples, rng)`` and returns float32 of shape ``(n_samples,)`` at unit
RMS, with a dict of what it drew; the same generator state gives the same array.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.fft
import scipy.signal

from livedenoise.models.stft_geometry import SAMPLE_RATE

FAMILIES = ("stationary", "modulated", "machine", "impulsive", "babble", "mixture")
MIN_HZ = 20.0
MAX_HZ = 20_000.0
ENVELOPE_RANGE_DB = (-60.0, 30.0)

Generated = tuple[np.ndarray, dict[str, Any]]


def _unit_rms(audio: np.ndarray) -> np.ndarray:
    rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))
    if not rms > 0.0:
        raise ValueError("cannot normalise a silent noise signal")
    return (audio / rms).astype(np.float32)


def _octaves(freqs_hz: np.ndarray) -> np.ndarray:
    """Position of each frequency in octaves above ``MIN_HZ`` (held at 0 below it)."""
    return np.log2(np.maximum(freqs_hz, MIN_HZ) / MIN_HZ)


def random_envelope_db(rng: np.random.Generator) -> Callable[[np.ndarray], np.ndarray]:
    """A random smooth spectral envelope: ``freqs_hz -> gain_db`` over 20 Hz..20 kHz.

    A tilt about a random pivot, a random curve through control points 0.5-2 octaves apart, up to
    two bumps or notches, and with probability 1/2 a pass band with random edges and slopes, so
    that narrow low-frequency rumbles are as likely as broadband hiss.
    """
    span = float(_octaves(np.array(MAX_HZ)))
    tilt_db_per_octave = float(rng.uniform(-7.0, 3.0))
    pivot = float(rng.uniform(0.0, span))
    spacing = float(rng.uniform(0.5, 2.0))
    knots = np.arange(-spacing, span + 2 * spacing, spacing)
    knot_db = rng.normal(0.0, rng.uniform(2.0, 9.0), knots.size)
    bumps = [
        (float(rng.uniform(0.0, span)), float(rng.uniform(0.2, 1.5)), float(rng.uniform(-20.0, 20.0)))
        for _ in range(int(rng.integers(0, 3)))
    ]
    band = None
    if rng.random() < 0.5:
        low = float(rng.uniform(-1.0, span - 1.0))
        high = min(span + 1.0, low + float(rng.uniform(1.0, 7.0)))
        band = (low, high, float(rng.uniform(6.0, 48.0)), float(rng.uniform(6.0, 48.0)))

    def gain_db(freqs_hz: np.ndarray) -> np.ndarray:
        position = _octaves(np.asarray(freqs_hz, dtype=np.float64))
        db = tilt_db_per_octave * (position - pivot) + np.interp(position, knots, knot_db)
        for center, width, height in bumps:
            db += height * np.exp(-0.5 * ((position - center) / width) ** 2)
        if band is not None:
            low, high, low_slope, high_slope = band
            db -= low_slope * np.maximum(low - position, 0.0) + high_slope * np.maximum(position - high, 0.0)
        db -= db.max()
        return np.clip(db, *ENVELOPE_RANGE_DB)

    return gain_db


def _shaped(
    n_samples: int, rng: np.random.Generator, gain_db: Callable[[np.ndarray], np.ndarray], sample_rate: int
) -> np.ndarray:
    """Gaussian noise under ``gain_db``, drawn in the frequency domain. Shape (n_samples,)."""
    n_fft = scipy.fft.next_fast_len(n_samples, real=True)
    freqs_hz = np.fft.rfftfreq(n_fft, 1.0 / sample_rate)
    spectrum = rng.standard_normal(freqs_hz.size) + 1j * rng.standard_normal(freqs_hz.size)
    spectrum *= 10.0 ** (gain_db(freqs_hz) / 20.0)
    spectrum[0] = 0.0
    return scipy.fft.irfft(spectrum, n_fft)[:n_samples]


def smooth_curve(n_samples: int, rng: np.random.Generator, rate_hz: float, sample_rate: float) -> np.ndarray:
    """A smooth random curve in about [-1, 1] with ``rate_hz`` random turns per second. Shape (n_samples,)."""
    step = max(1.0, sample_rate / rate_hz)
    n_points = int(np.ceil(n_samples / step)) + 4
    points = rng.uniform(-1.0, 1.0, n_points)
    # Cosine interpolation between random points: smooth, without the overshoot of a spline.
    position = np.arange(n_samples) / step + rng.uniform(0.0, 1.0)
    index = position.astype(np.int64)
    fraction = (1.0 - np.cos(np.pi * (position - index))) / 2.0
    return points[index] * (1.0 - fraction) + points[index + 1] * fraction


def stationary(n_samples: int, rng: np.random.Generator, sample_rate: int = SAMPLE_RATE) -> Generated:
    """Noise under a random envelope; with probability 0.4 it drifts to a second envelope and back."""
    noise = _shaped(n_samples, rng, random_envelope_db(rng), sample_rate)
    detail: dict[str, Any] = {"family": "stationary", "drifting": False}
    if rng.random() < 0.4:
        other = _shaped(n_samples, rng, random_envelope_db(rng), sample_rate)
        rate_hz = float(rng.uniform(0.05, 1.0))
        weight = 0.5 + 0.5 * smooth_curve(n_samples, rng, rate_hz, sample_rate)
        noise = np.sqrt(weight) * _unit_rms(noise) + np.sqrt(1.0 - weight) * _unit_rms(other)
        detail.update(drifting=True, drift_rate_hz=rate_hz)
    return _unit_rms(noise), detail


def swell_gain(
    n_samples: int, rng: np.random.Generator, sample_rate: int = SAMPLE_RATE
) -> tuple[np.ndarray, dict[str, Any]]:
    """A slow random gain (linear, shape (n_samples,)): 3-24 dB deep at 0.05-4 turns per second."""
    depth_db = float(rng.uniform(3.0, 24.0))
    rate_hz = float(np.exp(rng.uniform(np.log(0.05), np.log(4.0))))
    curve = smooth_curve(n_samples, rng, rate_hz, sample_rate)
    return 10.0 ** (depth_db * (curve - 1.0) / 40.0), {"swell_depth_db": depth_db, "swell_rate_hz": rate_hz}


def modulated(n_samples: int, rng: np.random.Generator, sample_rate: int = SAMPLE_RATE) -> Generated:
    noise, detail = stationary(n_samples, rng, sample_rate)
    gain, swell = swell_gain(n_samples, rng, sample_rate)
    return _unit_rms(noise * gain), {**detail, **swell, "family": "modulated"}


MAX_PARTIALS = 48


def machine(n_samples: int, rng: np.random.Generator, sample_rate: int = SAMPLE_RATE) -> Generated:
    """Harmonics of a drifting fundamental (25-600 Hz) over a shaped bed.

    The fundamental wanders by up to 4 % and may ramp (an engine revving) by up to +-40 % over the
    signal; harmonic levels follow a random envelope with per-harmonic scatter; at most
    ``MAX_PARTIALS`` harmonics below a random top frequency are drawn, favouring low orders.
    """
    f0_hz = float(np.exp(rng.uniform(np.log(25.0), np.log(600.0))))
    wander = float(rng.uniform(0.0, 0.04))
    ramp = float(rng.uniform(-0.4, 0.4)) if rng.random() < 0.3 else 0.0
    t = np.arange(n_samples) / n_samples
    f_track = (
        f0_hz
        * (1.0 + wander * smooth_curve(n_samples, rng, float(rng.uniform(0.2, 3.0)), sample_rate))
        * (1.0 + ramp * t)
    )
    phase = 2.0 * np.pi * np.cumsum(f_track) / sample_rate
    top_hz = min(float(np.exp(rng.uniform(np.log(400.0), np.log(16_000.0)))), 0.45 * sample_rate)
    n_available = max(1, int(top_hz / (f0_hz * (1.0 + wander) * (1.0 + max(ramp, 0.0)))))
    if n_available <= MAX_PARTIALS:
        orders = np.arange(1, n_available + 1)
    else:
        weights = 1.0 / np.arange(1, n_available + 1)
        orders = np.sort(
            rng.choice(np.arange(1, n_available + 1), MAX_PARTIALS, replace=False, p=weights / weights.sum())
        )
    envelope = random_envelope_db(rng)
    levels_db = envelope(orders * f0_hz) + rng.normal(0.0, 4.0, orders.size)
    if rng.random() < 0.3:  # rectifier-like buzz: odd harmonics stronger
        levels_db[orders % 2 == 0] -= 10.0
    amplitudes = 10.0 ** (levels_db / 20.0)
    offsets = rng.uniform(0.0, 2.0 * np.pi, orders.size)
    tone = np.zeros(n_samples)
    for order, amplitude, offset in zip(orders, amplitudes, offsets, strict=True):
        tone += amplitude * np.sin(order * phase + offset)
    bed_db = float(rng.uniform(-30.0, 5.0))
    out = _unit_rms(tone) + 10.0 ** (bed_db / 20.0) * _unit_rms(_shaped(n_samples, rng, envelope, sample_rate))
    detail: dict[str, Any] = {
        "family": "machine",
        "f0_hz": f0_hz,
        "n_partials": int(orders.size),
        "top_hz": top_hz,
        "wander": wander,
        "ramp": ramp,
        "bed_db": bed_db,
        "throb_hz": None,
    }
    if rng.random() < 0.3:  # blades or cylinders: a throb at a fraction of the fundamental
        throb_hz = f0_hz / float(rng.integers(2, 9))
        depth = float(rng.uniform(0.2, 0.9))
        out = out * (1.0 - depth * (0.5 + 0.5 * np.sin(phase * throb_hz / f0_hz)))
        detail["throb_hz"] = throb_hz
    return _unit_rms(out), detail


def impulsive(n_samples: int, rng: np.random.Generator, sample_rate: int = SAMPLE_RATE) -> Generated:
    """Random events: noise bursts with random decays (and, half the time, ringing resonances),
    at 0.5-400 events per second with log-normal levels, under a random envelope."""
    rate_per_s = float(np.exp(rng.uniform(np.log(0.5), np.log(400.0))))
    n_events = max(1, int(rng.poisson(rate_per_s * n_samples / sample_rate)))
    decay_ms = float(np.exp(rng.uniform(np.log(0.3), np.log(60.0))))
    level_spread = float(rng.uniform(0.2, 1.5))
    positions = rng.integers(0, n_samples, n_events)
    train = np.zeros(n_samples)
    np.add.at(train, positions, np.exp(level_spread * rng.standard_normal(n_events)))
    n_kernel = min(n_samples, max(2, int(6.0 * decay_ms * 1e-3 * sample_rate)))
    decay = np.exp(-np.arange(n_kernel) / (decay_ms * 1e-3 * sample_rate))
    envelope = scipy.signal.fftconvolve(train, decay)[:n_samples]
    events = envelope * rng.standard_normal(n_samples)
    n_rings = int(rng.integers(0, 4)) if rng.random() < 0.5 else 0
    ring_hz = []
    for _ in range(n_rings):
        f_hz = float(np.exp(rng.uniform(np.log(300.0), np.log(9_000.0))))
        ring_ms = float(rng.uniform(5.0, 150.0))
        n_ring = min(n_samples, int(5.0 * ring_ms * 1e-3 * sample_rate))
        k = np.arange(n_ring) / sample_rate
        kernel = np.exp(-k / (ring_ms * 1e-3)) * np.sin(2.0 * np.pi * f_hz * k)
        struck = train * (rng.random(n_samples) < 0.5)
        events += (
            float(rng.uniform(0.3, 3.0))
            * scipy.signal.fftconvolve(struck, kernel)[:n_samples]
            * np.sqrt(decay_ms / ring_ms)
        )
        ring_hz.append(f_hz)
    if not np.any(events):
        events[int(positions[0])] = 1.0
    shaped = _shape_existing(events, random_envelope_db(rng), sample_rate)
    bed_db = float(rng.uniform(-40.0, -5.0)) if rng.random() < 0.5 else None
    if bed_db is not None:
        shaped = _unit_rms(shaped) + 10.0 ** (bed_db / 20.0) * _unit_rms(
            _shaped(n_samples, rng, random_envelope_db(rng), sample_rate)
        )
    detail = {
        "family": "impulsive",
        "rate_per_s": rate_per_s,
        "decay_ms": decay_ms,
        "level_spread": level_spread,
        "ring_hz": ring_hz,
        "bed_db": bed_db,
    }
    return _unit_rms(shaped), detail


def _shape_existing(audio: np.ndarray, gain_db: Callable[[np.ndarray], np.ndarray], sample_rate: int) -> np.ndarray:
    """``audio`` filtered by the zero-phase response ``gain_db``. Shape kept."""
    n_fft = scipy.fft.next_fast_len(audio.size, real=True)
    spectrum = scipy.fft.rfft(audio, n_fft)
    spectrum *= 10.0 ** (gain_db(np.fft.rfftfreq(n_fft, 1.0 / sample_rate)) / 20.0)
    return scipy.fft.irfft(spectrum, n_fft)[: audio.size]


BABBLE_FFT = 1024
BABBLE_HOP = 256
VOICED_MAX_HZ = 6_000.0


def babble(n_samples: int, rng: np.random.Generator, sample_rate: int = SAMPLE_RATE) -> Generated:
    """3-16 synthetic talkers, each a harmonic comb on an intonated pitch (80-260 Hz) under three
    formants that move to new targets every syllable (3-7 per second), with unvoiced bursts and
    pauses, summed at levels within 12 dB. Built as a magnitude spectrogram with random phase."""
    n_talkers = int(rng.integers(3, 17))
    n_frames = n_samples // BABBLE_HOP + 4
    freqs_hz = np.fft.rfftfreq(BABBLE_FFT, 1.0 / sample_rate).astype(np.float32)
    # Voiced speech is computed below VOICED_MAX_HZ only: above it the formants are 40 dB down.
    low = freqs_hz[freqs_hz < VOICED_MAX_HZ]
    tilt = 1.0 / (1.0 + (low / 600.0) ** 2) + 0.002
    frame_s = BABBLE_HOP / sample_rate
    power = np.zeros((n_frames, freqs_hz.size), dtype=np.float32)
    for _ in range(n_talkers):
        syllable_s = 1.0 / rng.uniform(3.0, 7.0)
        n_syllables = int(np.ceil(n_frames * frame_s / syllable_s)) + 2
        position = np.arange(n_frames) * frame_s / syllable_s + rng.uniform(0.0, 1.0)
        syllable = position.astype(int)
        within = (position - syllable).astype(np.float32)
        voiced = rng.random(n_syllables) < 0.75
        loud = np.where(rng.random(n_syllables) < 0.15, 0.0, 1.0)  # pauses
        f0_hz = np.exp(rng.uniform(np.log(80.0), np.log(260.0)))
        pitch = (f0_hz * (1.0 + 0.15 * smooth_curve(n_frames, rng, 2.0 / syllable_s, 1.0 / frame_s))).astype(np.float32)
        formant_hz = np.stack(
            [rng.uniform(lo, hi, n_syllables) for lo, hi in ((300, 900), (800, 2500), (2000, 3500))], axis=1
        )
        formant_bw = np.array([80.0, 120.0, 200.0]) * rng.uniform(0.8, 1.5)
        # Formants glide from one syllable's targets to the next.
        current = (formant_hz[syllable] * (1.0 - within[:, None]) + formant_hz[syllable + 1] * within[:, None]).astype(
            np.float32
        )
        envelope = np.zeros((n_frames, low.size), dtype=np.float32)
        for k in range(3):
            envelope += 1.0 / (1.0 + ((low[None, :] - current[:, k : k + 1]) / formant_bw[k]) ** 2) / (k + 1)
        envelope *= tilt[None, :]
        comb = 0.5 + 0.5 * np.cos((2.0 * np.pi) * low[None, :] / pitch[:, None])
        comb *= comb
        comb *= comb
        comb *= comb  # a narrow peak on every harmonic
        gain = (np.sin(np.pi * within) ** 2 * loud[syllable] * 10.0 ** (rng.uniform(-12.0, 0.0) / 10.0)).astype(
            np.float32
        )
        is_voiced = voiced[syllable]
        power[is_voiced, : low.size] += (comb * envelope)[is_voiced] * gain[is_voiced, None]
        hiss_from = int(np.searchsorted(freqs_hz, rng.uniform(2_500.0, 5_000.0)))
        unvoiced = ~is_voiced
        power[unvoiced, hiss_from:] += (0.1 * envelope[unvoiced].mean(axis=1) * gain[unvoiced])[:, None]
    phase = np.exp(2j * np.pi * rng.random(power.shape))
    _, audio = scipy.signal.istft(
        (np.sqrt(power) * phase).T, fs=sample_rate, nperseg=BABBLE_FFT, noverlap=BABBLE_FFT - BABBLE_HOP, boundary=True
    )
    audio = audio[BABBLE_FFT // 2 : BABBLE_FFT // 2 + n_samples]
    if audio.size < n_samples:
        audio = np.pad(audio, (0, n_samples - audio.size))
    return _unit_rms(audio), {"family": "babble", "n_talkers": n_talkers}


SINGLE_FAMILIES: dict[str, Callable[[int, np.random.Generator, int], Generated]] = {
    "stationary": stationary,
    "modulated": modulated,
    "machine": machine,
    "impulsive": impulsive,
    "babble": babble,
}


def mixture(n_samples: int, rng: np.random.Generator, sample_rate: int = SAMPLE_RATE) -> Generated:
    """Two or three single families, the first at 0 dB and the others 0-15 dB below."""
    names = rng.choice(list(SINGLE_FAMILIES), size=int(rng.integers(2, 4)), replace=False)
    total = np.zeros(n_samples)
    parts = []
    for i, name in enumerate(names):
        audio, detail = SINGLE_FAMILIES[str(name)](n_samples, rng, sample_rate)
        relative_db = 0.0 if i == 0 else float(rng.uniform(-15.0, 0.0))
        total += audio * 10.0 ** (relative_db / 20.0)
        parts.append({**detail, "relative_db": relative_db})
    return _unit_rms(total), {"family": "mixture", "parts": parts}


GENERATORS: dict[str, Callable[[int, np.random.Generator, int], Generated]] = {**SINGLE_FAMILIES, "mixture": mixture}
DEFAULT_FAMILY_WEIGHTS = {
    "stationary": 3.0,
    "modulated": 2.0,
    "machine": 2.0,
    "impulsive": 1.5,
    "babble": 1.0,
    "mixture": 1.5,
}


def procedural_noise(
    n_samples: int,
    rng: np.random.Generator,
    sample_rate: int = SAMPLE_RATE,
    family: str | None = None,
) -> Generated:
    """One procedural noise of ``family`` (drawn by ``DEFAULT_FAMILY_WEIGHTS`` when None). Shape (n_samples,)."""
    if n_samples <= 0:
        raise ValueError(f"n_samples must be positive, got {n_samples}")
    if family is None:
        names = list(DEFAULT_FAMILY_WEIGHTS)
        weights = np.array([DEFAULT_FAMILY_WEIGHTS[name] for name in names])
        family = names[int(rng.choice(len(names), p=weights / weights.sum()))]
    if family not in GENERATORS:
        raise ValueError(f"unknown procedural family {family!r}; known: {FAMILIES}")
    return GENERATORS[family](n_samples, rng, sample_rate)
