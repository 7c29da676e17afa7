"""`livedenoise data report`: minutes per category and package, the split policy, noise spectra."""

from __future__ import annotations

import argparse
import hashlib

import numpy as np
import scipy.signal
import soundfile as sf

from livedenoise.training import data_cli, noise_spectra
from livedenoise.training.manifest import SourceFile, write_manifest
from livedenoise.training.packages import NOISE_PACKAGES

SAMPLE_RATE = 48000


def _noise(path, cutoff_hz: float, high: bool, seed: int) -> None:
    rng = np.random.default_rng(seed)
    sos = scipy.signal.butter(4, cutoff_hz, "highpass" if high else "lowpass", fs=SAMPLE_RATE, output="sos")
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), 0.1 * scipy.signal.sosfilt(sos, rng.standard_normal(2 * SAMPLE_RATE)), SAMPLE_RATE)


def _manifest(root, split_of_test: str = "test") -> list[SourceFile]:
    train = next(p for p in NOISE_PACKAGES if p.split == "train").name
    test = next(p for p in NOISE_PACKAGES if p.split == "test").name
    records = []
    for i in range(3):
        for origin, split, category, high in ((train, "train", "wind", False), (test, split_of_test, "engine", True)):
            path = f"{origin}/{category}{i}.wav"
            _noise(root / path, 400.0 if not high else 4000.0, high, seed=10 * i + high)
            records.append(
                SourceFile(
                    path,
                    "noise",
                    category,
                    origin,
                    "CC0",
                    hashlib.sha256(path.encode()).hexdigest(),
                    SAMPLE_RATE,
                    1,
                    2.0,
                    split,
                )
            )
    write_manifest(root / "manifest.jsonl", records)
    return records


def _report(root) -> str:
    parser = argparse.ArgumentParser()
    data_cli.configure(parser)
    assert data_cli.run(parser.parse_args(["--data-root", str(root), "report"])) == 0
    return (root / "SOURCES.md").read_text()


def test_report_has_minutes_per_category_and_package_and_the_spectra(tmp_path):
    records = _manifest(tmp_path)
    report = _report(tmp_path)
    assert "## Real noise per category" in report and "## Per package" in report
    assert f"| engine | 0.0 | 0.0 | 0.1 | 0.0 | 0.1 | {records[1].origin} |" in report
    assert "No breach of the split policy." in report
    assert (tmp_path / "noise-spectra.png").stat().st_size > 10_000
    assert "noise-spectra.png" in report


def test_report_names_breaches(tmp_path):
    _manifest(tmp_path, split_of_test="train")
    assert "- breach:" in _report(tmp_path)


def test_spectra_tell_low_from_high_noise(tmp_path):
    records = _manifest(tmp_path)
    low, low_w = noise_spectra.split_spectra([r for r in records if r.split == "train"], tmp_path)
    high, high_w = noise_spectra.split_spectra([r for r in records if r.split == "test"], tmp_path)
    assert low.shape == (3, noise_spectra.GRID_HZ.size) and low_w.tolist() == [2.0] * 3
    median_low = noise_spectra.weighted_percentiles(low, low_w, (50,))[0]
    median_high = noise_spectra.weighted_percentiles(high, high_w, (50,))[0]
    at_100 = np.argmin(np.abs(noise_spectra.GRID_HZ - 100.0))
    at_10k = np.argmin(np.abs(noise_spectra.GRID_HZ - 10000.0))
    assert median_low[at_100] - median_high[at_100] > 30.0
    assert median_high[at_10k] - median_low[at_10k] > 30.0


def test_nothing_above_nyquist_and_weighted_percentiles():
    rng = np.random.default_rng(0)
    spectrum = noise_spectra.long_term_spectrum_db(rng.standard_normal(22050), 22050)
    assert np.isnan(spectrum[noise_spectra.GRID_HZ > 11000.0]).all()
    assert np.isfinite(spectrum[noise_spectra.GRID_HZ < 10000.0]).all()
    values = np.array([[0.0], [10.0], [np.nan]])
    heavy_second = noise_spectra.weighted_percentiles(values, np.array([1.0, 9.0, 5.0]), (50,))
    assert heavy_second[0, 0] > 5.0
