"""The tuner panel and the level meters: note names, readings however the stream is chunked, the reference,
ballistics."""

from __future__ import annotations

import numpy as np
import pytest

from livedenoise.realtime.tuner.notes import midi_to_name, nearest_note
from livedenoise.realtime.tuner.tuner import Tuner

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
    tuner = Tuner(SAMPLE_RATE)
    reading = None
    for start in range(0, tone.size, chunk):
        reading = tuner.push(tone[start : start + chunk]) or reading
    assert reading is not None and reading.note == "A2" and reading.stable
    assert abs(reading.cents + 15.0) < 1.0 and abs(reading.hz - hz) < 0.1


def test_the_panel_shows_a_reading_and_sets_the_reference(qtbot):
    from livedenoise.realtime.gui.tuner_panel import TunerPanel

    panel = TunerPanel(reference_hz=442.0)
    qtbot.addWidget(panel)
    assert panel.reference.value() == 442
    t = np.arange(SAMPLE_RATE // 2) / SAMPLE_RATE
    reading = Tuner(SAMPLE_RATE, reference_hz=442.0).feed(0.3 * np.sin(2 * np.pi * 442.0 * t))[-1]
    panel.show_reading(reading)
    assert panel.note_label.text() == "A4" and "442.0 Hz" in panel.detail_label.text()
    assert panel.needle.cents == pytest.approx(0.0, abs=0.5) and panel.needle.stable
    with qtbot.waitSignal(panel.reference_changed) as signal:
        panel.reference.setValue(415)
    assert signal.args == [415.0]
    panel.show_reading(None)
    assert panel.note_label.text() == "–" and panel.needle.cents is None


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
