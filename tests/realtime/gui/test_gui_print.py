"""The noise print in the app, off screen: the Learn button makes a print (in the file preview, and on the
engine process on a JACK server), it is drawn and named, kept beside the settings for the next run,
auto and freeze reach the engine, Forget takes it away; without a print nothing of it runs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from livedenoise.realtime.engine.devices import Device
from livedenoise.realtime.gui.gui_settings import load_settings, print_path
from livedenoise.realtime.noise_print import NoisePrint, print_from_audio

SAMPLE_RATE = 48000
START_TIMEOUT_MS = 120000
LEARN_TIMEOUT_MS = 30000
JACK_SYSTEM = Device(
    index=0,
    name="system",
    host_api="JACK Audio Connection Kit",
    n_input_channels=2,
    n_output_channels=2,
    default_sample_rate=48000,
)


@pytest.fixture
def room_file(tmp_path):
    """Three seconds of the room: hiss at 0.01 RMS (-40 dBFS)."""
    rng = np.random.default_rng(0)
    path = tmp_path / "room.wav"
    sf.write(path, 0.01 * rng.standard_normal(3 * SAMPLE_RATE), SAMPLE_RATE, subtype="FLOAT")
    return path


def learn(window, qtbot, seconds: float = 1.0) -> NoisePrint:
    window.controls.show_settings(window.settings.with_changes(learn_seconds=seconds))
    window.controls.learn.click()
    assert window.controls.learn.text().startswith("Quiet…") and not window.controls.learn.isEnabled()
    qtbot.waitUntil(lambda: window.print_view.noise_print is not None, timeout=LEARN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: window.controls.learn.text() == "Learn noise", timeout=LEARN_TIMEOUT_MS)
    return window.print_view.noise_print


def test_learn_in_the_preview_makes_a_print_drawn_against_the_input_and_kept(make_window, qtbot, room_file, store):
    window = make_window(mode="preview", file_path=str(room_file), model="dsp")
    assert window.start()
    learned = learn(window, qtbot)
    assert learned.source == "the room" and learned.duration_s == pytest.approx(1.0, abs=0.01)
    assert learned.level_dbfs == pytest.approx(-40.0, abs=0.5)
    # drawn: the print's curve, and the input's spectrum lying on it (the room alone)
    x, y = window.print_view.print_curve.getData()
    assert x.size > 400 and np.allclose(y, learned.power_db[-x.size :])
    qtbot.waitUntil(lambda: window.print_view.input_curve.getData()[1] is not None, timeout=LEARN_TIMEOUT_MS)
    _, heard = window.print_view.input_curve.getData()
    assert abs(np.median(heard - y)) < 3.0
    # kept beside the settings, at an absolute path, as soon as it was learned
    kept = print_path(store)
    assert kept.is_absolute() and load_settings(store).noise_print_path == str(kept)
    np.testing.assert_allclose(NoisePrint.load(kept).power_db, learned.power_db, atol=1e-3)
    assert "-40.0 dBFS, 1.0 s (the room)" in window.controls.print_line.text()
    qtbot.waitUntil(
        lambda: window.status_fields["print"].text().startswith("print the room -40.0 dBFS, 1.0 s"),
        timeout=LEARN_TIMEOUT_MS,
    )


def test_a_kept_print_is_shown_and_used_in_the_next_run_and_forget_removes_it(make_window, qtbot, room_file, store):
    kept = print_path(store)
    noise, _ = sf.read(room_file, dtype="float32")
    print_from_audio(noise, source="last night").save(kept)
    made_at = time.time() - 3 * 3600.0
    os.utime(kept, (made_at, made_at))
    window = make_window(mode="preview", file_path=str(room_file), model="dsp", noise_print_path=str(kept))
    assert window.controls.print_line.text() == "kept: -40.0 dBFS, 3.0 s, made 3 h ago"
    assert window.start()
    assert window.print_view.noise_print is not None and window.print_view.noise_print.source == "last night"
    qtbot.waitUntil(lambda: "made 3 h ago, frozen" in window.status_fields["print"].text(), timeout=LEARN_TIMEOUT_MS)
    assert window.controls.forget.isEnabled()
    window.controls.forget.click()
    qtbot.waitUntil(lambda: window.status_fields["print"].text() == "no noise print", timeout=LEARN_TIMEOUT_MS)
    assert not kept.exists() and load_settings(store).noise_print_path == ""
    assert window.print_view.print_curve.getData()[0] is None or window.print_view.print_curve.getData()[0].size == 0
    assert not window.controls.forget.isEnabled()


def test_a_damaged_kept_print_is_said_and_the_app_runs_without_one(make_window, qtbot, room_file, store):
    kept = print_path(store)
    kept.write_text("{not json")
    window = make_window(mode="preview", file_path=str(room_file), model="dsp", noise_print_path=str(kept))
    assert window.start()
    assert window.banner.isVisible() and "the kept noise print cannot be used" in window.banner.text()
    assert window.print_view.noise_print is None and load_settings(store).noise_print_path == ""


def test_without_a_print_nothing_of_it_runs(make_window, qtbot, room_file):
    window = make_window(mode="preview", file_path=str(room_file), model="dsp")
    assert window.start()
    qtbot.waitUntil(lambda: window.status_fields["print"].text() == "no noise print", timeout=LEARN_TIMEOUT_MS)
    state = window.source.state()
    assert state.noise_print["source"] is None and state.noise_print["learning_left_s"] is None
    assert window.source.print_learner is None and window.source.print_refiner is None
    assert window.controls.learn.isEnabled() and not window.controls.forget.isEnabled()
    assert window.controls.print_line.text() == "the model runs without a print"


def test_learn_on_the_engine_then_auto_and_freeze_reach_it(jack_servers, make_window, qtbot, room_file, store):
    jack_servers()
    window = make_window(devices=[JACK_SYSTEM], mode="file", file_path=str(room_file), model="dsp")
    assert window.start(), window.banner.text()
    learned = learn(window, qtbot)
    assert learned.source == "the room" and window.source.engine.noise_print is not None
    assert Path(load_settings(store).noise_print_path) == print_path(store)
    window.controls.print_auto.click()
    qtbot.waitUntil(lambda: window.source.engine.state()["print"]["mode"] == "auto", timeout=LEARN_TIMEOUT_MS)
    assert load_settings(store).print_mode == "auto"
    # the room itself refines the print: a refined one comes back and is shown
    qtbot.waitUntil(lambda: window.print_view.noise_print.source == "the room, refined", timeout=LEARN_TIMEOUT_MS)
    window.controls.print_freeze.click()
    qtbot.waitUntil(lambda: window.source.engine.state()["print"]["mode"] == "freeze", timeout=LEARN_TIMEOUT_MS)
    window.stop()  # the refined print is what the next run starts with
    assert NoisePrint.load(print_path(store)).source == "the room, refined"
    assert window.controls.print_line.text().startswith("kept: -40.")


def test_the_gui_command_learns_at_start_and_keeps_the_print(tmp_path, room_file):
    livedenoise = str(Path(sys.executable).parent / "livedenoise")
    settings = tmp_path / "gui.ini"
    result = subprocess.run(
        [
            livedenoise,
            "gui",
            "--mode",
            "preview",
            "--file",
            str(room_file),
            "--model",
            "dsp",
            "--learn-seconds",
            "1",
            "--print",
            "auto",
            "--settings",
            str(settings),
            "--screenshot",
            str(tmp_path / "shot.png"),
            "--quit-after",
            "5",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr
    kept = NoisePrint.load(tmp_path / "gui.noise-print.json")
    assert kept.source.startswith("the room") and kept.level_dbfs == pytest.approx(-40.0, abs=0.5)
    missing = subprocess.run(
        [livedenoise, "gui", "--noise-print", str(tmp_path / "none.wav"), "--quit-after", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert missing.returncode == 1 and "--noise-print" in missing.stderr and "not found" in missing.stderr
