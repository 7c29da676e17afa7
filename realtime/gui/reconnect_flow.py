"""ReconnectFlow: the audio going away, said in the banner, and brought back once or until it runs.

When the running source stops by itself (``source_lost``: the audio device or its server went away, or
the engine process died) the flow words what went away, with the source's own words under it. With
"Reconnect automatically" (and not a preview) it waits for the audio to come back, trying off the
window's thread with a ``Reconnector`` as ``run --reconnect`` does; otherwise it waits for the banner's
Reconnect button (``try_now``: one try, or the waiting one's next try at once). A take held open
meanwhile is named in the banner: it goes on when the audio is back.

It speaks to the window through signals, on the window's thread: ``lost_said(message)`` for the banner
(with its Reconnect button) and the status bar, ``resumed(source)`` with a started source the window
takes over. The window tells it when the banner shows something else (``banner_replaced``) and when a
source runs (``source_running``). ``open_source_now()`` gives, at each lost audio, the function that
makes a source on the reconnector's thread; ``settings()`` and ``take_name()`` are read as they are.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal

from livedenoise.realtime.gui.gui_settings import GuiSettings
from livedenoise.realtime.gui.reconnector import Reconnector
from livedenoise.realtime.gui.tap_source import SourceEvent, TapSource

WAITING = "waiting for it to come back…"
PRESS_RECONNECT = "press Reconnect to try again"


class ReconnectFlow(QObject):
    lost_said = Signal(str)  # the whole message: what went away, what is done about it, the words under it
    resumed = Signal(object)  # a started TapSource, the window's from now on

    def __init__(
        self,
        open_source_now: Callable[[], Callable[[], TapSource]],
        settings: Callable[[], GuiSettings],
        take_name: Callable[[], str | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._open_source_now = open_source_now
        self._settings = settings
        self._take_name = take_name
        self._reconnector: Reconnector | None = None
        self._lost: tuple[str, str] | None = None  # (what went away, the source's words) until it runs again
        self._lost_shown: tuple[str, str] | None = None  # ``_show_lost``'s words while the banner shows them

    @property
    def reconnecting(self) -> bool:
        """Whether a try to bring the lost audio back is under way (or waiting for its next turn)."""
        return self._reconnector is not None and self._reconnector.active

    def source_running(self) -> None:
        """A source runs: nothing is lost any more."""
        self._lost = self._lost_shown = None

    def banner_replaced(self) -> None:
        """The banner shows something else now: a take that ends leaves it as it is."""
        self._lost_shown = None

    def source_lost(self, faults: list[SourceEvent]) -> None:
        """The running source stopped by itself with ``faults``: say what went away, and wait for it if asked to."""
        gone = (
            "the audio device or its server went away"
            if any(event.kind == "device_lost" for event in faults)
            else "the audio engine stopped"
        )
        self._lost = (gone, "\n".join(event.message for event in faults))
        if self._retries():
            self._reconnect(retry=True)
        else:
            self._show_lost(PRESS_RECONNECT)

    def try_now(self) -> None:
        """Try the lost audio again now: the waiting one's next try, or one try (until one runs, when set so)."""
        if self.reconnecting:
            self._reconnector.try_now()
        elif self._lost is not None:
            self._reconnect(retry=self._retries())

    def setting_changed(self, on: bool) -> None:
        """The "Reconnect automatically" setting turned ``on`` or off while the audio is away."""
        if self._lost is None:
            return
        if on:
            self._reconnect(retry=True)
        elif self.reconnecting:
            self.cancel()
            self._show_lost(PRESS_RECONNECT)

    def take_ended(self) -> None:
        """The take the banner promised has ended: the banner says so no more."""
        if self._lost_shown is not None:
            self._show_lost(*self._lost_shown)

    def cancel(self, wait: bool = False) -> None:
        """Stop trying; ``wait``: until a try under way has finished (the window closes)."""
        reconnector, self._reconnector = self._reconnector, None
        if reconnector is not None and wait:
            reconnector.close()
        elif reconnector is not None:
            reconnector.cancel()

    def _retries(self) -> bool:
        settings = self._settings()
        return settings.reconnect and settings.mode != "preview"

    def _show_lost(self, doing: str, error: str = "") -> None:
        gone, words = self._lost
        take_name = self._take_name()
        take = "" if take_name is None else f"; the take {take_name} goes on when it is back"
        message = f"{gone}; {doing}{take}" + "".join(f"\n{text}" for text in (words, error) if text)
        self.lost_said.emit(message)
        self._lost_shown = (doing, error)

    def _reconnect(self, retry: bool) -> None:
        """Tries off this thread (``retry``: until one runs, else one) of the source for the settings."""
        self.cancel()
        self._reconnector = Reconnector(self._open_source_now(), retry)
        self._reconnector.tried.connect(self._failed, Qt.ConnectionType.QueuedConnection)
        self._reconnector.resumed.connect(self._resumed, Qt.ConnectionType.QueuedConnection)
        self._show_lost(WAITING if retry else "trying again…")

    def _failed(self, reconnector: Reconnector, n_tries: int, error: str) -> None:
        if reconnector is not self._reconnector:
            return  # a cancelled one's last word
        if reconnector.retry:
            self._show_lost(f"{WAITING} (tried {n_tries} time{'s' if n_tries > 1 else ''})", error)
        else:
            self._reconnector = None
            self._show_lost("still not back; press Reconnect to try again", error)

    def _resumed(self, reconnector: Reconnector, source: TapSource) -> None:
        if reconnector is not self._reconnector:
            source.stop()  # cancelled while it started
            return
        self._reconnector = None
        self.resumed.emit(source)
