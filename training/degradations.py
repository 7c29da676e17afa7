"""Linear degradations of a recording: room reverb, band-limiting, gain.

All of them are linear, so applying one to the clean music and to the noise separately and then
summing gives exactly the degraded mixture; the mixer relies on this to keep
``noisy == clean + noise`` and an exact SNR. Which signals receive which degradation is decided in
``mixing``: the target always carries the same reverb and band-limiting as the music in the
input, because a denoiser should neither remove the music's room nor invent bands a cheap
microphone never picked up. Signals have shape ``(n_samples,)``.
"""

from __future__ import annotations

import numpy as np
import scipy.signal

from livedenoise.models.stft_geometry import SAMPLE_RATE

DECAY_60_DB = np.log(1000.0)  # amplitude decays by 60 dB = a factor 1000 over RT60


def synthetic_impulse_response(
    rng: np.random.Generator,
    rt60_s: float,
    sample_rate: int = SAMPLE_RATE,
    direct_to_reverb_db: float = 0.0,
    predelay_s: float = 0.01,
    high_rt60_ratio: float = 0.5,
) -> np.ndarray:
    """A room impulse response: a unit direct path at sample 0, then an exponentially decaying
    Gaussian tail after ``predelay_s``. Shape (n_ir,), n_ir covers the 60 dB decay.

    High frequencies (above about 4 kHz) decay ``high_rt60_ratio`` times faster, as air and
    walls absorb them. ``direct_to_reverb_db`` sets the energy of the direct path over the tail's.
    """
    if rt60_s <= 0.0:
        raise ValueError(f"rt60_s must be positive, got {rt60_s}")
    n_predelay = int(predelay_s * sample_rate)
    n_tail = int(rt60_s * sample_rate)
    t_s = np.arange(n_tail) / sample_rate
    low_pass = scipy.signal.butter(2, 4_000.0, "lowpass", fs=sample_rate, output="sos")
    low_noise = scipy.signal.sosfilt(low_pass, rng.standard_normal(n_tail))
    high_noise = rng.standard_normal(n_tail) - low_noise
    tail = low_noise * np.exp(-DECAY_60_DB * t_s / rt60_s) + high_noise * np.exp(
        -DECAY_60_DB * t_s / (rt60_s * high_rt60_ratio)
    )
    tail_energy = float(np.sum(tail**2))
    tail *= np.sqrt(10.0 ** (-direct_to_reverb_db / 10.0) / tail_energy)
    ir = np.zeros(n_predelay + n_tail)
    ir[0] = 1.0
    ir[n_predelay:] += tail
    return ir.astype(np.float32)


def apply_impulse_response(audio: np.ndarray, impulse_response: np.ndarray) -> np.ndarray:
    """Convolve with an impulse response, keeping length and alignment. Shape (n_samples,).

    Leading samples before the response's peak (the sound's travel time in a measured IR) are
    dropped, so the direct sound stays where it was and the target stays aligned with the input.
    """
    impulse_response = np.asarray(impulse_response, dtype=np.float64)
    if impulse_response.ndim != 1 or impulse_response.size == 0:
        raise ValueError("impulse_response must be a non-empty 1-D array")
    aligned = impulse_response[int(np.argmax(np.abs(impulse_response))) :]
    wet = scipy.signal.fftconvolve(np.asarray(audio, dtype=np.float64), aligned)[: len(audio)]
    return wet.astype(np.float32)


def band_limit(
    audio: np.ndarray,
    sample_rate: int = SAMPLE_RATE,
    low_cut_hz: float | None = None,
    high_cut_hz: float | None = None,
    order: int = 4,
) -> np.ndarray:
    """Butterworth high-pass at ``low_cut_hz`` and/or low-pass at ``high_cut_hz`` (None: no cut),
    causal like a microphone and its preamp. Shape (n_samples,)."""
    out = np.asarray(audio, dtype=np.float64)
    if low_cut_hz is not None:
        out = scipy.signal.sosfilt(
            scipy.signal.butter(order, low_cut_hz, "highpass", fs=sample_rate, output="sos"), out
        )
    if high_cut_hz is not None:
        if high_cut_hz >= sample_rate / 2:
            raise ValueError(f"high_cut_hz {high_cut_hz} must be below Nyquist ({sample_rate / 2} Hz)")
        out = scipy.signal.sosfilt(
            scipy.signal.butter(order, high_cut_hz, "lowpass", fs=sample_rate, output="sos"), out
        )
    return out.astype(np.float32)
