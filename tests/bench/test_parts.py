"""The decomposition splits a model's real output into the music's part and the noise's part."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest
from scipy.io import wavfile

from livedenoise.bench import parts as decomposition
from livedenoise.bench.front_end import denoise_aligned
from livedenoise.realtime.denoiser import StreamingDenoiser
from livedenoise.realtime.runtimes.model_choice import open_runtime

SAMPLE_RATE = 48000


def _music(seconds: float = 1.5) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (0.05 * sum(np.sin(2 * np.pi * 196.0 * k * t) / k for k in range(1, 8))).astype(np.float32)


def _noise(n: int, seed: int, level: float = 0.02) -> np.ndarray:
    return (level * np.random.default_rng(seed).standard_normal(n)).astype(np.float32)


@pytest.mark.parametrize("model", ["default", "dsp"])
def test_the_two_parts_sum_to_what_the_model_outputs_for_the_mixture(model):
    music = _music()
    noise = _noise(music.size, 1)
    output, music_part, noise_part = decomposition.split_output(
        StreamingDenoiser(open_runtime(model), n_channels=1, strength_db=40.0), music, noise
    )
    expected = denoise_aligned(StreamingDenoiser(open_runtime(model), n_channels=1, strength_db=40.0), music + noise)
    np.testing.assert_allclose(output, expected, atol=1e-6)
    np.testing.assert_allclose(music_part + noise_part, expected, atol=1e-5)
    # the model took something of the noise, and the two parts differ from the inputs they came from
    assert decomposition.noise_left_db(noise_part, noise) < -1.0
    assert decomposition.music_sdr_db(music_part, music) < 60.0


def test_the_identity_path_keeps_the_music_and_leaves_all_the_noise():
    music = _music()
    noise = _noise(music.size, 2)
    denoiser = StreamingDenoiser(open_runtime("identity"), n_channels=1)
    _, music_part, noise_part = decomposition.split_output(denoiser, music, noise)
    assert decomposition.music_sdr_db(music_part, music) > 80.0
    assert decomposition.noise_left_db(noise_part, noise) == pytest.approx(0.0, abs=1e-3)


def test_a_half_gain_costs_the_music_6_db_and_leaves_the_noise_at_minus_6_db():
    music = _music()
    noise = _noise(music.size, 3)
    assert decomposition.music_sdr_db(0.5 * music, music) == pytest.approx(6.02, abs=0.01)
    assert decomposition.noise_left_db(0.5 * noise, noise) == pytest.approx(-6.02, abs=0.01)


def _devset(folder: Path, noisy_offset: float = 0.0) -> Path:
    for sub in ("noisy", "clean", "noise"):
        (folder / sub).mkdir(parents=True)
    examples = []
    for i, (noise_type, snr_db, level) in enumerate((("hiss", 0.0, 0.05), ("hiss", 10.0, 0.016), ("fan", 0.0, 0.05))):
        music = _music()
        noise = _noise(music.size, 10 + i, level)
        paths = {}
        for sub, audio in (("noisy", music + noise + noisy_offset), ("clean", music), ("noise", noise)):
            wavfile.write(folder / sub / f"{i}.wav", SAMPLE_RATE, audio.astype(np.float32))
            paths[sub] = f"{sub}/{i}.wav"
        examples.append(
            {
                "id": f"{noise_type}_{i}",
                "part": "mixture",
                "noise_type": noise_type,
                "snr_db": snr_db,
                "input": paths["noisy"],
                "clean": paths["clean"],
                "noise": paths["noise"],
            }
        )
    (folder / "devset.json").write_text(json.dumps({"sample_rate": SAMPLE_RATE, "examples": examples}))
    return folder


def _run(tmp_path: Path, folder: Path, models: str) -> tuple[int, Path]:
    parser = argparse.ArgumentParser()
    decomposition.configure(parser)
    out = tmp_path / "d.json"
    args = parser.parse_args(
        ["--set", str(folder), "--model", models, "--json", str(out), "--markdown", str(tmp_path / "d.md")]
    )
    return decomposition.run(args), out


def test_the_bench_reports_both_parts_by_snr_and_noise_type(tmp_path):
    code, out = _run(tmp_path, _devset(tmp_path / "set"), "identity,dsp")
    assert code == 0
    report = json.loads(out.read_text())
    identity, dsp = report["models"]
    assert set(identity["means"]) == {"all", "snr +0", "snr +10", "hiss", "fan"}
    assert identity["means"]["all"]["noise_left_db"] == pytest.approx(0.0, abs=1e-3)
    assert dsp["means"]["all"]["noise_left_db"] < -3.0  # a floor tracker takes stationary white noise
    assert len(dsp["examples"]) == 3
    assert "| snr +10 |" in (tmp_path / "d.md").read_text()


def test_an_input_that_is_not_music_plus_noise_and_a_peer_are_refused(tmp_path, capsys):
    code, out = _run(tmp_path, _devset(tmp_path / "bad", noisy_offset=0.01), "identity")
    assert code == 2 and not out.exists()
    assert "not its clean music plus its noise" in capsys.readouterr().err
    code, _ = _run(tmp_path, _devset(tmp_path / "good"), "rnnoise")
    assert code == 2
    assert "cannot be split" in capsys.readouterr().err
