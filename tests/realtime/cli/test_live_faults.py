"""`run` and `tune` when the JACK server goes away or the engine process dies: one line saying which
and status 1, never an abort; with --reconnect they wait for it to come back and resume, the MIDI
footswitch listening again."""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import soundfile as sf

from components import require
from livedenoise.realtime.tuner.tuner import Tuner

LIVEDENOISE = str(Path(sys.executable).parent / "livedenoise")
TIMEOUT_S = 120


class Live:
    """A live command in its own process, its output in files (a pipe nobody drains would stall it)."""

    def __init__(self, tmp_path: Path, *args: str) -> None:
        self.out_path, self.err_path = tmp_path / "out.txt", tmp_path / "err.txt"
        with open(self.out_path, "w") as out, open(self.err_path, "w") as err:
            self.process = subprocess.Popen(
                [LIVEDENOISE, *args, "--model", "dsp"],
                stdout=out,
                stderr=err,
                env={**os.environ, "JACK_NO_START_SERVER": "1"},
            )

    def output(self) -> str:
        return self.out_path.read_text() + self.err_path.read_text()

    def wait_for(self, pattern: str, count: int = 1) -> re.Match:
        """The ``count``-th match of ``pattern`` in the output, waited for."""
        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline:
            matches = list(re.finditer(pattern, self.output()))
            if len(matches) >= count:
                return matches[count - 1]
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        pytest.fail(f"no {pattern!r} ({count}) in the output (exit {self.process.poll()}):\n{self.output()}")

    def wait(self) -> int:
        try:
            return self.process.wait(timeout=TIMEOUT_S)
        finally:
            if self.process.poll() is None:
                self.process.kill()

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.wait()


def engine_pid(match: re.Match) -> int:
    return int(match.group(1))


@pytest.mark.parametrize("command", ["run", "tune"])
def test_the_server_going_away_ends_in_words_and_status_1(jack_servers, tmp_path, command):
    server = jack_servers()
    live = Live(tmp_path, command)
    live.wait_for(r"latency ")
    time.sleep(1.0)
    server.kill()
    code = live.wait()
    output = live.output()
    assert code == 1, output
    assert f"livedenoise {command}: error: the audio device or its server went away" in output
    assert "--reconnect" in output
    assert "Assertion" not in output and "Traceback" not in output


def test_run_reconnect_waits_for_the_server_and_resumes(jack_servers, tmp_path):
    server = jack_servers()
    live = Live(tmp_path, "run", "--reconnect")
    first = live.wait_for(r"engine process (\d+)")
    live.wait_for(r"latency ")
    time.sleep(1.0)
    server.kill()
    live.wait_for(r"went away.*waiting for it to come back")
    time.sleep(1.0)  # a start or two fails meanwhile
    jack_servers(name=server.name)
    resumed = live.wait_for(r"resumed .* \(engine process (\d+)\)")
    assert engine_pid(resumed) != engine_pid(first)
    live.wait_for(r"latency ", count=2)
    assert live.stop() == 0, live.output()
    assert "ran " in live.output() and "Assertion" not in live.output()


def test_tune_reconnect_records_on_across_the_servers_return(jack_servers, tmp_path):
    """The take is one file: what came before the server went away, then what came after it returned."""
    server = jack_servers()
    out = tmp_path / "take.flac"
    live = Live(tmp_path, "tune", "--reconnect", "--record", str(out))
    live.wait_for(r"latency ")
    time.sleep(1.5)
    server.kill()
    live.wait_for(r"went away.*waiting for it to come back")
    jack_servers(name=server.name)
    live.wait_for(r"resumed ")
    live.wait_for(r"latency ", count=2)
    time.sleep(1.5)
    assert live.stop() == 0, live.output()
    recorded = sf.info(str(out))
    assert f"recorded {recorded.frames / 48000:.1f} s to {out}" in live.output()
    n_readings = int(re.search(r"tuned [0-9.]+ s: (\d+) readings", live.output()).group(1))
    assert recorded.frames >= 2.5 * 48000 and recorded.frames >= n_readings * Tuner(48000).hop_samples


