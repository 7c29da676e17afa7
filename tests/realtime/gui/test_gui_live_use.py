"""The window as a new user meets it: a start that fails (a banner above empty plots, the details on
request), a status bar whose figures are whole at 1280 px, the tuner read off the window's thread, and
settings that find their file again from anywhere."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import numpy as np

from livedenoise.realtime.gui.banner import SHORT_CHARS
from livedenoise.realtime.gui.gui_settings import GuiSettings, load_settings
from livedenoise.realtime.gui.tap_source import SourceState
from livedenoise.realtime.gui.tuner_worker import TunerWorker
from livedenoise.realtime.latency import Latency
from livedenoise.realtime.tuner.tuner import Tuner

LIVEDENOISE = str(Path(sys.executable).parent / "livedenoise")
READING_TIMEOUT_MS = 30000


def test_a_start_that_fails_shows_a_short_banner_above_empty_plots_and_the_details_on_request(
    make_window, qtbot, tmp_path
):
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    window = make_window(mode="preview", model=str(broken))
    assert not window.start()
    banner = window.banner
    assert banner.isVisible() and "INVALID_PROTOBUF" in banner.text()  # the whole message, kept
    assert len(banner.summary.text()) <= SHORT_CHARS + 2 and "broken.onnx" in banner.summary.text()
    assert "not a readable ONNX model" in banner.summary.text() and "ONNXRuntimeError" not in banner.summary.text()
    assert not banner.details.isVisible() and banner.details_button.isVisible()
    for name in ("input", "output"):  # empty plots under it, not a banner filling their place
        view = window.views[name]
        assert view.isVisible() and view.height() > 100
        assert banner.mapTo(window, banner.rect().bottomLeft()).y() <= view.mapTo(window, view.rect().topLeft()).y()
    banner.details_button.click()
    assert banner.details.isVisible() and banner.details.text() == banner.text()


def test_every_status_figure_is_whole_at_1280_px(make_window, qtbot):
    window = make_window(mode="preview", model="dsp")
    window.resize(1280, 760)
    qtbot.waitExposed(window)
    latency = Latency(48000, 128, 128, queue_samples=127, device_samples=279, resampling_samples=28)
    noise_print = {
        "source": "rehearsal-room-with-the-air-conditioning-on.flac",
        "level_dbfs": -41.2,
        "duration_s": 3.0,
        "age_s": 754.0,
        "mode": "auto",
        "refined_age_s": 12.0,
        "used": True,
    }
    state = SourceState(
        running=True,
        bypass=False,
        strength_db=40.0,
        model="default",
        latency=latency,
        load=0.123,
        n_xruns=12345,
        n_overloads=678,
        n_late_masks=91011,
        noise_print=noise_print,
    )
    window.statusBar().showMessage("denoising 'Scarlett 2i2 USB: Audio (hw:1,0)' -> 'Scarlett 2i2 USB: Audio'")
    window._show_state(state)
    qtbot.wait(100)  # a layout pass
    assert window.width() == 1280
    for name, label in window.status_fields.items():
        assert label.isVisible(), name
        assert label.width() >= label.fontMetrics().horizontalAdvance(label.text()), (name, label.text())
    assert window.status_fields["latency"].toolTip() == latency.describe()
    assert "resampling" in window.status_fields["latency"].toolTip()


def test_the_tuner_reads_on_its_own_thread_and_keeps_time_when_it_falls_behind():
    worker = TunerWorker(Tuner(48000))
    try:
        t = np.arange(48000) / 48000
        tone = (0.3 * np.sin(2 * np.pi * 110.0 * t)).astype(np.float32)
        for start in range(0, tone.size, 800):
            worker.submit(tone[start : start + 800])
        names = {thread.name for thread in threading.enumerate()}
        assert "livedenoise-tuner" in names
        deadline = threading.Event()
        reading = None
        for _ in range(300):
            reading = worker.latest() or reading
            if reading is not None and reading.time_s >= 0.95:
                break
            deadline.wait(0.01)
        assert reading is not None and reading.note == "A2"
    finally:
        worker.close()


def test_the_window_shows_the_tuners_note(make_window, note_file, qtbot):
    window = make_window(mode="preview", file_path=str(note_file(220.0)), model="identity")
    assert window.start()
    qtbot.waitUntil(lambda: window.tuner_panel.note_label.text() == "A3", timeout=READING_TIMEOUT_MS)
    assert window.tuner_worker is not None
    window.stop()
    assert window.tuner_worker is None and "livedenoise-tuner" not in {t.name for t in threading.enumerate()}


def test_a_file_given_relative_is_remembered_absolute(tmp_path, note_file):
    from livedenoise.realtime.gui.app import settings_store

    note = note_file(110.0)
    settings = tmp_path / "gui.ini"
    result = subprocess.run(
        [
            LIVEDENOISE,
            "gui",
            "--mode",
            "preview",
            "--model",
            "identity",
            "--file",
            note.name,
            "--settings",
            str(settings),
            "--quit-after",
            "1",
        ],
        cwd=note.parent,
        capture_output=True,
        text=True,
        timeout=120,
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr
    remembered = load_settings(settings_store(settings), GuiSettings()).file_path
    assert Path(remembered).is_absolute() and Path(remembered) == note.resolve()


def test_the_record_button_writes_the_denoised_take_beside_the_settings(make_window, note_file, qtbot, store):
    import soundfile as sf

    from livedenoise.realtime.gui.gui_settings import recordings_folder

    window = make_window(mode="preview", file_path=str(note_file(220.0)), model="identity")
    assert window.start()
    window.controls.record.click()
    assert window.recorder is not None and window.controls.record.text() == "Stop recording"
    qtbot.waitUntil(lambda: window.recorder.seconds > 1.0, timeout=READING_TIMEOUT_MS)
    window.controls.record.click()
    assert window.recorder is None and window.controls.record.text() == "Record"
    takes = sorted(recordings_folder(store).glob("take-*.flac"))
    assert len(takes) == 1 and "recorded" in window.statusBar().currentMessage()
    audio, rate = sf.read(takes[0], dtype="float32")
    assert rate == 48000 and audio.size > 48000 and np.abs(audio).max() > 0.1  # the note, not silence


def test_output_gain_and_the_limit_reach_the_engine(jack_servers, make_window, note_file, qtbot):
    jack_servers()
    window = make_window(mode="file", file_path=str(note_file(220.0)), model="dsp")
    assert window.start(), window.banner.text()
    assert window.controls.limiter.isChecked() and window.controls.output_gain.isEnabled()
    window.controls.output_gain.setValue(-6)
    window.controls.limiter.setChecked(False)
    engine = window.source.engine
    qtbot.waitUntil(
        lambda: engine.state()["output_gain_db"] == -6.0 and not engine.state()["limiter"], timeout=READING_TIMEOUT_MS
    )
    assert window.settings.output_gain_db == -6.0 and window.settings.limiter is False


def test_the_out_meter_shows_what_goes_out_through_the_gain_and_silence_while_muted(
    jack_servers, make_window, qtbot, tmp_path
):
    import soundfile as sf

    from livedenoise.realtime.gui.level_meter import MIN_DB

    jack_servers()
    tone = tmp_path / "tone.wav"
    t = np.arange(2 * 48000) / 48000
    sf.write(tone, (0.5 * np.sin(2 * np.pi * 440.0 * t)).astype(np.float32), 48000, subtype="FLOAT")
    peak_db = 20 * np.log10(0.5)
    window = make_window(mode="file", file_path=str(tone), model="identity")
    assert window.start(), window.banner.text()
    level_in, level_out = window.input_meter, window.output_meter

    def near(meter, level_db):
        return lambda: abs(meter.level_db - level_db) < 1.0

    qtbot.waitUntil(near(level_out, peak_db), timeout=READING_TIMEOUT_MS)
    window.controls.output_gain.setValue(-12)
    qtbot.waitUntil(near(level_out, peak_db - 12), timeout=READING_TIMEOUT_MS)
    window.controls.mute.click()
    qtbot.waitUntil(lambda: level_out.level_db == MIN_DB, timeout=READING_TIMEOUT_MS)
    assert near(level_in, peak_db)()  # the input is heard on (the tuner listens while muted)
    window.controls.mute.click()
    qtbot.waitUntil(near(level_out, peak_db - 12), timeout=READING_TIMEOUT_MS)
