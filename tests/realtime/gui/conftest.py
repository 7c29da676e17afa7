"""The window off screen (Qt's offscreen platform), its settings in a temporary INI file, test clips."""

from __future__ import annotations

import importlib.util
import os

import numpy as np
import pytest
import soundfile as sf

from components import require

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before any QApplication exists
require(
    importlib.util.find_spec("PySide6") is not None and importlib.util.find_spec("pytestqt") is not None,
    "PySide6 and pytest-qt (pip install -e '.[gui,dev]')",
)

SAMPLE_RATE = 48000


@pytest.fixture
def store(tmp_path):
    from livedenoise.realtime.gui.app import settings_store

    return settings_store(tmp_path / "gui.ini")


@pytest.fixture
def make_window(qtbot, store):
    """``make_window(devices=(), **overrides)``: the window on ``store`` with these device pickers, shown,
    not started; closed after the test. (Listing devices here would make this process a client of the
    test's JACK server.)"""
    from livedenoise.realtime.gui.app import open_window

    windows = []

    def make(devices=(), **overrides):
        window = open_window(store, overrides, devices=list(devices))
        qtbot.addWidget(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()


def pluck(hz: float, seconds: float = 1.0) -> np.ndarray:
    """A decaying note with four overtones, ``(samples,)`` float32 at 48 kHz: a denoiser keeps it."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    note = sum(0.3 / k * np.sin(2 * np.pi * hz * k * t) for k in range(1, 6)) * np.exp(-2.0 * t)
    return note.astype(np.float32)


@pytest.fixture
def note_file(tmp_path):
    """``note_file(hz)``: a WAV of ``pluck(hz)`` repeated."""

    def make(hz: float):
        path = tmp_path / f"note-{hz:g}.wav"
        sf.write(path, np.tile(pluck(hz), 2), SAMPLE_RATE)
        return path

    return make
