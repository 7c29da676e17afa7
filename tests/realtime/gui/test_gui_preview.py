"""The window on the file preview (no audio device): spectrogram rows, screenshot, settings, errors."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtGui import QImage

from livedenoise.realtime.gui.app import save_screenshot
from livedenoise.realtime.gui.gui_settings import DEMO_CLIP, GuiSettings, load_settings
from livedenoise.realtime.gui.spectrogram_view import SpectrogramView

FILLED_TIMEOUT_MS = 30000


def newest_column(view: SpectrogramView) -> np.ndarray:
    return view.image[-1]


@pytest.mark.parametrize("hz", [110.0, 1760.0])
def test_a_note_lights_the_row_of_its_frequency(make_window, note_file, qtbot, hz):
    window = make_window(mode="preview", file_path=str(note_file(hz)), model="identity")
    assert window.start()
    view = window.views["output"]
    floor_db = view.levels_db[0]
    qtbot.waitUntil(lambda: newest_column(view).max() > floor_db + 40, timeout=FILLED_TIMEOUT_MS)
    column = newest_column(view)
    row = int(view.freq_map.row_at_hz(hz))
    assert column[row] >= column.max() - 1.0, f"row {row} ({hz} Hz) at {column[row]:.1f} dB, peak {column.max():.1f} dB"
    # the loudest rows all lie within a bin of the note (the first overtone is 6 dB down)
    loud_rows = np.flatnonzero(column >= column.max() - 3.0)
    bin_hz = 48000 / 1024
    assert np.all(np.abs(view.freq_map.hz_at_row(loud_rows + 0.5) - hz) < 1.5 * bin_hz), view.freq_map.hz_at_row(
        loud_rows
    )
    octave_below = int(view.freq_map.row_at_hz(hz / 2))  # at 55 Hz, window leakage from 110 Hz is ~14 dB down
    assert column[octave_below] < column[row] - 10.0


def test_screenshot_shows_both_spectrograms_filled(make_window, qtbot, tmp_path):
    window = make_window(mode="preview", file_path=str(DEMO_CLIP), model="dsp")
    assert window.start()
    qtbot.waitUntil(
        lambda: window.views["output"].image[-1].max() > window.views["output"].levels_db[0] + 30,
        timeout=FILLED_TIMEOUT_MS,
    )
    qtbot.wait(300)  # one more paint
    image = QImage(str(save_screenshot(window, tmp_path / "gui.png")))
    assert not image.isNull() and image.width() >= 800
    for name in ("input", "output"):
        view = window.views[name]
        assert view.isVisible()
        top_left = view.mapTo(window, view.rect().topLeft())
        crop = image.copy(top_left.x(), top_left.y(), view.width(), view.height())
        colours = {crop.pixel(x, y) for x in range(0, crop.width(), 4) for y in range(0, crop.height(), 4)}
        assert len(colours) > 50, f"{name} spectrogram looks blank: {len(colours)} colours"


def test_cli_screenshot_without_an_audio_device(tmp_path):
    out = tmp_path / "shot.png"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "livedenoise.realtime.cli.main",
            "gui",
            "--mode",
            "preview",
            "--model",
            "dsp",
            "--settings",
            str(tmp_path / "gui.ini"),
            "--screenshot",
            str(out),
            "--quit-after",
            "3",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert not image.isNull()
    sample = {image.pixel(x, y) for x in range(0, image.width(), 8) for y in range(0, image.height(), 8)}
    assert len(sample) > 100


def test_settings_persist_across_windows(make_window, store, qtbot):
    window = make_window(mode="preview")
    window.controls.strength.setValue(17)
    window.controls.blocksize.setCurrentIndex(window.controls.blocksize.findData(256))
    window.controls.show_mask.setChecked(True)
    window.close()
    settings = load_settings(store)
    assert (settings.strength_db, settings.blocksize, settings.show_mask, settings.mode) == (17.0, 256, True, "preview")
    again = make_window()
    assert again.controls.strength.value() == 17
    assert again.controls.blocksize.currentData() == 256


def test_stored_garbage_falls_back_to_defaults(store):
    store.setValue("blocksize", "many")
    store.setValue("strength_db", -5)
    store.setValue("mode", "sideways")
    settings = load_settings(store)
    defaults = GuiSettings()
    assert (settings.blocksize, settings.strength_db, settings.mode) == (
        defaults.blocksize,
        defaults.strength_db,
        defaults.mode,
    )


def test_unreadable_model_and_file_show_in_the_window(make_window, tmp_path):
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    window = make_window(mode="preview", model=str(broken))
    assert not window.start()
    assert window.banner.isVisible() and "broken.onnx" in window.banner.text()
    not_audio = tmp_path / "notes.txt"
    not_audio.write_text("hello")
    window.controls.show_settings(window.settings.with_changes(model="dsp", file_path=str(not_audio)))
    assert not window.start()
    assert "cannot read" in window.banner.text()
    window.controls.show_settings(window.settings.with_changes(file_path=str(DEMO_CLIP)))
    assert window.start() and not window.banner.isVisible()


def test_space_starts_and_stops_and_b_toggles_bypass(make_window, qtbot):
    window = make_window(mode="preview", model="dsp")
    with qtbot.waitActive(window):
        window.activateWindow()
    qtbot.keyClick(window, " ")
    assert window.running
    qtbot.keyClick(window, "b")
    assert window.controls.bypass.isChecked()
    qtbot.waitUntil(lambda: window.source.state().bypass, timeout=5000)
    qtbot.keyClick(window, " ")
    assert not window.running


WINDOW_BESIDE_A_SERVER = """
import json
import sys
from livedenoise.realtime.gui.app import application, open_window, settings_store
from livedenoise.realtime.gui.headless import HeadlessGui  # what the e2e bench opens
app = application(headless=True)
window = open_window(settings_store(sys.argv[1]), {"mode": "preview", "model": "dsp"})  # lists the devices
assert window.start(), window.banner.text()
portaudio = sys.modules.get("sounddevice")
print(json.dumps({"devices": [d.name for d in window.devices],
                  "portaudio_initialized": None if portaudio is None else portaudio._initialized}), flush=True)
sys.stdin.readline()  # the audio server goes away meanwhile
window.close()
"""


def test_the_window_lists_the_devices_and_keeps_out_of_the_audio_server(jack_servers, tmp_path):
    """PortAudio's JACK back end joins the server's graph as soon as it is initialised: only the
    engine process may stay there. The window loads it to list the devices, then shuts it down. A
    process left in the graph aborts in PortAudio when it exits after the server went away; the
    window's process, which found the server's device, exits cleanly."""
    server = jack_servers()
    window = subprocess.Popen(
        [sys.executable, "-c", WINDOW_BESIDE_A_SERVER, str(tmp_path / "gui.ini")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        listed = json.loads(window.stdout.readline() or "{}")
        assert "system" in listed.get("devices", []) and listed["portaudio_initialized"] == 0, listed
        server.kill()
        _, stderr = window.communicate("closing\n", timeout=120)
    finally:
        if window.poll() is None:
            window.kill()
            window.wait()
    assert window.returncode == 0, stderr
