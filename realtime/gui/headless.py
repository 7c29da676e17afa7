"""HeadlessGui: the app off screen, animating from an engine process, for measuring its effect on the audio.

``bench e2e --gui`` starts the engine, opens this on it, and spins the window's event loop for the
measured time (``run_for``); the window reads every tap as it would on screen. The engine stays the
caller's: closing the window leaves it running.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer

from livedenoise.realtime.engine.process import EngineProcess
from livedenoise.realtime.gui.app import application, open_window, settings_store
from livedenoise.realtime.gui.engine_source import EngineSource
from livedenoise.realtime.gui.tap_source import SourceError


class HeadlessGui:
    def __init__(self, engine: EngineProcess) -> None:
        """``engine``: started, or ready to start."""
        self.app = application(headless=True)
        self._settings_dir = tempfile.TemporaryDirectory(prefix="livedenoise-gui-")  # the user's stay untouched
        self.window = open_window(settings_store(Path(self._settings_dir.name) / "gui.ini"), devices=[])
        if not self.window.start(EngineSource(engine=engine)):
            raise SourceError(self.window.banner.text())

    def run_for(self, seconds: float) -> dict:
        """Animate for ``seconds``; return what the window reached: ``fps`` and ``n_paints`` of the output view."""
        view = self.window.views["output"]
        n_paints_before = view.n_paints
        start_s = time.monotonic()
        loop = QEventLoop()
        QTimer.singleShot(int(1000 * seconds), loop.quit)
        loop.exec()
        n_paints = view.n_paints - n_paints_before
        return {"fps": n_paints / (time.monotonic() - start_s), "n_paints": n_paints}

    def close(self) -> None:
        self.window.close()
        self.app.processEvents()
        self._settings_dir.cleanup()


def watch(engine: EngineProcess, seconds: float) -> dict:
    """Open the app on a running engine, animating for ``seconds``, then close it (``bench e2e --gui``)."""
    gui = HeadlessGui(engine)
    try:
        return gui.run_for(seconds)
    finally:
        gui.close()
