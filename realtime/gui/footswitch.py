"""Footswitch: the app's MIDI footswitch, whose presses reach the window's thread as a Qt signal.

The same bindings as ``run --midi-in`` (``MidiBinding``: bypass and mute from a note or a controller),
read by the same ``MidiInput``, which polls the port on a thread of its own. That thread never touches
a widget: it emits ``pressed(action, on, what)``, which the window connects with a queued connection,
so the window's thread moves its own Bypass and Mute controls, exactly as a click does. The window
tells the footswitch when those controls move (``follow``), so a toggling switch flips what the
window shows, whoever set it last.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from livedenoise.realtime.midi_footswitch import MidiBinding, MidiControls, MidiError, MidiInput

CLIENT_NAME = "livedenoise-gui-midi"


def footswitch_bindings(bypass: str, mute: str) -> list[MidiBinding]:
    """The bindings in the settings' words (``""``: none); ``MidiError`` naming the one that does not parse."""
    bindings = []
    for action, text in (("bypass", bypass), ("mute", mute)):
        if text:
            try:
                bindings.append(MidiBinding.parse(action, text))
            except MidiError as exc:
                raise MidiError(f"{action}: {exc}") from None
    return bindings


class Footswitch(QObject):
    pressed = Signal(str, bool, str)  # (action, on, what moved it: "cc 64"), emitted on the MIDI thread

    def __init__(self, port: str, bindings: list[MidiBinding], parent: QObject | None = None) -> None:
        """Listen to the first MIDI input port whose name contains ``port``; ``MidiError`` when none does."""
        super().__init__(parent)
        self.controls = MidiControls(bindings)
        self._input = MidiInput(port, self.controls, self._changed, client_name=CLIENT_NAME)
        self.port_name = self._input.port_name

    def follow(self, action: str, on: bool) -> None:
        """The window's ``action`` control is now ``on`` (the window's thread; a dict item set is atomic)."""
        if action in self.controls.state:
            self.controls.state[action] = on

    def close(self) -> None:
        """Stop listening and let the port go; the object goes with the window's next turn."""
        self._input.close()
        self.deleteLater()

    def _changed(self, binding: MidiBinding, on: bool) -> None:
        self.pressed.emit(binding.action, on, binding.describe())
