"""A MIDI footswitch: bypass, and mute while tuning, from a note or a controller (CC).

``MidiBinding.parse("cc:64")`` binds an action to controller 64: on at values 64-127, off below,
as a latching switch sends them; ``cc:64:toggle`` flips at each press instead (a momentary switch
that sends 127 then 0). ``note:60`` flips at each press of note 60; ``note:60:hold`` is on while the
note is held. Any MIDI channel. ``MidiControls`` turns messages (mido's) into ``(action, on)``
changes; ``MidiInput`` reads a port through python-rtmidi, ALSA's or JACK's, whichever has it;
``input_port_names`` lists the ports there are (the app's picker lists them from a child process:
``midi_port_list``).

The port is polled from a thread of this process every ``POLL_S``, never given a callback: with
JACK, rtmidi calls a callback from the server's process thread, which would then wait for this
process's interpreter lock, and a late cycle there is a click for every client of the server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from livedenoise.models.errors import LivedenoiseError

ACTIONS = ("bypass", "mute")
POLL_S = 0.002  # a footswitch acts within a few milliseconds
ON_VALUE = 64  # controller values 64-127 are on, as for a sustain pedal


class MidiError(LivedenoiseError, ValueError):
    """A binding that does not parse, a port not found, or MIDI missing here; the message says which."""


@dataclass(frozen=True)
class MidiBinding:
    action: str
    kind: str  # "cc" or "note"
    number: int
    mode: str  # "follow" (cc), "toggle", "hold" (note)

    @classmethod
    def parse(cls, action: str, text: str) -> MidiBinding:
        parts = text.lower().split(":")
        if action not in ACTIONS:
            raise MidiError(f"unknown action {action!r}; one of {', '.join(ACTIONS)}")
        if len(parts) not in (2, 3) or parts[0] not in ("cc", "note") or not parts[1].isdigit() or int(parts[1]) > 127:
            raise MidiError(f"expected cc:N or note:N (N 0-127), optionally :toggle or :hold; got {text!r}")
        kind, number = parts[0], int(parts[1])
        modes = ("follow", "toggle") if kind == "cc" else ("toggle", "hold")
        mode = parts[2] if len(parts) == 3 else modes[0]
        if mode not in modes:
            raise MidiError(f"{kind} takes {' or '.join(modes)}, got {mode!r}")
        return cls(action, kind, number, mode)

    def describe(self) -> str:
        return f"{self.kind} {self.number}"


class MidiControls:
    """The bindings' states, moved by messages."""

    def __init__(self, bindings: list[MidiBinding]) -> None:
        self.bindings = bindings
        self.state = {b.action: False for b in bindings}
        self._pressed = {b: False for b in bindings}

    def handle(self, message) -> list[tuple[MidiBinding, bool]]:
        """The actions ``message`` (a mido message) changes, with their new state."""
        changes = []
        for binding in self.bindings:
            pressed = self._pressed_by(binding, message)
            if pressed is None:
                continue
            was_pressed, self._pressed[binding] = self._pressed[binding], pressed
            on = self.state[binding.action]
            if binding.mode in ("follow", "hold"):
                on = pressed
            elif pressed and not was_pressed:  # toggle: at each press
                on = not on
            if on != self.state[binding.action]:
                self.state[binding.action] = on
                changes.append((binding, on))
        return changes

    @staticmethod
    def _pressed_by(binding: MidiBinding, message) -> bool | None:
        if binding.kind == "cc":
            if message.type == "control_change" and message.control == binding.number:
                return message.value >= ON_VALUE
            return None
        if message.type in ("note_on", "note_off") and message.note == binding.number:
            return message.type == "note_on" and message.velocity > 0
        return None


def _midi_modules():
    """``(mido, rtmidi)``, or ``MidiError`` saying how to install them."""
    try:
        import mido
        import rtmidi
    except ImportError as exc:
        raise MidiError(
            f"MIDI needs mido and python-rtmidi ({exc.name} is missing): pip install 'livedenoise[midi]'"
        ) from exc
    return mido, rtmidi


def _midi_inputs(client_name: str, unavailable: list[str] | None = None):
    """An rtmidi input on each API compiled in that has a sequencer or a server here, in order of preference;
    why each other one has none is appended to ``unavailable`` ("JACK: JACK server not running?")."""
    _, rtmidi = _midi_modules()
    compiled = rtmidi.get_compiled_api()
    for api in (rtmidi.API_LINUX_ALSA, rtmidi.API_UNIX_JACK, rtmidi.API_MACOSX_CORE, rtmidi.API_WINDOWS_MM):
        if api not in compiled:
            continue
        try:
            yield rtmidi.MidiIn(rtapi=api, name=client_name)
        except (rtmidi.SystemError, RuntimeError) as exc:
            # no server or sequencer for this API here; RtMidi's words start with its own method's name
            if unavailable is not None:
                why = str(exc).split(": ", 1)[-1]
                unavailable.append(f"{rtmidi.get_api_display_name(api).upper()}: {why}")


def input_port_names(client_name: str = "livedenoise-midi", unavailable: list[str] | None = None) -> list[str]:
    """The MIDI input ports there are now, on every API (why an API has none goes to ``unavailable``);
    ``MidiError`` when MIDI is not installed."""
    names = []
    for midi_in in _midi_inputs(client_name, unavailable):
        names += midi_in.get_ports()
        midi_in.delete()
    return names


class MidiInput:
    """The first MIDI input port whose name contains ``port`` (on any of rtmidi's APIs), polled on a
    thread; ``apply(binding, on)`` is called there for each change ``controls`` makes."""

    def __init__(
        self,
        port: str,
        controls: MidiControls,
        apply: Callable[[MidiBinding, bool], None],
        client_name: str = "livedenoise-midi",
    ) -> None:
        mido, _ = _midi_modules()
        self._from_bytes = mido.Message.from_bytes
        self.controls = controls
        self.apply = apply
        seen = []
        self._midi_in = None
        for midi_in in _midi_inputs(client_name):
            names = midi_in.get_ports()
            seen += names
            match = next((k for k, name in enumerate(names) if port.lower() in name.lower()), None)
            if match is not None:
                midi_in.open_port(match, name="in")
                self._midi_in, self.port_name = midi_in, names[match]
                break
            midi_in.delete()
        if self._midi_in is None:
            listing = "; ".join(seen) if seen else "none"
            raise MidiError(f"no MIDI input port matches {port!r} (ports: {listing})")
        self._running = True
        self._thread = threading.Thread(target=self._poll, name="livedenoise-midi", daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        stop = threading.Event()
        while self._running:
            event = self._midi_in.get_message()
            if event is None:
                stop.wait(POLL_S)
                continue
            try:
                message = self._from_bytes(event[0])
            except ValueError:
                continue  # not a message (a running status fragment, SysEx): nothing to act on
            for binding, on in self.controls.handle(message):
                self.apply(binding, on)

    def close(self) -> None:
        self._running = False
        self._thread.join(1.0)
        self._midi_in.close_port()
        self._midi_in.delete()
