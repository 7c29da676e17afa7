"""LiveFootswitch: ``--midi-in`` for a live command, let go while its engine is lost and opened again when
it resumes.

A JACK MIDI port goes away with its server, and a JACK client that a process left open on a server
that died breaks the next one the process opens once the server is back (libjack releases the dead
one's ports by number on the new server: a segfault). So when the engine stops under ``run`` or
``tune`` the port is closed at once (``lost``), and opened again when the engine streams again
(``resumed``). A port that is not back yet (a footswitch bridged in by a client of its own returns
after the server) is tried again every ``RETRY_S`` from the command's loop (``poll``); the notices say
when it is missing and when it is heard again. The bindings' states carry over: a toggle flips what
the engine runs with.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from livedenoise.realtime.midi_footswitch import MidiBinding, MidiControls, MidiError, MidiInput

RETRY_S = 2.0  # each try opens a MIDI client: often enough for a pedal, rare enough for the server


class LiveFootswitch:
    """Listens to the first MIDI input port whose name contains ``port``; ``apply(binding, on)`` is called
    on the MIDI thread for each change, and lines for the command's loop to print go to ``notices``.
    ``MidiError`` when the port cannot be opened at the start."""

    def __init__(
        self,
        port: str,
        controls: MidiControls,
        apply: Callable[[MidiBinding, bool], None],
        notices: list[str],
    ) -> None:
        self.port = port
        self.controls = controls
        self._apply = apply
        self._notices = notices
        self._input: MidiInput | None = MidiInput(port, controls, apply)
        self._retry_at: float | None = None  # while the port is wanted back: when to try next
        self._said_missing = False

    @property
    def listening(self) -> bool:
        return self._input is not None

    def lost(self) -> None:
        """The engine stopped under the command: let the port go now, before any other MIDI client opens."""
        self._retry_at = None
        self._close_input()

    def resumed(self) -> None:
        """The engine streams again: listen again now, or from ``poll`` once the port is back."""
        self._retry_at = time.monotonic()
        self._said_missing = False
        self.poll()

    def poll(self) -> None:
        """Try the port again when it is wanted back and its turn has come (the command's loop, each turn)."""
        if self._input is not None or self._retry_at is None or time.monotonic() < self._retry_at:
            return
        try:
            self._input = MidiInput(self.port, self.controls, self._apply)
        except MidiError as exc:
            self._retry_at = time.monotonic() + RETRY_S
            if not self._said_missing:
                self._said_missing = True
                self._notices.append(f"MIDI footswitch: {exc}; trying again every {RETRY_S:g} s")
            return
        self._retry_at = None
        self._notices.append(f"MIDI footswitch: listening to {self._input.port_name} again")

    def close(self) -> None:
        self._retry_at = None
        self._close_input()

    def _close_input(self) -> None:
        midi_input, self._input = self._input, None
        if midi_input is not None:
            midi_input.close()
