"""The noise probe of ``livedenoise bench quality``: band-limited Gaussian noise, no recording at all.

A model that has learned what noise is removes stationary noise of any spectral shape; one that has
learned a few recordings removes only what sounds like them. For each band in ``PROBE_BANDS_HZ``
(20 Hz to 20 kHz) three signals of ``PROBE_S`` seconds run through the streaming path:

- stationary noise alone: attenuation in dB;
- the same noise slowly modulated (``MODULATION_DB`` at ``MODULATION_HZ``, gusts and swells):
  attenuation in dB;
- a sustained note (harmonics of ``NOTE_HZ``) at the noise's level on top of the stationary noise:
  the noise removed (the output less its projection on the note) and the note's gain, which is
  0 dB when the note keeps its level.

Figures cover the last ``MEASURE_S`` seconds, once noise-floor trackers have settled. With a print,
each band's signals are denoised given a print of that band's noise: ``PRINT_S`` seconds of it drawn
with another seed (the same noise, another stretch), as a user would learn the room. The oracle
gain (``bench/oracle.py``, which knows the note) runs the same signals: under the note, what it
removes is the most any gain per bin of the real-time STFT can.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from livedenoise.bench.front_end import FrontEnd


PROBE_BANDS_HZ = (
    (20.0, 200.0),
    (20.0, 500.0),
    (100.0, 1000.0),
    (300.0, 3000.0),
    (1000.0, 8000.0),
    (4000.0, 20000.0),
    (20.0, 20000.0),
)
PROBE_S = 12.0
MEASURE_S = 8.0
NOISE_RMS_DBFS = -30.0
MODULATION_HZ = 0.25
MODULATION_DB = 6.0
NOTE_HZ = 110.0  # A2, with harmonics up to NOTE_TOP_HZ at 1/k amplitudes
NOTE_TOP_HZ = 10000.0
SEED = 20
PRINT_S = 3.0
PRINT_STREAM = 1  # appended to a band's seed: its print's noise is drawn apart from the probe's


def band_noise(n_samples: int, low_hz: float, high_hz: float, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """Gaussian noise with a flat spectrum between ``low_hz`` and ``high_hz`` and none outside,
    at ``NOISE_RMS_DBFS``. Shape (n_samples,)."""
    spectrum = np.fft.rfft(rng.standard_normal(n_samples))
    freqs_hz = np.fft.rfftfreq(n_samples, 1.0 / sample_rate)
    spectrum[(freqs_hz < low_hz) | (freqs_hz > high_hz)] = 0.0
    noise = np.fft.irfft(spectrum, n_samples)
    return noise * (10.0 ** (NOISE_RMS_DBFS / 20.0) / np.sqrt(np.mean(noise**2)))


def slow_modulation(n_samples: int, sample_rate: int) -> np.ndarray:
    """Gain that swings by +-``MODULATION_DB`` at ``MODULATION_HZ``, normalised to unit RMS."""
    t = np.arange(n_samples) / sample_rate
    gain = 10.0 ** (MODULATION_DB * np.sin(2.0 * np.pi * MODULATION_HZ * t) / 20.0)
    return gain / np.sqrt(np.mean(gain**2))


def sustained_note(n_samples: int, sample_rate: int) -> np.ndarray:
    """A steady harmonic tone at ``NOISE_RMS_DBFS`` (0 dB against the probe noise)."""
    t = np.arange(n_samples) / sample_rate
    n_harmonics = int(NOTE_TOP_HZ // NOTE_HZ)
    note = sum(np.sin(2.0 * np.pi * NOTE_HZ * k * t + k) / k for k in range(1, n_harmonics + 1))
    return note * (10.0 ** (NOISE_RMS_DBFS / 20.0) / np.sqrt(np.mean(note**2)))


def print_noise(index: int, sample_rate: int) -> np.ndarray:
    """``PRINT_S`` of the noise of band ``index`` of ``PROBE_BANDS_HZ``, drawn with another seed. Shape (samples,)."""
    low_hz, high_hz = PROBE_BANDS_HZ[index]
    rng = np.random.default_rng([SEED, index, PRINT_STREAM])
    return band_noise(int(round(PRINT_S * sample_rate)), low_hz, high_hz, sample_rate, rng)


def probe_signals(sample_rate: int) -> list[dict[str, Any]]:
    """Every probe input: band (and its index), kind ("stationary", "modulated", "note") and the parts it is
    made of."""
    n_samples = int(round(PROBE_S * sample_rate))
    note = sustained_note(n_samples, sample_rate)
    modulation = slow_modulation(n_samples, sample_rate)
    signals = []
    for index, (low_hz, high_hz) in enumerate(PROBE_BANDS_HZ):
        noise = band_noise(n_samples, low_hz, high_hz, sample_rate, np.random.default_rng([SEED, index]))
        band = f"{low_hz:g}-{high_hz:g} Hz"
        signals.append({"band": band, "index": index, "kind": "stationary", "noise": noise, "note": None})
        signals.append({"band": band, "index": index, "kind": "modulated", "noise": noise * modulation, "note": None})
        signals.append({"band": band, "index": index, "kind": "note", "noise": noise, "note": note})
    return signals


def _power(audio: np.ndarray) -> float:
    return max(float(np.mean(np.square(audio, dtype=np.float64))), 1e-30)


def score_signal(signal: dict[str, Any], out: np.ndarray, sample_rate: int) -> dict[str, float]:
    """Figures of one probe output over its last ``MEASURE_S`` seconds."""
    tail = slice(-int(round(MEASURE_S * sample_rate)), None)
    noise = signal["noise"][tail]
    out = np.asarray(out, dtype=np.float64)[tail]
    if signal["note"] is None:
        return {"attenuation_db": 10.0 * np.log10(_power(noise) / _power(out))}
    note = signal["note"][tail]
    gain = float(np.dot(out, note) / np.dot(note, note))
    residual = out - gain * note
    return {
        "noise_removed_db": 10.0 * np.log10(_power(noise) / _power(residual)),
        "note_gain_db": 20.0 * np.log10(max(abs(gain), 1e-6)),
    }


def run_probe(front: FrontEnd, with_print: bool = False) -> dict[str, Any]:
    """Probe figures of one front end (``bench/front_end.py``), at the rate it runs at; ``with_print``: each
    signal denoised given a print of its band's noise (``print_noise``)."""
    from livedenoise.bench.print_modes import GivenPrint
    from livedenoise.realtime.noise_print import print_from_audio

    sample_rate = front.sample_rate

    def process(signal: dict[str, Any], audio: np.ndarray) -> np.ndarray:
        if with_print:
            noise = print_noise(signal["index"], sample_rate).astype(np.float32)
            noise_print = print_from_audio(noise, sample_rate, source=f"probe {signal['band']}")
            front.set_noise_print(GivenPrint(noise_print, noise, source=signal["band"], sample_rate=sample_rate))
        return front.process_mono(audio, sample_rate)

    return _probe_figures(process, sample_rate)


