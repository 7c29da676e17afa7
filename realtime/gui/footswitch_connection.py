"""FootswitchConnection: the window's hold on its MIDI footswitch, opened, followed and let go.

It listens to the settings' MIDI port with their bindings (``Footswitch``), opened afresh at each start
and whenever a ``midi_`` setting changes. It is let go (``close``) when the audio goes away and when the
port picker no longer lists its port: a JACK client of this process left on a server that died would
crash the next one made here. The window tells it where its Bypass and Mute controls stand
(``follow``), so a toggling switch flips what the window shows.

It speaks to the window through signals, on the window's thread: ``switched(action, on)`` asks for the
Bypass or Mute control to move as a click moves it, then ``said(message, timeout_ms)`` puts the
press, or the port's coming and going, in the status bar. ``open`` returns a problem in words for the
banner rather than raising.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal

from livedenoise.realtime.gui.footswitch import Footswitch, footswitch_bindings
from livedenoise.realtime.gui.gui_settings import GuiSettings
from livedenoise.realtime.midi_footswitch import MidiError

OPENED_MESSAGE_MS = 5000
GONE_MESSAGE_MS = 10000
PRESS_MESSAGE_MS = 3000


class FootswitchConnection(QObject):
    switched = Signal(str, bool)  # (action: "bypass" or "mute", on)
    said = Signal(str, int)  # (message, how long the status bar shows it, ms)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.footswitch: Footswitch | None = None  # the one listened to, None when no port is (or can be)

    def open(self, settings: GuiSettings, mute_on: bool, announce: bool = True) -> str | None:
        """Listen to ``settings``' MIDI port with their bindings (or to none), the controls standing at
        ``settings.bypass`` and ``mute_on``; the port said in the status bar (``announce``). The problem, in
        words for the banner, when it cannot."""
        self.close()
        try:
            bindings = footswitch_bindings(settings.midi_bypass, settings.midi_mute)
            if not settings.midi_port or not bindings:
                return None
            footswitch = Footswitch(settings.midi_port, bindings, parent=self)
        except MidiError as exc:
            return f"MIDI footswitch: {exc}"
        footswitch.pressed.connect(self._pressed, Qt.ConnectionType.QueuedConnection)
        footswitch.follow("bypass", settings.bypass)
        footswitch.follow("mute", mute_on)
        self.footswitch = footswitch
        if announce:
            self.said.emit(f"MIDI footswitch: {footswitch.port_name}", OPENED_MESSAGE_MS)
        return None

    def close(self) -> None:
        """Let the port go (a JACK MIDI port goes with its server: closed before the server is seen again)."""
        footswitch, self.footswitch = self.footswitch, None
        if footswitch is not None:
            footswitch.close()

    def follow(self, action: str, on: bool) -> None:
        """The window's ``action`` control ("bypass", "mute") now stands at ``on``."""
        if self.footswitch is not None:
            self.footswitch.follow(action, on)

    def ports_listed(self, names: list[str]) -> None:
        """The picker listed the ports there are: a footswitch whose port is not among them (its server or
        its device went away) is let go now, before anything opens another MIDI client here."""
        footswitch = self.footswitch
        if footswitch is not None and footswitch.port_name not in names:
            self.close()
            self.said.emit(
                f"MIDI footswitch: {footswitch.port_name} went away; pick it again when it is back", GONE_MESSAGE_MS
            )

    def _pressed(self, action: str, on: bool, what: str) -> None:
        # On this thread (queued from the MIDI one): the control moves first, then the press is said.
        self.switched.emit(action, on)
        self.said.emit(f"MIDI {what}: {action} {'on' if on else 'off'}", PRESS_MESSAGE_MS)
