"""Building the app: the Qt application, the window with its remembered settings, screenshots.

``open_window`` is what the command, the tests and the end-to-end bench share.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from livedenoise.realtime.gui.gui_settings import GuiSettings, load_settings
from livedenoise.realtime.gui.main_window import MainWindow

ORGANIZATION = "livedenoise"
APPLICATION = "livedenoise-gui"


def has_display() -> bool:
    """Whether Qt can open a real window here (an X or Wayland session, or an explicit platform)."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform:
        return platform not in ("offscreen", "minimal")
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def application(headless: bool = False) -> QApplication:
    """The process's QApplication; ``headless`` renders off screen (no display needed)."""
    app = QApplication.instance()
    if app is None:
        if headless or not has_display():
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
        app = QApplication([APPLICATION])
        app.setOrganizationName(ORGANIZATION)
        app.setApplicationName(APPLICATION)
    return app


def settings_store(path: str | Path | None = None) -> QSettings:
    """The user's stored settings, or an INI file at ``path``."""
    if path is None:
        return QSettings(ORGANIZATION, APPLICATION)
    return QSettings(str(path), QSettings.Format.IniFormat)


def audio_devices() -> list:
    """The audio devices PortAudio sees; none when PortAudio itself is missing.

    PortAudio is shut down again at once: its JACK back end is a client of the server for as long
    as it is initialised, and only the engine process should be one.
    """
    try:
        from livedenoise.realtime.engine.devices import list_devices, release_portaudio
    except (OSError, ImportError):
        return []
    try:
        return list_devices()
    finally:
        release_portaudio()


def open_window(
    store: QSettings, overrides: dict | None = None, provider: str = "cpu", devices: list | None = None
) -> MainWindow:
    """The window with the stored settings, ``overrides`` applied on top; shown, not yet started."""
    settings = load_settings(store, GuiSettings())
    if overrides:
        settings = settings.with_changes(**overrides)
    window = MainWindow(settings, store, audio_devices() if devices is None else devices, provider=provider)
    window.show()
    return window


def save_screenshot(window: MainWindow, path: str | Path) -> Path:
    path = Path(path)
    if not window.grab().save(str(path)):
        raise OSError(f"cannot write a PNG to {path}")
    return path
