"""The controls a musician reaches for, live on a JACK server: the input channel heard, the recording
written from the controlling process (`run`'s, and `tune`'s beside its tuner), and the flags' mistakes
in one line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from livedenoise.bench.e2e import (
    C_CLIENT,
    ENGINE_CLIENT,
    PROBE_CLIENT,
    LoopbackProbe,
    client_ports,
    jack_ports,
    jack_rewire,
    measure_lags,
)
from livedenoise.realtime.engine.devices import find_device, use_jack_client_name
from livedenoise.realtime.engine.process import EngineProcess, EngineSettings
from livedenoise.realtime.tuner.tuner import Tuner

# jack_simple_client plays a table of 200 samples at 0.2 of full scale: 240 Hz at 48 kHz, which is B3
# exactly with A4 at 440 * 240 / 246.94 Hz
C_CLIENT_PERIOD_SAMPLES = 200
C_CLIENT_PEAK = 0.2
B3_AT_240_HZ_REFERENCE = "427.63"

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


def test_tune_records_every_sample_its_tuner_hears(jack_servers, tmp_path):
    """One reader of the tap for two consumers: the recording is the tone the C client played, without a
    gap, and as long as what the tuner read (its readings, one a tuner hop) up to the stop."""
    jack_servers()
    out = tmp_path / "tuned.flac"
    log_path = tmp_path / "tune.txt"
    tone = subprocess.Popen([C_CLIENT], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tune = None
    try:
        with open(log_path, "w") as log:
            tune = subprocess.Popen(
                [LIVEDENOISE, "tune", "--model", "identity", "--reference", B3_AT_240_HZ_REFERENCE]
                + ["--record", str(out), "--seconds", "5"],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "JACK_NO_START_SERVER": "1"},
                preexec_fn=lambda: os.umask(0o022),
            )
        deadline = time.monotonic() + 120
        while "latency " not in log_path.read_text():
            assert tune.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.1)
        engine_input, _ = client_ports(ENGINE_CLIENT)
        jack_rewire(f"{C_CLIENT}:output1", engine_input)
        assert tune.wait(timeout=120) == 0, log_path.read_text()
    finally:
        for process in (tone, tune):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
    output = log_path.read_text()
    recorded, rate = sf.read(out, dtype="float32")
    assert rate == 48000 and recorded.ndim == 1
    assert f"recorded {recorded.size / 48000:.1f} s to {out}" in output
    n_readings = int(re.search(r"tuned [0-9.]+ s: (\d+) readings", output).group(1))
    hop = Tuner(48000).hop_samples
    assert n_readings * hop <= recorded.size <= (n_readings + 1) * hop + 48000 // 5, (n_readings, recorded.size)
    assert "B3" in output  # the tuner heard the tone too
    onset = int(np.argmax(np.abs(recorded) > C_CLIENT_PEAK / 2))
    steady = recorded[onset + 4800 :]
    assert steady.size > 2 * 48000
    # no sample lost or repeated: the tone's period holds across the whole take
    period = C_CLIENT_PERIOD_SAMPLES
    assert np.max(np.abs(steady[period:] - steady[:-period])) < 1e-3
    assert np.max(np.abs(steady)) == pytest.approx(C_CLIENT_PEAK, rel=0.01)
    assert out.stat().st_mode & 0o777 == 0o644 and not list(tmp_path.glob(".*.part"))


def test_tune_records_live_only_and_never_over_a_file(tmp_path):
    take = tmp_path / "take.flac"
    take.write_bytes(b"a take")
    result = livedenoise("tune", "--record", take, cwd=tmp_path)
    assert result.returncode == 2 and "exists; choose another name" in result.stderr
    assert take.read_bytes() == b"a take"
    result = livedenoise("tune", "--file", take, "--record", tmp_path / "new.flac")
    assert result.returncode == 2 and "--record writes the live signal" in result.stderr
    assert not (tmp_path / "new.flac").exists()


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
