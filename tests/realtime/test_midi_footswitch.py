"""The footswitch: bindings parsed, messages (mido's) turned into bypass and mute changes, and, on a JACK
server, a controller sent from a MIDI port reaching `livedenoise run`'s engine."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import mido
import pytest

from components import require
from livedenoise.realtime.midi_footswitch import MidiBinding, MidiControls, MidiError

LIVEDENOISE = str(Path(sys.executable).parent / "livedenoise")


def cc(number: int, value: int, channel: int = 0):
    return mido.Message("control_change", control=number, value=value, channel=channel)


def note(number: int, on: bool = True):
    return mido.Message("note_on" if on else "note_off", note=number, velocity=100 if on else 0)


@pytest.mark.parametrize(
    "text,kind,number,mode",
    [
        ("cc:64", "cc", 64, "follow"),
        ("CC:11:toggle", "cc", 11, "toggle"),
        ("note:60", "note", 60, "toggle"),
        ("note:40:hold", "note", 40, "hold"),
    ],
)
def test_bindings_parse(text, kind, number, mode):
    assert MidiBinding.parse("bypass", text) == MidiBinding("bypass", kind, number, mode)


@pytest.mark.parametrize("text", ["cc", "cc:128", "cc:x", "note:60:follow", "cc:64:hold", "pc:1"])
def test_bad_bindings_say_what_is_expected(text):
    with pytest.raises(MidiError, match="cc|note"):
        MidiBinding.parse("bypass", text)


def changes(controls: MidiControls, messages) -> list[tuple[str, bool]]:
    return [(binding.action, on) for message in messages for binding, on in controls.handle(message)]


def test_a_latching_controller_is_followed_on_any_channel():
    controls = MidiControls([MidiBinding.parse("bypass", "cc:64")])
    assert changes(controls, [cc(64, 127), cc(64, 127, channel=3), cc(65, 0), cc(64, 0), cc(64, 63)]) == [
        ("bypass", True),
        ("bypass", False),
    ]


def test_a_momentary_controller_toggles_at_each_press():
    controls = MidiControls([MidiBinding.parse("bypass", "cc:64:toggle")])
    presses = [cc(64, 127), cc(64, 0), cc(64, 127), cc(64, 0), cc(64, 127)]
    assert changes(controls, presses) == [("bypass", True), ("bypass", False), ("bypass", True)]


def test_notes_toggle_or_hold_and_two_actions_go_their_own_ways():
    controls = MidiControls([MidiBinding.parse("bypass", "note:60"), MidiBinding.parse("mute", "note:62:hold")])
    messages = [note(60), note(60, on=False), note(62), note(60), note(62, on=False)]
    assert changes(controls, messages) == [("bypass", True), ("mute", True), ("bypass", False), ("mute", False)]
    assert controls.state == {"bypass": False, "mute": False}


def test_a_controller_from_a_jack_midi_port_bypasses_run(jack_servers, tmp_path):
    require(importlib.util.find_spec("rtmidi") is not None, "python-rtmidi (pip install 'livedenoise[midi]')")
    import rtmidi

    jack_servers()
    footswitch = rtmidi.MidiOut(rtapi=rtmidi.API_UNIX_JACK, name="test-footswitch")
    footswitch.open_virtual_port("pedal")
    out_path = tmp_path / "out.txt"
    with open(out_path, "w") as out:
        process = subprocess.Popen(
            [
                LIVEDENOISE,
                "run",
                "--model",
                "dsp",
                "--midi-in",
                "pedal",
                "--midi-bypass",
                "cc:64",
                "--midi-mute",
                "note:60:hold",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "JACK_NO_START_SERVER": "1"},
        )
    try:

        def wait_for(text: str) -> None:
            deadline = time.monotonic() + 120
            while text not in out_path.read_text():
                assert process.poll() is None and time.monotonic() < deadline, out_path.read_text()
                time.sleep(0.1)

        wait_for("latency ")
        footswitch.send_message([0xB0, 64, 127])  # the pedal down
        wait_for("MIDI cc 64: bypass on")
        wait_for("| bypass")  # the engine says it runs bypassed
        footswitch.send_message([0x90, 60, 100])
        wait_for("MIDI note 60: mute on")
        wait_for("| muted")
        footswitch.send_message([0xB0, 64, 0])
        wait_for("MIDI cc 64: bypass off")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0, out_path.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        footswitch.close_port()
        footswitch.delete()
