"""The controls a musician reaches for, live on a JACK server: the input channel heard, the recording
written from the controlling process, and the flags' mistakes in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from livedenoise.bench.e2e import PROBE_CLIENT, LoopbackProbe, jack_ports, jack_rewire, measure_lags
from livedenoise.realtime.engine.devices import find_device, use_jack_client_name
from livedenoise.realtime.engine.process import EngineProcess, EngineSettings

LIVEDENOISE = str(Path(sys.executable).parent / "livedenoise")


def livedenoise(*args, **popen) -> subprocess.CompletedProcess:
    return subprocess.run([LIVEDENOISE, *map(str, args)], capture_output=True, text=True, timeout=240, **popen)


@pytest.mark.parametrize("wired_to,heard", [(2, True), (1, False)])
def test_the_input_channel_asked_for_is_the_one_heard(jack_server, wired_to, heard):
    """A guitar on input 2: the engine hears its second input port, and only that one."""
    use_jack_client_name(PROBE_CLIENT)
    engine = EngineProcess(
        EngineSettings(input_device="system", output_device="system", model="identity", input_channels=(2,))
    )
    engine.start()
    try:
        probe = LoopbackProbe(find_device("system", "input").index, 48000, 128, 4.0, client_name=PROBE_CLIENT)
        try:
            ports = jack_ports("livedenoise")  # PortAudio names them in_0, in_1..., out_0...
            inputs = sorted(p for p in ports if ":in" in p)
            assert len(inputs) == 2  # the stream opens as many inputs as reach channel 2
            jack_rewire(probe.output_port, inputs[wired_to - 1])
            jack_rewire(sorted(p for p in ports if ":out" in p)[0], probe.input_port)
            measure_lags(probe, n_bursts=1)
            loudest = float(np.abs(probe.recording).max())
        finally:
            probe.close()
    finally:
        engine.stop()
    assert (loudest > 0.1) == heard, loudest


def test_run_records_the_denoised_signal_from_its_own_process(jack_servers, tmp_path):
    jack_servers()
    tone = tmp_path / "tone.wav"
    t = np.arange(2 * 48000) / 48000
    sf.write(tone, (0.3 * np.sin(2 * np.pi * 440.0 * t)).astype(np.float32), 48000, subtype="FLOAT")
    out = tmp_path / "take.flac"
    result = livedenoise(
        "run",
        "--file",
        tone,
        "--output",
        "system",
        "--model",
        "identity",
        "--record",
        out,
        "--seconds",
        "3",
        preexec_fn=lambda: os.umask(0o022),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    recorded, rate = sf.read(out, dtype="float32")
    assert rate == 48000 and recorded.ndim == 1 and recorded.size > 1.5 * 48000
    assert f"recorded {recorded.size / 48000:.1f} s to {out}" in result.stdout
    steady = recorded[recorded.size // 4 :]
    assert np.sqrt(np.mean(steady**2)) == pytest.approx(0.3 / np.sqrt(2), rel=0.02)  # the tone, whole
    assert out.stat().st_mode & 0o777 == 0o644 and not list(tmp_path.glob(".*.part"))


@pytest.mark.parametrize(
    ("flags", "code", "words"),
    [
        (["--input-channels", "0"], 2, "--input-channels: channels are numbered 1-64"),
        (["--input-channels", "1,1"], 2, "each once"),
        (["--input-channels", "1,2", "--channels", "3"], 2, "give one of them"),
        (["--gain-db", "30"], 2, "--gain-db: must be from -120 to 24"),
        (["--record", "take.mp3"], 2, "cannot record to take.mp3"),
        (["--input-channels", "3"], 1, "--input-channels 3: input device"),
    ],
)
def test_control_mistakes_are_one_line_naming_the_flag(jack_servers, tmp_path, flags, code, words):
    jack_servers()
    result = livedenoise("run", "--model", "dsp", "--seconds", "1", *flags, cwd=tmp_path)
    assert result.returncode == code, result.stdout + result.stderr
    assert words in result.stderr and "Traceback" not in result.stderr
