"""The window on the engine process, on a real JACK server (dummy back end): controls read back from
the engine, a note in the output spectrogram, bypass, a killed engine, device faults, clean close."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import Qt

from livedenoise.realtime.engine.devices import Device
from livedenoise.realtime.gui.gui_settings import DEMO_CLIP
from livedenoise.realtime.latency import Latency

START_TIMEOUT_MS = 120000  # a spawned engine imports numpy, numba and ONNX Runtime on a busy machine
READ_BACK_TIMEOUT_MS = 30000  # a state request waits on a busy machine's scheduler


def engine_state(window) -> dict:
    """The state the running engine process reports. The window drops its source when a restart
    fails or the engine stops; its banner says why, and so does this failure."""
    assert window.source is not None, f"the window runs no engine: {window.banner.text()}"
    return window.source.engine.state()


def process_exists(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


@pytest.fixture
def server(jack_servers):
    return jack_servers()


def start(window, qtbot) -> None:
    assert window.start(), window.banner.text()
    qtbot.waitUntil(lambda: window.views["output"].n_paints > 3, timeout=START_TIMEOUT_MS)


# the dummy server's one device, as PortAudio lists it
JACK_SYSTEM = Device(
    index=0,
    name="system",
    host_api="JACK Audio Connection Kit",
    n_input_channels=2,
    n_output_channels=2,
    default_sample_rate=48000,
)


@pytest.fixture
def white_noise_file(tmp_path) -> Path:
    """3 s of white noise at -26 dBFS RMS, which the engine plays in a loop."""
    path = tmp_path / "white-noise.wav"
    sf.write(path, 0.05 * np.random.default_rng(8).standard_normal(3 * 48000), 48000, subtype="FLOAT")
    return path


def removed_db(window, qtbot, played: Path) -> float:
    """dB the engine takes off the file it loops, heard on its denoised tap over half a second (the
    window's own reader of that tap, the tuner, pauses meanwhile), against the file's own level."""
    window.timer.stop()
    try:
        window.source.read_denoised(10 * 48000)  # what the tap held from before
        qtbot.wait(600)
        heard = window.source.read_denoised(10 * 48000).astype(np.float64)
    finally:
        window.timer.start()
    assert heard.size > 12000, heard.size
    return float(10 * np.log10(np.mean(sf.read(played)[0] ** 2) / np.mean(heard**2)))


def test_the_strength_slider_sets_how_much_noise_the_engine_removes(server, make_window, qtbot, white_noise_file):
    """The shipped model takes about 27 dB off white noise: the slider is what leaves the rest."""
    window = make_window(mode="file", file_path=str(white_noise_file), model="default")
    start(window, qtbot)
    for strength_db in (3, 6, 12):
        window.controls.strength.setValue(strength_db)
        qtbot.waitUntil(
            lambda wanted=strength_db: engine_state(window)["strength_db"] == wanted, timeout=READ_BACK_TIMEOUT_MS
        )
        assert removed_db(window, qtbot, white_noise_file) == pytest.approx(strength_db, abs=0.5)


def test_every_control_reaches_the_engine(server, make_window, qtbot, note_file, white_noise_file):
    window = make_window(
        devices=[JACK_SYSTEM], mode="file", file_path=str(white_noise_file), model="default", blocksize=128
    )
    start(window, qtbot)
    controls = window.controls

    controls.bypass.setChecked(True)
    qtbot.waitUntil(lambda: engine_state(window)["bypass"] is True, timeout=READ_BACK_TIMEOUT_MS)
    assert removed_db(window, qtbot, white_noise_file) == pytest.approx(0.0, abs=0.2)
    controls.bypass.setChecked(False)
    qtbot.waitUntil(lambda: engine_state(window)["bypass"] is False, timeout=READ_BACK_TIMEOUT_MS)

    controls.strength.setValue(12)
    qtbot.waitUntil(lambda: engine_state(window)["strength_db"] == 12.0, timeout=READ_BACK_TIMEOUT_MS)
    assert removed_db(window, qtbot, white_noise_file) == pytest.approx(12.0, abs=0.5)

    controls.model.setCurrentIndex(controls.model.findData("identity"))
    qtbot.waitUntil(lambda: engine_state(window)["model"] == "identity", timeout=START_TIMEOUT_MS)
    assert not window.banner.isVisible(), window.banner.text()

    # where the audio goes and how: a fresh engine process with the new block size
    old_pid = window.source.engine.pid
    controls.blocksize.setCurrentIndex(controls.blocksize.findData(256))
    assert window.running, window.banner.text()
    state = engine_state(window)
    assert window.source.engine.pid != old_pid and not process_exists(old_pid)
    assert (state["blocksize"], state["model"], state["strength_db"]) == (256, "identity", 12.0)

    # the device pickers and the file: a fresh engine process each
    controls.output_device.setCurrentIndex(controls.output_device.findData("system"))
    assert window.source.engine.settings.output_device == "system"
    assert engine_state(window)["input"].endswith("-> 'system'")
    note = note_file(330.0)
    controls.file_path.setText(str(note))
    controls.file_path.editingFinished.emit()
    assert window.running, window.banner.text()
    assert str(note) in engine_state(window)["input"]
    controls.mode.setCurrentIndex(controls.mode.findData("live"))
    controls.input_device.setCurrentIndex(controls.input_device.findData("system"))
    assert window.running, window.banner.text()
    assert engine_state(window)["input"] == "'system' -> 'system'"

    # the status bar shows the engine's latency figures, device buffers included; its tooltip, the line
    # every command prints
    latency = Latency.from_dict(engine_state(window)["latency"])
    assert "through the device" in latency.brief()
    qtbot.waitUntil(lambda: window.status_fields["latency"].text() == latency.brief(), timeout=READ_BACK_TIMEOUT_MS)
    assert window.status_fields["latency"].toolTip() == latency.describe()


def test_a_note_shows_in_the_output_spectrogram_at_its_row(server, make_window, note_file, qtbot):
    hz = 220.0
    window = make_window(mode="file", file_path=str(note_file(hz)), model="default")
    start(window, qtbot)
    view = window.views["output"]
    row = int(view.freq_map.row_at_hz(hz))
    qtbot.waitUntil(lambda: view.image[-1].max() > view.levels_db[0] + 40, timeout=START_TIMEOUT_MS)
    peaks = np.nanmax(view.image[-40:], axis=0)  # the note's attack and decay over the last ~1 s
    assert peaks[row] >= peaks.max() - 1.0, (
        f"row {row} ({hz} Hz): {peaks[row]:.1f} dB, loudest {peaks.max():.1f} dB at {peaks.argmax()}"
    )
    assert peaks[int(view.freq_map.row_at_hz(hz / 2))] < peaks[row] - 10.0


def test_bypass_makes_the_output_equal_the_input(server, make_window, qtbot):
    window = make_window(mode="file", file_path=str(DEMO_CLIP), model="default", bypass=True)
    start(window, qtbot)
    source = window.source
    window.timer.stop()  # read the taps here, column by column
    source.read_spectra()
    qtbot.wait(500)
    input_db, output_db, mask_db = source.read_spectra()
    assert input_db.shape[0] > 50
    np.testing.assert_array_equal(output_db, input_db)
    assert np.all(mask_db == 0.0)
    window.controls.bypass.setChecked(False)  # and the model does change it
    qtbot.waitUntil(lambda: engine_state(window)["bypass"] is False, timeout=READ_BACK_TIMEOUT_MS)
    source.read_spectra()
    qtbot.wait(500)
    input_db, output_db, _ = source.read_spectra()
    assert np.mean(output_db < input_db - 1.0) > 0.1


def test_a_killed_engine_shows_an_error_and_start_brings_it_back(server, make_window, qtbot):
    window = make_window(mode="file", file_path=str(DEMO_CLIP), model="dsp")
    start(window, qtbot)
    pid = window.source.engine.pid
    os.kill(pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: not window.running, timeout=READ_BACK_TIMEOUT_MS)
    assert window.banner.isVisible() and "SIGKILL" in window.banner.text(), window.banner.text()
    assert window.controls.start_stop.text().startswith("Start")
    qtbot.mouseClick(window.controls.start_stop, Qt.MouseButton.LeftButton)
    assert window.running, window.banner.text()
    n_paints = window.views["output"].n_paints
    qtbot.waitUntil(lambda: window.views["output"].n_paints > n_paints + 3, timeout=START_TIMEOUT_MS)
    assert window.source.engine.pid != pid and window.source.alive
    assert not window.banner.isVisible()


def test_closing_the_window_leaves_no_engine_process(server, make_window, qtbot):
    window = make_window(mode="file", file_path=str(DEMO_CLIP), model="dsp")
    start(window, qtbot)
    pid = window.source.engine.pid
    assert process_exists(pid)
    window.close()
    assert not process_exists(pid)


def test_device_faults_show_in_the_window(jack_servers, make_window, qtbot):
    server = jack_servers()
    window = make_window(mode="file", file_path=str(DEMO_CLIP), model="dsp", output_device="no such device")
    assert not window.start()
    assert "no such device" in window.banner.text()
    window.controls.show_settings(window.settings.with_changes(output_device=""))
    start(window, qtbot)
    server.kill()  # the device goes away mid-stream
    qtbot.waitUntil(lambda: not window.running, timeout=READ_BACK_TIMEOUT_MS)
    assert window.banner.isVisible() and "device" in window.banner.text(), window.banner.text()


def test_a_server_at_another_rate_runs_resampled_in_the_window(jack_servers, make_window, qtbot):
    jack_servers(sample_rate=44100)
    window = make_window(mode="file", file_path=str(DEMO_CLIP), model="dsp")
    start(window, qtbot)
    state = engine_state(window)
    assert "at 44100 Hz, resampled to 48000" in state["input"]
    assert "resampling" in Latency.from_dict(state["latency"]).describe()
    window.stop()


def test_a_model_that_does_not_load_is_reported_and_the_old_one_keeps_running(server, make_window, qtbot, tmp_path):
    window = make_window(mode="file", file_path=str(DEMO_CLIP), model="dsp")
    start(window, qtbot)
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    window.controls.model.addItem(broken.name, str(broken))
    window.controls.model.setCurrentIndex(window.controls.model.count() - 1)
    qtbot.waitUntil(window.banner.isVisible, timeout=START_TIMEOUT_MS)
    assert "broken.onnx" in window.banner.text()
    assert window.running and engine_state(window)["model"] == "dsp"
    assert window.controls.model.currentData() == "dsp"


def test_the_bench_can_open_the_window_on_its_engine(server, qtbot):
    from livedenoise.realtime.engine.process import EngineProcess, EngineSettings
    from livedenoise.realtime.gui.headless import HeadlessGui

    engine = EngineProcess(EngineSettings(model="dsp", source_file=DEMO_CLIP))
    engine.start()
    try:
        gui = HeadlessGui(engine)
        figures = gui.run_for(3.0)
        image = gui.window.views["output"].image
        gui.close()
        # it animates from the engine's taps (how fast is for `livedenoise bench gui` to say)
        assert figures["n_paints"] >= 2 and np.isfinite(image).any(axis=1).sum() > 20, figures
        assert engine.alive  # the engine is the bench's: the window leaves it running
    finally:
        engine.stop()
