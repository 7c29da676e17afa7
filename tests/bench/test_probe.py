"""The noise probe: band-limited signals, and figures that tell a model that removes noise from one
that does not."""

from __future__ import annotations

import numpy as np
import pytest

from livedenoise.bench import probe, quality

SAMPLE_RATE = 48000


def test_band_noise_stays_in_its_band_at_the_probe_level():
    rng = np.random.default_rng(0)
    noise = probe.band_noise(SAMPLE_RATE, 300.0, 3000.0, SAMPLE_RATE, rng)
    power = np.abs(np.fft.rfft(noise)) ** 2
    freqs_hz = np.fft.rfftfreq(noise.size, 1.0 / SAMPLE_RATE)
    inside = (freqs_hz >= 300.0) & (freqs_hz <= 3000.0)
    assert power[~inside].sum() < 1e-20 * power[inside].sum()
    assert 20 * np.log10(np.sqrt(np.mean(noise**2))) == pytest.approx(probe.NOISE_RMS_DBFS, abs=1e-6)


def test_signals_cover_every_band_three_ways():
    signals = probe.probe_signals(8000)
    assert len(signals) == 3 * len(probe.PROBE_BANDS_HZ)
    assert {s["kind"] for s in signals} == {"stationary", "modulated", "note"}
    modulated = next(s["noise"] for s in signals if s["kind"] == "modulated")
    second = len(modulated) // 12  # 1 s: a quarter of the 0.25 Hz swing
    loud = np.mean(modulated[second // 2 : second] ** 2)
    quiet = np.mean(modulated[2 * second + second // 2 : 3 * second] ** 2)
    swing_db = 10 * np.log10(loud / quiet)
    assert swing_db > 6.0


def test_scores_see_removed_noise_and_a_lost_note():
    signal = next(s for s in probe.probe_signals(SAMPLE_RATE) if s["kind"] == "note")
    mixture = signal["noise"] + signal["note"]
    kept = probe.score_signal(signal, signal["note"] + 0.1 * signal["noise"], SAMPLE_RATE)
    assert kept["noise_removed_db"] == pytest.approx(20.0, abs=0.5)
    assert kept["note_gain_db"] == pytest.approx(0.0, abs=0.2)
    halved = probe.score_signal(signal, 0.5 * mixture, SAMPLE_RATE)
    assert halved["note_gain_db"] == pytest.approx(-6.02, abs=0.2)


def test_identity_removes_nothing_and_dsp_removes_stationary_noise(monkeypatch):
    monkeypatch.setattr(probe, "PROBE_S", 4.0)
    monkeypatch.setattr(probe, "MEASURE_S", 2.0)
    monkeypatch.setattr(probe, "PROBE_BANDS_HZ", ((100.0, 1000.0), (20.0, 20000.0)))
    identity = quality.evaluate_probe("identity", 40.0)
    dsp = quality.evaluate_probe("dsp", 40.0)
    for row in identity["by_band"].values():
        assert abs(row["stationary_db"]) < 0.1 and abs(row["note_gain_db"]) < 0.3
    assert dsp["min_stationary_db"] > 10.0
    assert set(dsp["by_band"]) == {"100-1000 Hz", "20-20000 Hz"}


def test_the_oracle_removes_noise_alone_to_the_floor_and_less_under_a_low_note(monkeypatch):
    """Under the note the oracle is bounded by the STFT's resolution: the note's harmonics are 2.3
    bins apart and the analysis window passes a tone 2.2 bins away at -20 dB, so low bins hold note
    and noise together."""
    monkeypatch.setattr(probe, "PROBE_S", 3.0)
    monkeypatch.setattr(probe, "MEASURE_S", 2.0)
    monkeypatch.setattr(probe, "PROBE_BANDS_HZ", ((20.0, 500.0), (4000.0, 20000.0)))
    figures = quality.evaluate_oracle_probe(40.0)
    low, high = figures["by_band"]["20-500 Hz"], figures["by_band"]["4000-20000 Hz"]
    for row in (low, high):
        assert row["stationary_db"] == pytest.approx(40.0, abs=0.5)
    assert high["note_noise_removed_db"] > 15.0 and abs(high["note_gain_db"]) < 0.5
    assert low["note_noise_removed_db"] < high["note_noise_removed_db"] - 6.0


def test_given_a_print_of_the_probes_own_noise_dsp_removes_20_db_in_every_band(monkeypatch):
    monkeypatch.setattr(probe, "PROBE_S", 4.0)
    monkeypatch.setattr(probe, "MEASURE_S", 2.0)
    monkeypatch.setattr(probe, "PROBE_BANDS_HZ", ((20.0, 200.0), (1000.0, 8000.0)))
    noise = probe.print_noise(0, SAMPLE_RATE)
    assert noise.size == int(probe.PRINT_S * SAMPLE_RATE)
    probe_noise = next(s["noise"] for s in probe.probe_signals(SAMPLE_RATE) if s["index"] == 0)
    assert not np.allclose(noise, probe_noise[: noise.size])  # the same noise drawn apart, not the probe's
    blind = quality.evaluate_probe("dsp", 40.0)
    given = quality.evaluate_probe("dsp", 40.0, with_print=True)
    assert (blind["print"], given["print"]) == ("none", "given")
    assert given["min_stationary_db"] >= 20.0 and given["min_stationary_db"] > blind["min_stationary_db"]
    # the held note: blind, the floor tracker takes it for noise; given the print it keeps it, to within
    # 1 dB where the band's noise leaves its harmonics alone, and as the ideal gain does below 200 Hz
    low, high = given["by_band"]["20-200 Hz"], given["by_band"]["1000-8000 Hz"]
    assert high["note_gain_db"] > -1.0 and low["note_gain_db"] > -3.0
    assert blind["by_band"]["20-200 Hz"]["note_gain_db"] < -10.0
