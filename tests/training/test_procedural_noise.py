from itertools import pairwise

import numpy as np
import pytest
import scipy.signal

from livedenoise.training.procedural_noise import (
    FAMILIES,
    machine,
    procedural_noise,
    random_envelope_db,
    stationary,
)

SR = 48_000
N = SR  # one second


@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_is_deterministic_per_seed_unit_rms_and_finite(family):
    first, detail = procedural_noise(N, np.random.default_rng(7), SR, family)
    again, detail_again = procedural_noise(N, np.random.default_rng(7), SR, family)
    other, _ = procedural_noise(N, np.random.default_rng(8), SR, family)
    np.testing.assert_array_equal(first, again)
    assert detail == detail_again and detail["family"] == family
    assert not np.array_equal(first, other)
    assert first.shape == (N,) and first.dtype == np.float32 and np.all(np.isfinite(first))
    assert np.sqrt(np.mean(first.astype(np.float64) ** 2)) == pytest.approx(1.0, rel=1e-3)


def test_unknown_family_and_empty_length_are_refused():
    with pytest.raises(ValueError, match="unknown procedural family"):
        procedural_noise(N, np.random.default_rng(0), SR, "vacuum")
    with pytest.raises(ValueError, match="positive"):
        procedural_noise(0, np.random.default_rng(0), SR)


def _band_shares(audio: np.ndarray) -> np.ndarray:
    """Share of power in octave bands 20-40, 40-80, ... 10-20 kHz. Shape (10,)."""
    freqs, power = scipy.signal.welch(audio, SR, nperseg=8192)
    edges = 20.0 * 2.0 ** np.arange(11)
    bands = np.array([power[(freqs >= lo) & (freqs < hi)].sum() for lo, hi in pairwise(edges)])
    return bands / bands.sum()


def test_spectral_envelopes_do_not_collapse_to_a_few_shapes():
    """The dominant octave of stationary noise lands in every octave from 20 Hz to 20 kHz, and the
    spectra are far apart from one another (a handful of fixed slopes would fail both)."""
    shares = np.array([_band_shares(stationary(N, np.random.default_rng(seed), SR)[0]) for seed in range(120)])
    dominant = np.argmax(shares, axis=1)
    assert set(dominant) == set(range(10))
    log_shares = np.log10(shares + 1e-9)
    distances = np.linalg.norm(log_shares[:, None, :] - log_shares[None, :, :], axis=-1)
    nearest = np.sort(distances, axis=1)[:, 1]
    assert np.median(nearest) > 1.0  # dex over ten bands: neighbours still differ by about 3 dB a band


def test_envelopes_cover_narrow_low_bands_and_broad_ones():
    freqs = np.geomspace(20.0, 20_000.0, 200)
    widths = []
    for seed in range(200):
        gain = random_envelope_db(np.random.default_rng(seed))(freqs)
        widths.append(np.ptp(np.log2(freqs[gain > -20.0])))  # octaves within 20 dB of the peak
    widths = np.array(widths)
    assert widths.min() < 3.0 and widths.max() > 9.0


def test_machine_fundamentals_span_their_range_and_drift():
    details = [machine(N, np.random.default_rng(seed), SR)[1] for seed in range(80)]
    f0s = np.array([d["f0_hz"] for d in details])
    assert f0s.min() < 50.0 and f0s.max() > 300.0
    assert any(d["ramp"] != 0.0 for d in details) and all(0.0 <= d["wander"] <= 0.04 for d in details)


def test_a_machine_is_tonal_at_its_fundamental_harmonics():
    rng = np.random.default_rng(3)
    audio, detail = machine(4 * N, rng, SR)
    freqs, power = scipy.signal.welch(audio, SR, nperseg=16384)
    # The strongest spectral line sits on a multiple of the fundamental (within the drift).
    peak_hz = freqs[np.argmax(power)]
    order = max(1, round(peak_hz / detail["f0_hz"]))
    assert abs(peak_hz - order * detail["f0_hz"]) < 0.06 * order * detail["f0_hz"] + 3.0


def test_modulated_noise_is_a_stationary_noise_under_a_swell_of_several_db():
    seconds = 20
    for seed in range(8):
        steady, _ = procedural_noise(seconds * SR, np.random.default_rng(seed), SR, "stationary")
        swelled, detail = procedural_noise(seconds * SR, np.random.default_rng(seed), SR, "modulated")
        assert 3.0 <= detail["swell_depth_db"] <= 24.0
        gain_db = 20 * np.log10(np.abs(swelled.astype(np.float64)) + 1e-12) - 20 * np.log10(
            np.abs(steady.astype(np.float64)) + 1e-12
        )
        gain_db -= np.median(gain_db)
        assert np.percentile(gain_db, 99) - np.percentile(gain_db, 1) > 0.3 * detail["swell_depth_db"]
        assert np.percentile(gain_db, 99) - np.percentile(gain_db, 1) <= detail["swell_depth_db"] + 0.5
