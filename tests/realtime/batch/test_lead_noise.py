import numpy as np
import pytest
import soundfile as sf

from livedenoise.realtime.batch.lead_noise import MAX_SPREAD_DB, MIN_MARGIN_DB, LeadNotNoise, lead_print

RATE = 48000


def hiss(seconds, level=0.003, seed=0):
    return level * np.random.default_rng(seed).standard_normal(round(seconds * RATE))


def chord(seconds, level=0.3):
    t = np.arange(round(seconds * RATE)) / RATE
    return level * sum(np.sin(2 * np.pi * f * t) for f in (196.0, 247.0, 294.0)) / 3


def take(tmp_path, *parts):
    path = tmp_path / "take.wav"
    sf.write(path, np.concatenate(parts).astype(np.float32), RATE, subtype="FLOAT")
    return path


def test_a_lead_of_room_noise_before_the_music_gives_the_print_of_those_seconds(tmp_path):
    path = take(tmp_path, hiss(2.0), chord(3.0) + hiss(3.0, seed=1))
    noise_print = lead_print(path, 2.0)
    assert noise_print.source == "take.wav 0-2 s"
    # the print is the hiss's: white noise at -50 dBFS, not the chord at about -15
    assert noise_print.level_dbfs == pytest.approx(20 * np.log10(0.003), abs=1.0)


def test_music_from_the_first_second_is_refused(tmp_path):
    path = take(tmp_path, chord(5.0) + hiss(5.0))
    with pytest.raises(LeadNotNoise, match=f"only .* dB louder \\(less than {MIN_MARGIN_DB:g}\\)"):
        lead_print(path, 2.0)


def test_a_decaying_note_in_the_lead_is_refused(tmp_path):
    t = np.arange(2 * RATE) / RATE
    ringing = chord(2.0) * np.exp(-t / 0.3)  # a note let ring from before the take began: 29 dB per second
    path = take(tmp_path, ringing + hiss(2.0), chord(3.0) + hiss(3.0, seed=1))
    with pytest.raises(LeadNotNoise, match=f"moves by .* dB \\(more than {MAX_SPREAD_DB:g}\\)"):
        lead_print(path, 2.0)


def test_a_note_that_starts_inside_the_lead_is_refused(tmp_path):
    path = take(tmp_path, hiss(1.0), chord(4.0) + hiss(4.0, seed=1))
    with pytest.raises(LeadNotNoise, match="moves by"):
        lead_print(path, 2.0)


def test_noise_throughout_is_refused(tmp_path):
    path = take(tmp_path, hiss(5.0))
    with pytest.raises(LeadNotNoise, match="noise throughout"):
        lead_print(path, 2.0)


def test_a_lead_of_digital_silence_is_refused(tmp_path):
    path = take(tmp_path, np.zeros(2 * RATE), chord(3.0))
    with pytest.raises(LeadNotNoise, match="digital silence"):
        lead_print(path, 2.0)


def test_a_take_no_longer_than_the_lead_and_a_second_is_refused(tmp_path):
    with pytest.raises(LeadNotNoise, match="no longer than its 2 s lead"):
        lead_print(take(tmp_path, hiss(1.5)), 2.0)
    with pytest.raises(LeadNotNoise, match="only 0.50 s after its lead"):
        lead_print(take(tmp_path, hiss(2.0), chord(0.5)), 2.0)
