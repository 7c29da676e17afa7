"""The app's MIDI footswitch, from a real MIDI port on a JACK server: a press moves the window's own Bypass and
Mute controls on the window's thread, as a click does (the engine follows), toggles flip what the window shows,
the port and bindings typed in the panel are kept, a port that is not there is said in the banner, and the
footswitch listens again once a lost server is back."""

from __future__ import annotations

import importlib.util
import math
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from components import require
from livedenoise.realtime.gui.gui_settings import GuiSettings, load_settings
from midi_pedal import PedalProcess

LIVEDENOISE = str(Path(sys.executable).parent / "livedenoise")
PRESS_TIMEOUT_MS = 10000
START_TIMEOUT_MS = 60000
CC = 0xB0
NOTE_ON = 0x90
NOTE_OFF = 0x80


@pytest.fixture
def pedal(jack_servers):
    """A virtual JACK MIDI output port named "pedal" on a fresh server: the footswitch."""
    require(importlib.util.find_spec("rtmidi") is not None, "python-rtmidi (pip install 'livedenoise[midi]')")
    import rtmidi

    jack_servers()
    out = rtmidi.MidiOut(rtapi=rtmidi.API_UNIX_JACK, name="test-footswitch")
    out.open_virtual_port("pedal")
    yield out
    out.close_port()
    out.delete()


def threads_of(checkbox) -> list[threading.Thread]:
    """The threads ``checkbox`` is moved on (a direct connection runs in the thread that moved it)."""
    threads = []
    checkbox.toggled.connect(lambda _: threads.append(threading.current_thread()), Qt.ConnectionType.DirectConnection)
    return threads


def test_presses_move_bypass_and_mute_as_clicks_do_and_the_engine_follows(pedal, make_window, qtbot, note_file):
    window = make_window(
        mode="file",
        file_path=str(note_file(220.0)),
        model="dsp",
        midi_port="pedal",
        midi_bypass="cc:64",
        midi_mute="note:60:hold",
    )
    assert window.footswitch is not None and "pedal" in window.footswitch.port_name, window.banner.text()
    assert window.start(), window.banner.text()
    engine = window.source.engine
    moved_on = [threads_of(window.controls.bypass), threads_of(window.controls.mute)]

    pedal.send_message([CC, 64, 127])  # the pedal down
    qtbot.waitUntil(window.controls.bypass.isChecked, timeout=PRESS_TIMEOUT_MS)
    qtbot.waitUntil(lambda: engine.state()["bypass"] is True, timeout=PRESS_TIMEOUT_MS)
    assert window.settings.bypass is True and "MIDI cc 64: bypass on" in window.statusBar().currentMessage()

    pedal.send_message([NOTE_ON, 60, 100])
    qtbot.waitUntil(window.controls.mute.isChecked, timeout=PRESS_TIMEOUT_MS)
    qtbot.waitUntil(lambda: engine.state()["output_gain_db"] == -math.inf, timeout=PRESS_TIMEOUT_MS)
    pedal.send_message([NOTE_OFF, 60, 0])  # held only
    qtbot.waitUntil(lambda: not window.controls.mute.isChecked(), timeout=PRESS_TIMEOUT_MS)
    qtbot.waitUntil(lambda: engine.state()["output_gain_db"] == 0.0, timeout=PRESS_TIMEOUT_MS)

    pedal.send_message([CC, 64, 0])
    qtbot.waitUntil(lambda: not window.controls.bypass.isChecked(), timeout=PRESS_TIMEOUT_MS)
    qtbot.waitUntil(lambda: engine.state()["bypass"] is False, timeout=PRESS_TIMEOUT_MS)
    main = threading.main_thread()
    assert [len(threads) for threads in moved_on] == [2, 2]
    assert all(thread is main for threads in moved_on for thread in threads)


def test_a_toggling_switch_flips_what_the_window_shows_and_the_panel_keeps_its_port(pedal, make_window, qtbot, store):
    window = make_window(mode="preview", model="identity")
    controls = window.controls
    qtbot.keyClicks(controls.midi_bypass, "note:62")
    qtbot.keyClick(controls.midi_bypass, Qt.Key.Key_Return)
    qtbot.keyClicks(controls.midi_port.lineEdit(), "pedal")
    qtbot.keyClick(controls.midi_port.lineEdit(), Qt.Key.Key_Return)
    assert window.footswitch is not None, window.banner.text()

    controls.bypass.click()  # on by hand: the next press turns it off, not on again
    assert controls.bypass.isChecked()
    pedal.send_message([NOTE_ON, 62, 100])
    qtbot.waitUntil(lambda: not controls.bypass.isChecked(), timeout=PRESS_TIMEOUT_MS)
    pedal.send_message([NOTE_OFF, 62, 0])
    pedal.send_message([NOTE_ON, 62, 100])
    qtbot.waitUntil(controls.bypass.isChecked, timeout=PRESS_TIMEOUT_MS)

    kept = load_settings(store, GuiSettings())
    assert (kept.midi_port, kept.midi_bypass, kept.midi_mute, kept.bypass) == ("pedal", "note:62", "", True)


def test_a_port_that_is_not_there_is_said_in_the_banner(pedal, make_window):
    window = make_window(mode="preview", midi_port="no such pedal", midi_mute="cc:11")
    assert window.footswitch is None
    assert "MIDI footswitch: no MIDI input port matches 'no such pedal'" in window.banner.text()
    assert "test-footswitch" in window.banner.text()  # the ports there are


