"""The one Latency: measured through the denoiser, printed and written the same way everywhere."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from livedenoise.realtime.denoiser import StreamingDenoiser
from livedenoise.realtime.latency import Latency
from livedenoise.realtime.runtimes import model_choice
from livedenoise.realtime.runtimes.identity import IdentityRuntime
from livedenoise.realtime.runtimes.protocol import ModelLoadError

LIVEDENOISE = str(Path(sys.executable).parent / "livedenoise")


@pytest.mark.parametrize("hop", [64, 128, 256])
def test_algorithmic_latency_is_the_longest_wait_of_a_sample_fed_one_at_a_time(hop):
    """Framing plus overlap-add, measured: a sample leaves ``process`` at most that many samples later."""
    denoiser = StreamingDenoiser(IdentityRuntime(hop_samples=hop), 1)
    latency = Latency.of_denoiser(denoiser)
    waits = []
    for offset in (0, 1, hop // 2, hop - 1):
        denoiser.reset()
        n = 10 * hop + offset
        x = np.zeros(n + 4 * hop, np.float32)
        x[n] = 1.0
        n_out = 0
        for i, sample in enumerate(x):
            n_out += denoiser.process(np.array([sample], np.float32)).size
            if n_out > n + denoiser.latency_samples:  # the impulse's output sample has left
                waits.append(i - n + 1)
                break
    assert max(waits) == latency.algorithmic_samples == 2 * hop
    assert latency.overlap_add_samples == denoiser.latency_samples


def test_describe_and_the_json_say_the_same():
    latency = Latency(48000, 128, 128, queue_samples=64, device_samples=256, round_trip_samples=512)
    data = latency.to_dict()
    text = latency.describe()
    assert text.startswith(f"latency {data['algorithmic_ms']:.2f} ms algorithmic")
    assert f"{data['through_device_ms']:.2f} ms through the device" in text
    assert f"{data['round_trip_ms']:.2f} ms measured round trip" in text
    assert data["through_device_ms"] == pytest.approx(data["device_ms"] + data["queue_ms"] + data["overlap_add_ms"])
    offline = Latency(48000, 128, 128)
    assert offline.to_dict()["through_device_ms"] is None and "device" not in offline.describe()
    for value in (latency, offline):
        assert Latency.from_dict(json.loads(json.dumps(value.to_dict()))) == value


def test_demo_file_and_bench_print_the_same_latency_line(tmp_path):
    src = tmp_path / "in.wav"
    sf.write(src, np.zeros((4800, 1), np.float32), 48000)
    expected = Latency(48000, 128, 128).describe()
    runs = {
        "demo": [LIVEDENOISE, "demo", "--output-dir", tmp_path / "demo", "--model", "dsp"],
        "file": [LIVEDENOISE, "file", src, tmp_path / "out.wav", "--model", "dsp"],
        "bench latency": [
            LIVEDENOISE,
            "bench",
            "latency",
            "--model",
            "dsp",
            "--seconds",
            "0.2",
            "--json",
            tmp_path / "l.json",
        ],
    }
    for name, command in runs.items():
        result = subprocess.run(command, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert expected.removeprefix("latency ") in result.stdout, f"{name}: {result.stdout}"
    row = json.loads((tmp_path / "l.json").read_text())["results"][0]
    assert row["latency"] == Latency(48000, 128, 128).to_dict()


def test_a_missing_shipped_model_is_an_error_not_the_dsp_baseline(monkeypatch, tmp_path):
    monkeypatch.setattr(model_choice, "SHIPPED_MODEL", tmp_path / "default.onnx")
    with pytest.raises(ModelLoadError, match="shipped model is missing"):
        model_choice.open_runtime("default")


def test_bench_e2e_writes_the_same_latency_with_its_measured_round_trip(jack_servers, tmp_path):
    jack_servers()
    out = tmp_path / "e2e.json"
    result = subprocess.run(
        [LIVEDENOISE, "bench", "e2e", "--model", "identity", "--seconds", "1", "--json", out],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    latency = json.loads(out.read_text())["latency"]
    expected = Latency(
        48000,
        128,
        128,
        queue_samples=0,
        device_samples=latency["device_samples"],
        round_trip_samples=latency["round_trip_samples"],
    )
    assert latency == expected.to_dict() and latency["device_samples"] > 0
    # the probe closes the loop through buffers of its own: the measurement is never under the expectation
    assert latency["round_trip_ms"] >= latency["through_device_ms"]
    assert expected.describe() in result.stdout
