"""Device listing and choice, on a real JACK server; the CLI's line when there are none."""

from __future__ import annotations

import argparse

import pytest

from livedenoise.realtime.cli import devices as devices_cli
from livedenoise.realtime.engine.devices import DeviceError, find_device, list_devices


def test_lists_the_jack_device(jack_server):
    devices = list_devices()
    jack = [d for d in devices if d.host_api.startswith("JACK")]
    assert jack and jack[0].name == "system" and jack[0].n_input_channels == 2
    assert jack[0].default_sample_rate == jack_server.sample_rate


def test_find_by_index_and_name(jack_server):
    by_name = find_device("syst", "input")
    assert find_device(by_name.index, "output") == by_name
    assert find_device(str(by_name.index), "input") == by_name


@pytest.mark.parametrize(
    "choice, message", [(99, "no device with index 99"), ("no-such-card", "no input device matches")]
)
def test_clear_errors(jack_server, choice, message):
    with pytest.raises(DeviceError, match=message) as info:
        find_device(choice, "input")
    assert "system" in str(info.value)  # the error lists what exists


def test_cli_lists_devices(jack_server, capsys):
    parser = argparse.ArgumentParser()
    devices_cli.configure(parser)
    assert devices_cli.run(parser.parse_args(["--input"])) == 0
    assert "system" in capsys.readouterr().out


def test_cli_says_when_there_are_no_devices(monkeypatch, capsys):
    monkeypatch.setattr(devices_cli, "list_devices", lambda: [])
    parser = argparse.ArgumentParser()
    devices_cli.configure(parser)
    assert devices_cli.run(parser.parse_args([])) == 0
    assert capsys.readouterr().out.strip().startswith("no audio devices")
