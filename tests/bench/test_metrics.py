"""Metrics on cases with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from livedenoise.bench.metrics import (
    log_spectral_distance,
    noise_attenuation_db,
    si_sdr,
    si_sdr_improvement,
    transparency_db,
    tuner_hit_rate,
    tuner_score,
)

SAMPLE_RATE = 48000


@pytest.fixture
def reference():
    rng = np.random.default_rng(0)
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    return np.sin(2 * np.pi * 220 * t) + 0.3 * rng.standard_normal(t.size)


def at_snr(reference, snr_db, seed=1):
    noise = np.random.default_rng(seed).standard_normal(reference.size)
    noise -= noise.mean()
    noise -= np.dot(noise, reference - reference.mean()) / np.sum((reference - reference.mean()) ** 2) * reference
    return reference + noise * np.sqrt(np.sum(reference**2) / np.sum(noise**2) / 10 ** (snr_db / 10))


def test_si_sdr_ignores_scale(reference):
    assert si_sdr(0.25 * reference, reference) > 100.0
    assert si_sdr(-3.0 * reference, reference) > 100.0


@pytest.mark.parametrize("snr_db", [-5.0, 0.0, 10.0, 20.0])
def test_si_sdr_of_noisy_copy_is_its_snr(reference, snr_db):
    assert si_sdr(at_snr(reference, snr_db), reference) == pytest.approx(snr_db, abs=0.05)


def test_si_sdr_improvement(reference):
    noisy = at_snr(reference, 0.0)
    better = at_snr(reference, 12.0, seed=2)
    assert si_sdr_improvement(better, noisy, reference) == pytest.approx(12.0, abs=0.1)
    assert si_sdr_improvement(noisy, noisy, reference) == 0.0


def test_transparency_is_si_sdr_against_the_input(reference):
    assert transparency_db(0.5 * reference, reference) > 100.0
    assert transparency_db(at_snr(reference, 30.0), reference) == pytest.approx(30.0, abs=0.1)


def test_lengths_must_match(reference):
    with pytest.raises(ValueError, match="length"):
        si_sdr(reference[:-1], reference)


def test_log_spectral_distance(reference):
    assert log_spectral_distance(reference, reference, SAMPLE_RATE) == 0.0
    # A gain changes every bin's log power by the same amount: the distance is that amount in dB.
    assert log_spectral_distance(0.5 * reference, reference, SAMPLE_RATE) == pytest.approx(20 * np.log10(2), abs=0.01)
    assert log_spectral_distance(at_snr(reference, 0.0), reference, SAMPLE_RATE) > 1.0


def test_log_spectral_distance_ignores_what_is_80_db_down():
    # A sine leaves most bins empty; noise 120 dB under it in those bins is not a spectral difference.
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    sine = np.sin(2 * np.pi * 1000 * t)
    faint = sine + 1e-6 * np.random.default_rng(0).standard_normal(t.size)
    assert log_spectral_distance(faint, sine, SAMPLE_RATE) < 0.1
    assert log_spectral_distance(faint + 1e-2 * np.random.default_rng(1).standard_normal(t.size), sine) > 10.0


def test_noise_attenuation(reference):
    assert noise_attenuation_db(0.1 * reference, reference) == pytest.approx(20.0)
    assert noise_attenuation_db(reference, reference) == pytest.approx(0.0)


def notes_audio(detune_cents=0.0):
    """Two plucked notes with silence between, and their labels."""
    notes = [
        {"onset_s": 0.2, "offset_s": 1.2, "midi": 45, "hz": 110.0},
        {"onset_s": 1.5, "offset_s": 2.5, "midi": 64, "hz": 329.6275569128699},
    ]
    t = np.arange(int(2.8 * SAMPLE_RATE)) / SAMPLE_RATE
    audio = np.zeros_like(t)
    for note in notes:
        hz = note["hz"] * 2 ** (detune_cents / 1200)
        inside = (t >= note["onset_s"]) & (t < note["offset_s"])
        local = t[inside] - note["onset_s"]
        audio[inside] = np.exp(-local) * sum(np.sin(2 * np.pi * hz * k * local) / k for k in (1, 2, 3))
    return 0.2 * audio, notes


def test_tuner_hit_rate():
    audio, notes = notes_audio()
    score = tuner_score(audio, notes, SAMPLE_RATE)
    assert score.n_frames > 100
    assert score.hit_rate == 1.0
    assert tuner_hit_rate(audio, notes, SAMPLE_RATE) == 1.0
    # 8 cents sharp: voiced, but outside the +-5 cent window
    sharp = tuner_score(notes_audio(8.0)[0], notes, SAMPLE_RATE)
    assert sharp.voiced_rate == 1.0 and sharp.hit_rate == 0.0
    # Silence where the notes should be: every frame is a miss
    assert tuner_hit_rate(np.zeros_like(audio), notes, SAMPLE_RATE) == 0.0
