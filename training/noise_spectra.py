"""The spread of noise spectra in each split: does the dev set's noise look like training's?

Per recording, the long-term average spectrum (Welch, over at most ``MAX_READ_S`` seconds from the
middle of the file) on a log-frequency grid, normalised to 0 dB total power so that only its shape
counts. Across the recordings of a split, weighted by duration, percentiles per frequency show
where training noise lives and where the unseen dev set's noise goes beyond it. Frequencies above
a recording's Nyquist carry no value for it (a 22 kHz file says nothing about 15 kHz).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.signal
import soundfile as sf

from livedenoise.training.manifest import SourceFile

GRID_HZ = np.geomspace(20.0, 20000.0, 64)
PERCENTILES = (10, 50, 90)
FLOOR_DB = -100.0  # the picture's floor: below it lie only encoders' brick-wall cut-offs
MAX_READ_S = 30.0
WELCH_SEGMENT_S = 0.085  # 4096 samples at 48 kHz: ~12 Hz resolution


def long_term_spectrum_db(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Shape of the spectrum of mono ``audio`` on ``GRID_HZ``, 0 dB total power; NaN above Nyquist."""
    n_segment = min(audio.size, int(round(WELCH_SEGMENT_S * sample_rate)))
    freqs_hz, power = scipy.signal.welch(audio, fs=sample_rate, nperseg=n_segment)
    power = power / max(float(np.sum(power)), 1e-30)
    spectrum_db = 10.0 * np.log10(np.interp(GRID_HZ, freqs_hz, power) + 1e-20)
    spectrum_db[GRID_HZ > 0.95 * sample_rate / 2] = np.nan
    return spectrum_db


def recording_spectrum_db(record: SourceFile, data_root: Path) -> np.ndarray | None:
    """The long-term spectrum of one recording; None when it cannot be read or is silent."""
    try:
        with sf.SoundFile(str(record.resolve(data_root))) as audio:
            n_read = min(audio.frames, int(MAX_READ_S * audio.samplerate))
            audio.seek(max(0, (audio.frames - n_read) // 2))
            block = audio.read(n_read, dtype="float32", always_2d=True).mean(axis=1)
            sample_rate = audio.samplerate
    except (sf.LibsndfileError, RuntimeError, OSError):
        return None
    if block.size < 256 or not np.any(block):
        return None
    return long_term_spectrum_db(block.astype(np.float64), sample_rate)


def weighted_percentiles(values: np.ndarray, weights: np.ndarray, percentiles: Sequence[float]) -> np.ndarray:
    """Percentiles per column of ``values`` (recordings, frequencies), NaNs skipped; shape
    (len(percentiles), frequencies)."""
    out = np.full((len(percentiles), values.shape[1]), np.nan)
    for column in range(values.shape[1]):
        valid = np.isfinite(values[:, column])
        if not valid.any():
            continue
        order = np.argsort(values[valid, column])
        sorted_values = values[valid, column][order]
        cumulative = np.cumsum(weights[valid][order])
        cumulative = (cumulative - 0.5 * weights[valid][order]) / cumulative[-1]
        out[:, column] = np.interp(np.asarray(percentiles) / 100.0, cumulative, sorted_values)
    return out


def split_spectra(records: Sequence[SourceFile], data_root: Path) -> tuple[np.ndarray, np.ndarray]:
    """Spectra (recordings, frequencies) of ``records`` that could be read, and their durations."""
    spectra, weights = [], []
    for record in records:
        spectrum = recording_spectrum_db(record, data_root)
        if spectrum is not None:
            spectra.append(spectrum)
            weights.append(record.duration_s)
    if not spectra:
        return np.empty((0, GRID_HZ.size)), np.empty(0)
    return np.array(spectra), np.array(weights)


def plot_spread(bands: dict[str, np.ndarray], path: Path, title: str) -> None:
    """One shaded 10-90 % band and median line per split; ``bands[name]`` from ``weighted_percentiles``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axis = plt.subplots(figsize=(9, 4.5))
    # up to four splits, one colour each
    for (name, band), colour in zip(bands.items(), ("tab:blue", "tab:orange", "tab:green", "tab:red"), strict=False):
        axis.fill_between(GRID_HZ, band[0], band[-1], color=colour, alpha=0.2, linewidth=0)
        axis.plot(GRID_HZ, band[len(PERCENTILES) // 2], color=colour, label=f"{name}: median, 10-90 %")
    axis.set_xscale("log")
    axis.set_ylim(bottom=FLOOR_DB)
    axis.set_xlabel("frequency (Hz)")
    axis.set_ylabel("power per bin re total (dB)")
    axis.set_title(title)
    axis.grid(alpha=0.3, which="both")
    axis.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