def plug_pedal():
    """A virtual JACK MIDI output port named "pedal" on the default server: the footswitch."""
    require(importlib.util.find_spec("rtmidi") is not None, "python-rtmidi (pip install 'livedenoise[midi]')")
    import rtmidi

    pedal = rtmidi.MidiOut(rtapi=rtmidi.API_UNIX_JACK, name="test-footswitch")
    pedal.open_virtual_port("pedal")
    return pedal


@pytest.mark.parametrize("command", ["run", "tune"])
def test_reconnect_listens_to_the_footswitch_again_after_the_servers_return(jack_servers, tmp_path, command):
    """A JACK MIDI port goes with its server: the command lets it go, and opens it again once it resumes."""
    server = jack_servers()
    pedal = plug_pedal()
    try:
        live = Live(tmp_path, command, "--reconnect", "--midi-in", "pedal", "--midi-bypass", "cc:64")
        live.wait_for(r"latency ")
        pedal.send_message([0xB0, 64, 127])  # the pedal down
        live.wait_for(r"MIDI cc 64: bypass on")
        server.kill()
        live.wait_for(r"went away.*waiting for it to come back")
        pedal.delete()  # this process's client on the dead server goes before the next one opens
        jack_servers(name=server.name)
        pedal = plug_pedal()
        live.wait_for(r"resumed ")
        live.wait_for(r"MIDI footswitch: listening to \S*pedal again")
        pedal.send_message([0xB0, 64, 0])
        live.wait_for(r"MIDI cc 64: bypass off")
        assert live.stop() == 0, live.output()
        assert "Assertion" not in live.output() and "Traceback" not in live.output()
    finally:
        pedal.delete()


@pytest.mark.parametrize("command", ["run", "tune"])
def test_a_footswitch_port_that_is_not_there_ends_in_one_line_and_leaves_no_take(jack_servers, tmp_path, command):
    require(importlib.util.find_spec("rtmidi") is not None, "python-rtmidi (pip install 'livedenoise[midi]')")
    jack_servers()
    take = tmp_path / "take.flac"
    live = Live(tmp_path, command, "--midi-in", "no-such-pedal", "--midi-bypass", "cc:64", "--record", str(take))
    code = live.wait()
    output = live.output()
    assert code == 1, output
    assert f"livedenoise {command}: error: --midi-in no-such-pedal:" in output
    assert "Traceback" not in output
    assert list(tmp_path.glob("*take.flac*")) == []  # nor the hidden part file a take is written to


def test_a_killed_engine_process_is_said_and_ends_run_with_status_1(jack_servers, tmp_path):
    jack_servers()
    live = Live(tmp_path, "run")
    pid = engine_pid(live.wait_for(r"engine process (\d+)"))
    live.wait_for(r"latency ")
    os.kill(pid, signal.SIGKILL)
    assert live.wait() == 1, live.output()
    assert "livedenoise run: error: the engine process stopped: killed by signal SIGKILL" in live.output()


def test_run_reconnect_restarts_a_killed_engine_process(jack_servers, tmp_path):
    jack_servers()
    live = Live(tmp_path, "run", "--reconnect")
    pid = engine_pid(live.wait_for(r"engine process (\d+)"))
    live.wait_for(r"latency ")
    os.kill(pid, signal.SIGKILL)
    resumed = live.wait_for(r"resumed .* \(engine process (\d+)\)")
    assert engine_pid(resumed) != pid
    assert "killed by signal SIGKILL; waiting" in live.output()
    assert live.stop() == 0, live.output()


def test_the_process_that_drives_the_engine_is_no_client_of_the_server(jack_servers):
    """Only the engine process loads PortAudio, whose JACK back end joins the server once initialised."""
    jack_servers()
    script = (
        "import sys\n"
        "from livedenoise.realtime.engine.process import EngineProcess, EngineSettings\n"
        "with EngineProcess(EngineSettings(model='identity')) as engine:\n"
        "    assert engine.state()['running']\n"
        "print('sounddevice' in sys.modules, '_sounddevice' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=TIMEOUT_S)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]
