"""Dataset report: is the mixed data fit to train on?

Following the seed projects' suitability check, simple features of the noisy input are correlated
with the drawn SNR. A feature that predicts the SNR on its own (|r| > 0.3) is a shortcut risk: a model
can learn "how much to remove" from it instead of listening, and then fails where the shortcut does
not hold (the classic one is loudness, when noise is added on top of music at a fixed level). Some
correlation of spectral shape with SNR is inherent (noisier mixtures look more like noise); the
report names it so it can be judged. Also: noise-type counts, degradations, an SNR histogram.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import scipy.signal
from tqdm import tqdm

from livedenoise.training.mixing import Mixture

SHORTCUT_R = 0.3
LOW_BAND_HZ = 500.0
HIGH_BAND_HZ = 4_000.0
FEATURES = ("rms_dbfs", "spectral_centroid_hz", "spectral_flatness", "zero_crossing_rate", "low_high_ratio_db")
EPS = 1e-12


class MixtureSource(Protocol):
    """What the report reads: ``MixtureDataset`` or anything with indexed ``Mixture``s."""

    def __len__(self) -> int: ...

    def mixture(self, index: int) -> Mixture: ...


def input_features(audio: np.ndarray, sample_rate: int) -> dict[str, float]:
    """Features of one input signal of shape (n_samples,), as named in ``FEATURES``."""
    audio = np.asarray(audio, dtype=np.float64)
    freqs_hz, _, spectrum = scipy.signal.stft(audio, fs=sample_rate, nperseg=min(2048, audio.size))
    power = np.abs(spectrum) ** 2 + EPS  # (freqs, frames)
    centroid_hz = float(np.sum(freqs_hz[:, None] * power) / np.sum(power))
    flatness = float(np.mean(np.exp(np.mean(np.log(power), axis=0)) / np.mean(power, axis=0)))
    low = power[freqs_hz < LOW_BAND_HZ].sum()
    high = power[freqs_hz > HIGH_BAND_HZ].sum()
    return {
        "rms_dbfs": float(10.0 * np.log10(np.mean(audio**2) + EPS)),
        "spectral_centroid_hz": centroid_hz,
        "spectral_flatness": flatness,
        "zero_crossing_rate": float(np.mean(np.signbit(audio[1:]) != np.signbit(audio[:-1]))),
        "low_high_ratio_db": float(10.0 * np.log10(low / high)),
    }


def pearson_r(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson correlation; NaN when either is constant."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    x, y = x - x.mean(), y - y.mean()
    denominator = np.sqrt(np.sum(x**2) * np.sum(y**2))
    return float(np.sum(x * y) / denominator) if denominator > 0 else float("nan")


@dataclass(frozen=True)
class DatasetReport:
    """Per-example features and SNRs, shape (n_examples,) each, and what was found."""

    n_examples: int
    snr_db: np.ndarray
    features: dict[str, np.ndarray]
    correlations: dict[str, float]
    shortcut_risks: tuple[str, ...]
    noise_type_counts: dict[str, int]
    first_noise_counts: dict[str, int]
    noise_type_mean_snr_db: dict[str, float]
    degradation_counts: dict[str, int]


def analyse_dataset(
    dataset: MixtureSource, n_examples: int, sample_rate: int = 48_000, progress: bool = False
) -> DatasetReport:
    """Mix the first ``n_examples`` items of ``dataset`` and measure them."""
    n_examples = min(n_examples, len(dataset))
    if n_examples < 3:
        raise ValueError("need at least 3 examples to correlate")
    snr_db = np.zeros(n_examples)
    features = {name: np.zeros(n_examples) for name in FEATURES}
    type_counts: Counter[str] = Counter()
    first_counts: Counter[str] = Counter()
    type_snr: dict[str, list[float]] = {}
    degradation_counts: Counter[str] = Counter()
    for index in tqdm(range(n_examples), desc="dataset report", disable=not progress):
        mixture = dataset.mixture(index)
        snr_db[index] = mixture.snr_db
        for name, value in input_features(mixture.noisy, sample_rate).items():
            features[name][index] = value
        metadata = mixture.metadata
        noise_types = metadata.get("noise_types", [])
        type_counts.update(noise_types)
        first_counts.update(noise_types[:1])
        for noise_type in noise_types:
            type_snr.setdefault(noise_type, []).append(mixture.snr_db)
        degradation_counts["second noise"] += len(noise_types) > 1
        degradation_counts["reverb"] += metadata.get("reverb") is not None
        degradation_counts["band limit"] += metadata.get("band_limit") is not None
        degradation_counts["peak normalised"] += bool(metadata.get("peak_normalized", False))
        degradation_counts["noise fallback"] += any("fallback" in n for n in metadata.get("noises", []))
    correlations = {name: pearson_r(values, snr_db) for name, values in features.items()}
    risks = tuple(name for name, r in correlations.items() if np.isfinite(r) and abs(r) > SHORTCUT_R)
    return DatasetReport(
        n_examples=n_examples,
        snr_db=snr_db,
        features=features,
        correlations=correlations,
        shortcut_risks=risks,
        noise_type_counts=dict(type_counts.most_common()),
        first_noise_counts=dict(first_counts),
        noise_type_mean_snr_db={name: float(np.mean(values)) for name, values in type_snr.items()},
        degradation_counts=dict(degradation_counts),
    )


def _snr_histogram(snr_db: np.ndarray, bin_db: float = 2.0) -> list[str]:
    low, high = np.floor(snr_db.min() / bin_db) * bin_db, np.ceil(snr_db.max() / bin_db) * bin_db
    edges = np.arange(low, max(high, low + bin_db) + bin_db / 2, bin_db)
    counts, _ = np.histogram(snr_db, edges)
    width = 40 / max(1, counts.max())
    lines = ["| SNR (dB) | count | |", "|---|---:|---|"]
    for start, count in zip(edges[:-1], counts, strict=True):
        lines.append(f"| {start:+.0f} .. {start + bin_db:+.0f} | {count} | `{'#' * int(round(count * width))}` |")
    return lines


def render_markdown(report: DatasetReport, title: str = "Dataset report") -> str:
    n = report.n_examples
    lines = [f"# {title}", "", f"{n} mixed examples.", "", "## Shortcut check", ""]
    if report.shortcut_risks:
        lines.append(
            f"**Shortcut risk**: {', '.join(report.shortcut_risks)} correlate with the SNR (|r| > {SHORTCUT_R})."
        )
        if set(report.shortcut_risks) - {"rms_dbfs"}:
            lines.append(
                "Spectral shape follows the SNR partly by nature (a noisier mix looks more like its noise); "
                "judge it against the per-type table below. Loudness should never be flagged."
            )
    else:
        lines.append(f"No input feature correlates with the SNR beyond |r| = {SHORTCUT_R}.")
    lines += ["", "| feature | r with SNR | mean | std | flag |", "|---|---:|---:|---:|---|"]
    for name in FEATURES:
        values, r = report.features[name], report.correlations[name]
        flag = "shortcut risk" if name in report.shortcut_risks else ""
        lines.append(f"| {name} | {r:+.3f} | {values.mean():.4g} | {values.std():.4g} | {flag} |")
    lines += ["", "## Noise types", "", "| type | examples | as first noise | mean SNR (dB) |", "|---|---:|---:|---:|"]
    for name, count in report.noise_type_counts.items():
        first = report.first_noise_counts.get(name, 0)
        mean_snr_db = report.noise_type_mean_snr_db[name]
        lines.append(f"| {name} | {count} ({100 * count / n:.0f}%) | {first} | {mean_snr_db:+.2f} |")
    lines += ["", "## Degradations", "", "| degradation | examples |", "|---|---:|"]
    for name, count in report.degradation_counts.items():
        lines.append(f"| {name} | {count} ({100 * count / n:.0f}%) |")
    snr = report.snr_db
    summary = f"mean {snr.mean():+.2f} dB, std {snr.std():.2f} dB, range {snr.min():+.2f} .. {snr.max():+.2f} dB."
    lines += ["", "## SNR", "", summary, ""]
    lines += _snr_histogram(snr)
    return "\n".join(lines) + "\n"


def write_dataset_report(
    dataset: MixtureSource, n_examples: int, path: str | Path, progress: bool = False
) -> DatasetReport:
    """Analyse ``n_examples`` of ``dataset`` and write the Markdown report to ``path``."""
    config = getattr(dataset, "config", None)
    sample_rate = getattr(config, "sample_rate", 48_000)
    report = analyse_dataset(dataset, n_examples, sample_rate, progress)
    split = getattr(dataset, "split", None)
    title = f"Dataset report: {split} split" if split else "Dataset report"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_markdown(report, title), encoding="utf-8")
    return report
