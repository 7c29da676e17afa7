"""The tuner panel's feed and the level meters: note names, readings however the stream is chunked, ballistics."""

from __future__ import annotations

import numpy as np
import pytest

from livedenoise.realtime.notes import midi_to_name, nearest_note
from livedenoise.realtime.gui.tuner_feed import TunerFeed

SAMPLE_RATE = 48000


def test_note_names_and_cents():
    assert [midi_to_name(m) for m in (40, 45, 60, 69, 71)] == ["E2", "A2", "C4", "A4", "B4"]
    name, cents, hz = nearest_note(440.0 * 2 ** (10 / 1200))
    assert (name, round(cents, 6), hz) == ("A4", 10.0, 440.0)
    assert nearest_note(82.0)[0] == "E2" and nearest_note(82.0)[1] < 0
    with pytest.raises(ValueError):
        nearest_note(0.0)


@pytest.mark.parametrize("chunk", [37, 128, 480, 4800])
def test_a_tone_reads_as_its_note_whatever_the_chunks(chunk):
    hz = 110.0 * 2 ** (-15 / 1200)  # A2, 15 cents flat
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    tone = (0.3 * np.sin(2 * np.pi * hz * t) + 0.1 * np.sin(4 * np.pi * hz * t)).astype(np.float32)
    feed = TunerFeed(SAMPLE_RATE)
    for start in range(0, tone.size, chunk):
        reading = feed.push(tone[start : start + chunk])
    assert reading is not None and reading.note == "A2"
    assert abs(reading.cents + 15.0) < 1.0 and abs(reading.hz - hz) < 0.1


def test_silence_clears_the_reading_after_the_hold():
    clock = [0.0]
    feed = TunerFeed(SAMPLE_RATE, clock=lambda: clock[0])
    t = np.arange(SAMPLE_RATE // 2) / SAMPLE_RATE
    assert feed.push((0.3 * np.sin(2 * np.pi * 196.0 * t)).astype(np.float32)).note == "G3"
    silence = np.zeros(SAMPLE_RATE // 10, dtype=np.float32)
    assert feed.push(silence) is not None  # held
    clock[0] = 1.0
    assert feed.push(silence) is None


def test_the_meter_rises_at_once_and_falls_slowly(qtbot):
    from livedenoise.realtime.gui.level_meter import FALL_DB_PER_S, HOLD_S, LevelMeter

    clock = [0.0]
    meter = LevelMeter("In", clock=lambda: clock[0])
    qtbot.addWidget(meter)
    meter.set_level(-6.0)
    assert meter.level_db == -6.0 and meter.hold_db == -6.0
    clock[0] = 0.5
    meter.set_level(-50.0)
    assert meter.level_db == pytest.approx(-6.0 - 0.5 * FALL_DB_PER_S) and meter.hold_db == -6.0
    clock[0] = HOLD_S + 1.0
    meter.set_level(-50.0)
    assert meter.level_db == -50.0 and -50.0 <= meter.hold_db < -6.0
