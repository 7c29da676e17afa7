"""Fresh colour for a real noise recording every time it is drawn: EQ, room and level motion.

A few minutes of recordings stand for all rain, engines and crowds only if the model never hears
the same recording the same way twice. Each draw may get, as the mixer's config asks:

- a random multi-band EQ: 4-10 bands log-spaced over 40 Hz..16 kHz, each up to +-``eq_db``,
  joined smoothly on a log-frequency axis (a different microphone, distance or wall);
- a room: a synthetic impulse response (RT60 0.2-1.2 s, mostly reverberant, as far noise is);
- a slow level swell of 3-12 dB (a gust, a passing car, a door opening).

Speed and pitch change come from ``noise_variation``. Signals have shape ``(n_samples,)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.fft

from livedenoise.training import degradations
from livedenoise.training.procedural_noise import smooth_curve

EQ_RANGE_HZ = (40.0, 16_000.0)


def random_eq(
    audio: np.ndarray, rng: np.random.Generator, sample_rate: int, max_db: float
) -> tuple[np.ndarray, list[float]]:
    """``audio`` through a random smooth EQ; returns the filtered audio and the band gains (dB)."""
    n_bands = int(rng.integers(4, 11))
    centers = np.log2(np.geomspace(*EQ_RANGE_HZ, n_bands))
    gains_db = rng.uniform(-max_db, max_db, n_bands)
    n_fft = scipy.fft.next_fast_len(audio.size, real=True)
    freqs_hz = np.fft.rfftfreq(n_fft, 1.0 / sample_rate)
    # Held at the edge bands' gains outside the EQ range, interpolated in octaves inside it.
    response_db = np.interp(np.log2(np.maximum(freqs_hz, 1.0)), centers, gains_db)
    spectrum = scipy.fft.rfft(np.asarray(audio, dtype=np.float64), n_fft) * 10.0 ** (response_db / 20.0)
    return scipy.fft.irfft(spectrum, n_fft)[: audio.size].astype(np.float32), [round(float(g), 2) for g in gains_db]


def vary_recording(
    audio: np.ndarray,
    rng: np.random.Generator,
    sample_rate: int,
    eq_prob: float,
    eq_db: float,
    reverb_prob: float,
    swell_prob: float,
) -> tuple[np.ndarray, dict[str, Any]]:
    """One random variation of a recorded noise segment; what was applied, for the example's record."""
    detail: dict[str, Any] = {}
    out = np.asarray(audio, dtype=np.float32)
    if eq_prob > 0.0 and rng.random() < eq_prob:
        out, detail["eq_db"] = random_eq(out, rng, sample_rate, eq_db)
    if reverb_prob > 0.0 and rng.random() < reverb_prob:
        rt60_s = float(rng.uniform(0.2, 1.2))
        drr_db = float(rng.uniform(-10.0, 3.0))
        ir = degradations.synthetic_impulse_response(rng, rt60_s, sample_rate, drr_db)
        out = degradations.apply_impulse_response(out, ir)
        detail["reverb"] = {"rt60_s": round(rt60_s, 3), "drr_db": round(drr_db, 2)}
    if swell_prob > 0.0 and rng.random() < swell_prob:
        depth_db = float(rng.uniform(3.0, 12.0))
        rate_hz = float(np.exp(rng.uniform(np.log(0.1), np.log(2.0))))
        curve = smooth_curve(out.size, rng, rate_hz, sample_rate)
        out = (out * 10.0 ** (depth_db * (curve - 1.0) / 40.0)).astype(np.float32)
        detail["swell"] = {"depth_db": round(depth_db, 2), "rate_hz": round(rate_hz, 3)}
    return out, detail
