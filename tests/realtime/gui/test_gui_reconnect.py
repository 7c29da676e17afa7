"""The window when its JACK server (dummy back end) goes away and comes back: with "Reconnect automatically"
it says it waits, then runs again by itself on a fresh engine; without it, the banner's Reconnect button
tries once, and again, until the server is back. A take being recorded goes on across the return, in one
file, as `run --record` keeps one."""

from __future__ import annotations

import soundfile as sf
from PySide6.QtCore import Qt

from livedenoise.realtime.gui.gui_settings import DEMO_CLIP, recordings_folder

START_TIMEOUT_MS = 120000  # a spawned engine imports numpy, numba and ONNX Runtime on a busy machine
LOST_TIMEOUT_MS = 30000
RESUME_TIMEOUT_MS = 120000  # the tries back off: 1, 2, 4 s... between engines that each load a model


def start(window, qtbot) -> int:
    """Start the window on its engine; the engine process's id."""
    assert window.start(), window.banner.text()
    qtbot.waitUntil(lambda: window.views["output"].n_paints > 3, timeout=START_TIMEOUT_MS)
    return window.source.engine.pid


def test_the_window_waits_for_the_server_and_resumes_by_itself(jack_servers, make_window, qtbot):
    server = jack_servers()
    window = make_window(mode="file", file_path=str(DEMO_CLIP), model="dsp", reconnect=True, bypass=True)
    assert window.controls.reconnect.isChecked()
    pid = start(window, qtbot)
    server.kill()
    qtbot.waitUntil(lambda: "waiting for it to come back" in window.banner.summary.text(), timeout=LOST_TIMEOUT_MS)
    banner = window.banner
    assert not window.running and banner.reconnect_button.isVisible()
    assert banner.summary.text().startswith("the audio device or its server went away; waiting")
    assert window.controls.start_stop.text().startswith("Start")
    window.controls.bypass.setChecked(False)  # changed while it waits: the engine that comes back has it
    jack_servers(name=server.name)
    qtbot.waitUntil(lambda: window.running, timeout=RESUME_TIMEOUT_MS)
    assert not banner.isVisible() and window.statusBar().currentMessage().startswith("reconnected: engine process")
    engine = window.source.engine
    assert engine.pid != pid and engine.alive and engine.state()["bypass"] is False
    n_paints = window.views["output"].n_paints
    qtbot.waitUntil(lambda: window.views["output"].n_paints > n_paints + 3, timeout=START_TIMEOUT_MS)


def test_without_reconnect_the_banners_button_tries_until_the_server_is_back(jack_servers, make_window, qtbot):
    server = jack_servers()
    window = make_window(mode="file", file_path=str(DEMO_CLIP), model="dsp")
    assert not window.controls.reconnect.isChecked()
    pid = start(window, qtbot)
    server.kill()
    banner = window.banner
    qtbot.waitUntil(lambda: "press Reconnect to try again" in banner.summary.text(), timeout=LOST_TIMEOUT_MS)
    assert banner.reconnect_button.isVisible() and "device" in banner.text()
    qtbot.wait(1500)  # no try of its own
    assert not window.running and "press Reconnect to try again" in banner.summary.text()

    qtbot.mouseClick(banner.reconnect_button, Qt.MouseButton.LeftButton)  # the server is still gone
    assert banner.summary.text().endswith("trying again…")
    qtbot.waitUntil(lambda: "still not back" in banner.summary.text(), timeout=START_TIMEOUT_MS)
    assert not window.running and banner.reconnect_button.isVisible()

    jack_servers(name=server.name)
    qtbot.mouseClick(banner.reconnect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.running, timeout=START_TIMEOUT_MS)
    assert window.source.engine.pid != pid and not banner.isVisible()


def test_turning_reconnect_on_after_the_loss_starts_the_wait(jack_servers, make_window, qtbot, store):
    from livedenoise.realtime.gui.gui_settings import GuiSettings, load_settings

    server = jack_servers()
    window = make_window(mode="file", file_path=str(DEMO_CLIP), model="dsp")
    start(window, qtbot)
    server.kill()
    qtbot.waitUntil(lambda: "press Reconnect" in window.banner.summary.text(), timeout=LOST_TIMEOUT_MS)
    window.controls.reconnect.click()
    assert load_settings(store, GuiSettings()).reconnect is True
    assert "waiting for it to come back" in window.banner.summary.text()
    jack_servers(name=server.name)
    qtbot.waitUntil(lambda: window.running, timeout=RESUME_TIMEOUT_MS)


def test_a_take_goes_on_across_the_servers_return(jack_servers, make_window, qtbot, store):
    server = jack_servers()
    window = make_window(mode="file", file_path=str(DEMO_CLIP), model="dsp", reconnect=True)
    start(window, qtbot)
    record = window.controls.record
    record.click()
    recorder = window.recorder
    assert recorder is not None
    qtbot.waitUntil(lambda: recorder.seconds > 1.0, timeout=START_TIMEOUT_MS)
    server.kill()
    banner = window.banner
    qtbot.waitUntil(lambda: "waiting for it to come back" in banner.summary.text(), timeout=LOST_TIMEOUT_MS)
    assert window.recorder is recorder and f"the take {recorder.path.name} goes on" in banner.summary.text()
    assert record.isChecked() and record.isEnabled() and record.text() == "Stop recording"
    n_before = recorder.n_samples
    jack_servers(name=server.name)
    qtbot.waitUntil(lambda: window.running, timeout=RESUME_TIMEOUT_MS)
    assert window.recorder is recorder and record.isChecked()
    qtbot.waitUntil(lambda: recorder.n_samples > n_before + 48000, timeout=START_TIMEOUT_MS)
    record.click()
    assert window.recorder is None and not record.isChecked()
    takes = sorted(recordings_folder(store).glob("take-*.flac"))
    assert takes == [recorder.path]  # one take: before the loss, then after the return
    assert sf.info(str(recorder.path)).frames == recorder.n_samples > n_before + 48000
    assert f"recorded {recorder.seconds:.1f} s to {recorder.path}" in window.statusBar().currentMessage()


def test_a_take_held_across_a_loss_ends_when_asked_while_the_window_waits(jack_servers, make_window, qtbot, store):
    server = jack_servers()
    window = make_window(mode="file", file_path=str(DEMO_CLIP), model="dsp")
    start(window, qtbot)
    window.controls.record.click()
    recorder = window.recorder
    qtbot.waitUntil(lambda: recorder.seconds > 0.5, timeout=START_TIMEOUT_MS)
    server.kill()
    qtbot.waitUntil(lambda: "press Reconnect" in window.banner.summary.text(), timeout=LOST_TIMEOUT_MS)
    assert window.recorder is recorder
    window.controls.record.click()  # Stop recording, with the audio still away
    assert window.recorder is None and not window.controls.record.isEnabled()
    assert sorted(recordings_folder(store).glob("take-*.flac")) == [recorder.path]
    assert "the take" not in window.banner.summary.text()
    assert f"recorded {recorder.seconds:.1f} s to {recorder.path}" in window.statusBar().currentMessage()