def run_oracle_probe(strength_db: float, sample_rate: int = 48000) -> dict[str, Any]:
    """Probe figures of the oracle gain, at the models' rate, on the real-time STFT: it knows the
    note (and that noise alone is all noise); its gains are floored at ``-strength_db``."""
    from livedenoise.bench.oracle import oracle_outputs

    def ideal(signal: dict[str, Any], audio: np.ndarray) -> np.ndarray:
        clean = np.zeros_like(audio) if signal["note"] is None else signal["note"].astype(np.float32)
        return oracle_outputs(audio, clean, sample_rate, strength_db, [0.0])[0]

    return _probe_figures(ideal, sample_rate)


def _probe_figures(process: Callable[[dict[str, Any], np.ndarray], np.ndarray], sample_rate: int) -> dict[str, Any]:
    """Figures of ``process(signal, audio)``, which returns the output for one probe input."""
    by_band: dict[str, dict[str, float]] = {}
    for signal in probe_signals(sample_rate):
        audio = signal["noise"] if signal["note"] is None else signal["noise"] + signal["note"]
        out = process(signal, audio.astype(np.float32))
        scores = score_signal(signal, out, sample_rate)
        row = by_band.setdefault(signal["band"], {})
        if signal["kind"] == "note":
            row["note_noise_removed_db"] = scores["noise_removed_db"]
            row["note_gain_db"] = scores["note_gain_db"]
        else:
            row[f"{signal['kind']}_db"] = scores["attenuation_db"]
    return {
        "by_band": by_band,
        "min_stationary_db": min(r["stationary_db"] for r in by_band.values()),
        "min_modulated_db": min(r["modulated_db"] for r in by_band.values()),
        "worst_note_gain_db": max((r["note_gain_db"] for r in by_band.values()), key=abs),
    }
