"""The noise gate's controls in the window: they reach the engine process (read back from it), the
indicator follows the engine's gate, the choice is remembered; the file preview gates too."""

from __future__ import annotations

import pytest

from livedenoise.realtime.gui.gui_settings import DEMO_CLIP, load_settings

START_TIMEOUT_MS = 120000
READ_BACK_TIMEOUT_MS = 30000


@pytest.fixture
def server(jack_servers):
    return jack_servers()


def test_the_gate_controls_reach_the_engine_and_its_state_comes_back(server, make_window, store, qtbot):
    window = make_window(mode="file", file_path=str(DEMO_CLIP), model="dsp")
    assert window.start(), window.banner.text()
    qtbot.waitUntil(lambda: window.views["output"].n_paints > 3, timeout=START_TIMEOUT_MS)
    controls = window.controls
    engine = window.source.engine
    assert engine.state()["gate"] is None and controls.gate_indicator.text() == ""

    controls.gate.setCurrentIndex(controls.gate.findData("level"))
    qtbot.waitUntil(lambda: (engine.state()["gate"] or {}).get("kind") == "level", timeout=READ_BACK_TIMEOUT_MS)
    controls.gate_threshold.setValue(0)  # the demo clip never reaches 0 dBFS peak after the denoiser
    qtbot.waitUntil(lambda: engine.state()["gate"]["threshold_db"] == 0.0, timeout=READ_BACK_TIMEOUT_MS)
    qtbot.waitUntil(lambda: engine.state()["gate_open"] is False, timeout=READ_BACK_TIMEOUT_MS)
    qtbot.waitUntil(lambda: controls.gate_indicator.text() == "shut", timeout=READ_BACK_TIMEOUT_MS)
    controls.gate_threshold.setValue(-90)  # everything passes
    qtbot.waitUntil(lambda: engine.state()["gate_open"] is True, timeout=READ_BACK_TIMEOUT_MS)
    qtbot.waitUntil(lambda: controls.gate_indicator.text() == "open", timeout=READ_BACK_TIMEOUT_MS)
    controls.gate_release.setValue(400)
    qtbot.waitUntil(lambda: engine.state()["gate"]["release_ms"] == 400.0, timeout=READ_BACK_TIMEOUT_MS)

    # the mask gate has its own threshold, in its own units
    controls.gate.setCurrentIndex(controls.gate.findData("mask"))
    qtbot.waitUntil(lambda: engine.state()["gate"]["kind"] == "mask", timeout=READ_BACK_TIMEOUT_MS)
    assert engine.state()["gate"]["threshold_db"] == -10.0 and controls.gate_threshold.value() == -10
    assert controls.gate_threshold_label.text() == "-10 dB"

    remembered = load_settings(store)
    assert (remembered.gate, remembered.gate_level_threshold_db, remembered.gate_release_ms) == ("mask", -90.0, 400.0)

    # a fresh engine process (another block size) starts with the gate as set
    controls.blocksize.setCurrentIndex(controls.blocksize.findData(256))
    assert window.running, window.banner.text()
    state = window.source.engine.state()
    assert state["gate"] == {"kind": "mask", "threshold_db": -10.0, "release_ms": 400.0}

    controls.gate.setCurrentIndex(controls.gate.findData("off"))
    qtbot.waitUntil(lambda: window.source.engine.state()["gate"] is None, timeout=READ_BACK_TIMEOUT_MS)
    qtbot.waitUntil(lambda: controls.gate_indicator.text() == "", timeout=READ_BACK_TIMEOUT_MS)
    assert not controls.gate_threshold.isEnabled()


def test_the_preview_gates_too(make_window, qtbot):
    window = make_window(
        mode="preview", file_path=str(DEMO_CLIP), model="dsp", gate="level", gate_level_threshold_db=0.0
    )
    assert window.start(), window.banner.text()
    qtbot.waitUntil(lambda: window.source.state().gate_open is False, timeout=READ_BACK_TIMEOUT_MS)
    window.controls.gate_threshold.setValue(-90)
    qtbot.waitUntil(lambda: window.source.state().gate_open is True, timeout=READ_BACK_TIMEOUT_MS)
    assert window.source.state().gate == {"kind": "level", "threshold_db": -90.0, "release_ms": 150.0}
