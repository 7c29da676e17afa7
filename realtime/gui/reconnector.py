"""Reconnector: a lost source tried again off the window's thread, until one runs.

When the audio device or its server goes away, or the engine process dies, the window can try again:
once (its Reconnect button), or until the source runs again ("Reconnect automatically", ``gui
--reconnect``), backing off as ``run --reconnect`` does (``FIRST_RETRY_S``, twice as long each time,
up to ``MAX_RETRY_S``). Each try spawns an engine process that loads the model and opens the devices,
seconds of work, so the tries run on a thread of their own and the window stays live meanwhile.

Outcomes reach the window's thread as Qt signals, to be connected queued: ``tried(reconnector,
n_tries, error)`` after each try that failed, ``resumed(reconnector, source)`` with a started source
(the window owns it from then on). A source that starts after ``cancel`` is stopped here, never handed
over; the reconnector is in each signal so that the window can tell a cancelled one's late word.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from livedenoise.realtime.cli.reconnect import FIRST_RETRY_S, MAX_RETRY_S
from livedenoise.realtime.gui.tap_source import SourceError, TapSource

JOIN_S = 30.0  # a try under way when the window closes: an engine start, bounded by its own timeout


class Reconnector(QObject):
    tried = Signal(object, int, str)
    resumed = Signal(object, object)

    def __init__(self, open_source: Callable[[], TapSource], retry: bool) -> None:
        """``open_source()`` makes the source to try (called on the reconnector's thread); ``retry``: until
        one runs, else once."""
        super().__init__()
        self._open_source = open_source
        self.retry = retry
        self.n_tries = 0
        self._cancelled = False
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._work, name="livedenoise-reconnect", daemon=True)
        self._thread.start()

    @property
    def active(self) -> bool:
        return self._thread.is_alive() and not self._cancelled

    def try_now(self) -> None:
        """End the wait before the next try."""
        self._wake.set()

    def cancel(self) -> None:
        """No more tries; a source that starts after this is stopped, not handed over."""
        self._cancelled = True
        self._wake.set()

    def close(self) -> None:
        """``cancel`` and wait for a try under way to end."""
        self.cancel()
        self._thread.join(JOIN_S)

    def _work(self) -> None:
        wait_s = FIRST_RETRY_S
        while not self._cancelled:
            self.n_tries += 1
            source = None
            try:
                source = self._open_source()
                source.start()
            except SourceError as exc:
                if source is not None:
                    source.stop()
                self.tried.emit(self, self.n_tries, str(exc))
            else:
                if self._cancelled:
                    source.stop()
                else:
                    self.resumed.emit(self, source)
                return
            if not self.retry:
                return
            self._wake.wait(wait_s)
            self._wake.clear()
            wait_s = min(2 * wait_s, MAX_RETRY_S)