def test_gui_takes_and_keeps_the_footswitch_and_reconnect_flags(tmp_path):
    from livedenoise.realtime.gui.app import settings_store

    settings = tmp_path / "gui.ini"
    command = [LIVEDENOISE, "gui", "--mode", "preview", "--model", "identity", "--settings", str(settings)]
    flags = ["--reconnect", "--midi-bypass", "cc:64", "--midi-mute", "note:60:hold", "--quit-after", "0.5"]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(command + flags, capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    kept = load_settings(settings_store(settings), GuiSettings())
    assert (kept.reconnect, kept.midi_bypass, kept.midi_mute) == (True, "cc:64", "note:60:hold")
    result = subprocess.run(command + ["--midi-bypass", "cc:128"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "--midi-bypass cc:128: expected cc:N or note:N" in result.stderr


def test_the_footswitch_comes_back_with_the_server(jack_servers, make_window, qtbot):
    """A JACK MIDI port goes away with its server: the window opens the footswitch again when it reconnects."""
    require(importlib.util.find_spec("rtmidi") is not None, "python-rtmidi (pip install 'livedenoise[midi]')")
    import rtmidi

    from livedenoise.realtime.gui.gui_settings import DEMO_CLIP

    def plug_pedal():
        out = rtmidi.MidiOut(rtapi=rtmidi.API_UNIX_JACK, name="test-footswitch")
        out.open_virtual_port("pedal")
        return out

    server = jack_servers()
    pedal = plug_pedal()
    try:
        window = make_window(
            mode="file", file_path=str(DEMO_CLIP), model="dsp", reconnect=True, midi_port="pedal", midi_bypass="cc:64"
        )
        assert window.start(), window.banner.text()
        server.kill()
        qtbot.waitUntil(lambda: "waiting for it to come back" in window.banner.summary.text(), timeout=START_TIMEOUT_MS)
        pedal.delete()
        jack_servers(name=server.name)
        pedal = plug_pedal()  # before the window's next try has spawned its engine and loaded a model
        qtbot.waitUntil(lambda: window.running, timeout=START_TIMEOUT_MS)
        assert window.footswitch is not None, window.banner.text()
        pedal.send_message([CC, 64, 127])
        qtbot.waitUntil(window.controls.bypass.isChecked, timeout=PRESS_TIMEOUT_MS)
        qtbot.waitUntil(lambda: window.source.engine.state()["bypass"] is True, timeout=PRESS_TIMEOUT_MS)
    finally:
        pedal.delete()


def picked(picker) -> list[str]:
    """The ports the picker lists when it opens."""
    picker.showPopup()
    names = [picker.itemText(k) for k in range(picker.count())]
    picker.hidePopup()
    return names


def press_bypass(window, pedal, qtbot) -> None:
    """The pedal's bypass switch pressed: the window's Bypass follows."""
    pedal.send(CC, 64, 127)
    qtbot.waitUntil(window.controls.bypass.isChecked, timeout=PRESS_TIMEOUT_MS)


def pick_the_pedal_and_press(window, names: list[str], pedal, qtbot) -> None:
    """The test's pedal picked in the panel as a user picks it; the footswitch opens and hears it."""
    picker = window.controls.midi_port
    picker.setCurrentIndex(names.index("test-footswitch:pedal"))
    picker.activated.emit(picker.currentIndex())
    assert window.footswitch is not None, window.banner.text()
    press_bypass(window, pedal, qtbot)


class DyingRig:
    """A window listening to a pedal (``PedalProcess``) on a JACK server the test kills and brings back."""

    def __init__(self, jack_servers) -> None:
        self._jack_servers = jack_servers
        self.server = jack_servers()
        self.pedal = PedalProcess()

    def open_window(self, make_window):
        self.window = make_window(mode="preview", model="identity", midi_port="pedal", midi_bypass="cc:64")
        assert self.window.footswitch is not None, self.window.banner.text()

    def server_dies(self) -> None:
        self.server.kill()
        self.pedal.close()

    def server_returns(self) -> None:
        self._jack_servers(name=self.server.name)
        self.pedal = PedalProcess()


@pytest.fixture
def rig(jack_servers, make_window):
    """A ``DyingRig`` with its window open; its pedal goes at the end, whatever happened."""
    rig = DyingRig(jack_servers)
    try:
        rig.open_window(make_window)
        yield rig
    finally:
        rig.pedal.close()


def test_the_picker_lists_and_opens_ports_after_the_server_died_and_returned_while_stopped(rig, qtbot):
    """The window's footswitch was left on a server that died while nothing ran: listing the ports again
    and opening the one picked never make a second client of this process beside it (libjack would crash)."""
    rig.server_dies()
    rig.server_returns()
    picker = rig.window.controls.midi_port
    names = picked(picker)
    assert "test-footswitch:pedal" in names, names
    pick_the_pedal_and_press(rig.window, names, rig.pedal, qtbot)
    rig.window.close()  # the footswitch let go while the test's server lives


def test_the_picker_says_why_it_lists_nothing_while_the_server_is_away_and_lets_the_footswitch_go(rig, qtbot):
    window = rig.window
    rig.server_dies()
    picker = window.controls.midi_port
    names = picked(picker)
    assert names[0] == "" and len(names) == 2 and "JACK server not running" in names[1], names
    assert not picker.model().item(1).isEnabled()  # a reason, not a port to pick
    assert window.footswitch is None  # the server is seen gone: its client is let go now
    assert "went away; pick it again when it is back" in window.statusBar().currentMessage()
    rig.server_returns()
    names = picked(picker)
    pick_the_pedal_and_press(window, names, rig.pedal, qtbot)
    window.close()


def test_a_start_listens_afresh_after_the_server_died_and_returned_while_stopped(rig, qtbot):
    rig.server_dies()
    rig.server_returns()
    assert rig.window.start(), rig.window.banner.text()
    press_bypass(rig.window, rig.pedal, qtbot)
    rig.window.close()
