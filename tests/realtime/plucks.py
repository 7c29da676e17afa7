"""Plucked-string notes of exactly known pitch, made here: Karplus-Strong and additive strings.

``karplus_strong``: a noise burst circulating in a delay line closed by a two-point average and a
first-order all-pass tuned so that the loop's delay at the fundamental is exactly one period (Jaffe
& Smith, 1983); higher partials die first, as on a string. ``additive_pluck``: partials with the
amplitudes of a string plucked at ``pluck_position``, string stiffness (``inharmonicity``) and
decays that shorten with the partial's number; ``fundamental_db`` weakens the first partial alone
(a small speaker, a decayed low string). Both start with a short attack at ``onset_s`` and return
float32 ``(samples,)`` at 48 kHz with a peak of ``peak``.
"""

from __future__ import annotations

import numpy as np
import scipy.signal

SAMPLE_RATE = 48000
E1_MIDI, E2_MIDI, E4_MIDI, C7_MIDI = 28, 40, 64, 96


def midi_hz(midi: float, reference_hz: float = 440.0) -> float:
    return reference_hz * 2.0 ** ((midi - 69.0) / 12.0)


def _place(note: np.ndarray, seconds: float, onset_s: float, peak: float) -> np.ndarray:
    out = np.zeros(int(round(seconds * SAMPLE_RATE)))
    start = int(round(onset_s * SAMPLE_RATE))
    n = min(note.size, out.size - start)
    out[start : start + n] = note[:n]
    return (peak * out / np.max(np.abs(out))).astype(np.float32)


def karplus_strong(
    hz: float,
    seconds: float = 2.0,
    onset_s: float = 0.0,
    decay_s: float = 2.0,
    brightness: float = 0.7,
    peak: float = 0.5,
    seed: int = 0,
) -> np.ndarray:
    """A Karplus-Strong pluck at exactly ``hz``; ``decay_s``: time for the fundamental to fall 60 dB."""
    period = SAMPLE_RATE / hz
    omega = 2 * np.pi * hz / SAMPLE_RATE
    # Loss filter (1 - s) + s z^-1: s = 1/2 is the classic average; high notes, which lose too much
    # through it, get a smaller s so that the fundamental still decays in ``decay_s`` (decay stretching).
    target_gain = 10.0 ** (-3.0 / (decay_s * hz))
    if np.cos(omega / 2) >= target_gain:
        s, extra_gain = 0.5, target_gain / np.cos(omega / 2)
    else:
        s, extra_gain = 0.5 * (1.0 - np.sqrt(1.0 - 2.0 * (1.0 - target_gain**2) / (1.0 - np.cos(omega)))), 1.0
    loss_delay = np.arctan2(s * np.sin(omega), 1.0 - s + s * np.cos(omega)) / omega
    n_delay = int(np.floor(period - loss_delay - 0.1))
    fraction = period - loss_delay - n_delay  # the all-pass's share, in [0.1, 1.1)
    # First-order all-pass (c + z^-1) / (1 + c z^-1) with phase delay ``fraction`` at the fundamental.
    c = np.sin(0.5 * omega * (1 - fraction)) / np.sin(0.5 * omega * (1 + fraction))
    # Loop: y = x + g ((1 - s) + s z^-1) A(z) z^-n y, written as one recursive filter.
    a = np.zeros(n_delay + 3)
    a[0], a[1] = 1.0, c
    a[n_delay] -= extra_gain * (1.0 - s) * c
    a[n_delay + 1] -= extra_gain * ((1.0 - s) + s * c)
    a[n_delay + 2] -= extra_gain * s
    rng = np.random.default_rng(seed)
    burst = rng.uniform(-1.0, 1.0, int(round(period)))
    burst = scipy.signal.lfilter([1.0 - brightness], [1.0, -brightness], burst)  # a softer pick: fewer highs
    burst -= burst.mean()  # no DC: it would circulate for ever
    excitation = np.zeros(int(round((seconds - onset_s) * SAMPLE_RATE)) + 1)
    excitation[: burst.size] = burst
    note = scipy.signal.lfilter([1.0, c], a, excitation)
    return _place(note, seconds, onset_s, peak)


def additive_pluck(
    hz: float,
    seconds: float = 2.0,
    onset_s: float = 0.0,
    n_partials: int = 20,
    pluck_position: float = 0.2,
    inharmonicity: float = 0.0,
    fundamental_db: float = 0.0,
    decay_s: float = 3.0,
    peak: float = 0.5,
    max_hz: float = 16000.0,
    seed: int = 0,
) -> np.ndarray:
    """A plucked string at ``hz``; partial k at ``k hz sqrt(1 + B k^2) / sqrt(1 + B)`` (the first exact)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(round((seconds - onset_s) * SAMPLE_RATE))) / SAMPLE_RATE
    note = np.zeros(t.size)
    stretch1 = np.sqrt(1.0 + inharmonicity)
    for k in range(1, n_partials + 1):
        f = k * hz * np.sqrt(1.0 + inharmonicity * k * k) / stretch1
        if f > max_hz:
            break
        amplitude = abs(np.sin(np.pi * k * pluck_position)) / k
        if k == 1:
            amplitude *= 10.0 ** (fundamental_db / 20.0)
        tau = decay_s / 6.9 / (1.0 + 0.3 * (k - 1))  # 60 dB in decay_s for the first; faster above
        note += amplitude * np.exp(-t / tau) * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
    note *= np.minimum(1.0, t / 0.002)
    return _place(note, seconds, onset_s, peak)


def mix_at_snr(music: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """``music + noise`` with the noise scaled to ``snr_db`` under the music's power where it sounds."""
    sounding = np.abs(music) > 1e-3 * np.max(np.abs(music))
    music_power = np.mean(np.square(music[sounding], dtype=np.float64))
    noise_power = np.mean(np.square(noise[: music.size], dtype=np.float64))
    gain = np.sqrt(music_power / noise_power / 10.0 ** (snr_db / 10.0))
    return (music + gain * noise[: music.size]).astype(np.float32)
