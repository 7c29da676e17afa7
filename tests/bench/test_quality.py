"""The quality bench on a tiny hand-made dev set, with the identity and DSP models."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.io import wavfile

from livedenoise.bench import quality
from livedenoise.bench.front_end import denoise_aligned
from livedenoise.realtime.denoiser import StreamingDenoiser
from livedenoise.realtime.runtimes.model_choice import open_runtime

SAMPLE_RATE = 48000
N_SAMPLES = 2 * SAMPLE_RATE
NOTES = [{"onset_s": 0.1, "offset_s": 1.5, "midi": 57, "hz": 220.0}]


def _harmonics(hz: float, n_samples: int) -> np.ndarray:
    t = np.arange(n_samples) / SAMPLE_RATE
    return sum(np.sin(2 * np.pi * hz * k * t) / k for k in range(1, 6))


def _music(seed: int) -> np.ndarray:
    """Plucked notes, four a second: music changes, so a noise-floor tracker can tell it from noise."""
    rng = np.random.default_rng(seed)
    out = np.zeros(N_SAMPLES)
    step = SAMPLE_RATE // 4
    for start in range(0, N_SAMPLES, step):
        n = min(2 * step, N_SAMPLES - start)
        out[start : start + n] += np.exp(-6.0 * np.arange(n) / SAMPLE_RATE) * _harmonics(rng.uniform(100, 400), n)
    return 0.05 * out


def _note() -> np.ndarray:
    out = np.zeros(N_SAMPLES)
    on, off = (int(NOTES[0][k] * SAMPLE_RATE) for k in ("onset_s", "offset_s"))
    out[on:off] = 0.05 * _harmonics(NOTES[0]["hz"], off - on)
    return out


def _noise(seed: int) -> np.ndarray:
    return np.random.default_rng(100 + seed).standard_normal(N_SAMPLES)


def make_devset(folder: Path) -> Path:
    """Mixtures (two noise types x two SNRs), clean music, noise alone and a tuner note, in the
    layout ``training/devset.py`` writes."""
    for sub in ("noisy", "clean", "noise"):
        (folder / sub).mkdir(parents=True)
    examples = []

    def write(sub, example_id, audio):
        wavfile.write(folder / sub / f"{example_id}.wav", SAMPLE_RATE, np.asarray(audio, np.float32))
        return f"{sub}/{example_id}.wav"

    def mixture(part, example_id, clean, noise_type, snr_db, seed):
        noise = _noise(seed)
        noise *= np.sqrt(np.sum(clean**2) / np.sum(noise**2) / 10 ** (snr_db / 10))
        return {
            "id": example_id,
            "part": part,
            "noise_type": noise_type,
            "snr_db": snr_db,
            "input": write("noisy", example_id, clean + noise),
            "clean": write("clean", example_id, clean),
            "noise": write("noise", example_id, noise),
        }

    for i, noise_type in enumerate(("colored", "hiss")):
        for snr_db in (-5.0, 10.0):
            examples.append(mixture("mixture", f"{noise_type}_{snr_db:+03.0f}", _music(i + 1), noise_type, snr_db, i))
        path = write("noise", f"noise_{noise_type}", 0.03 * _noise(i))
        examples.append(
            {"id": f"noise_{noise_type}", "part": "noise_only", "noise_type": noise_type, "input": path, "noise": path}
        )
    path = write("clean", "clean_00", _music(3))
    examples.append({"id": "clean_00", "part": "clean", "input": path, "clean": path})
    examples.append({**mixture("tuner", "tuner_00", _note(), "colored", 10.0, 5), "notes": NOTES})
    (folder / "devset.json").write_text(json.dumps({"sample_rate": SAMPLE_RATE, "examples": examples, "skipped": []}))
    return folder


def _run(folder: Path, tmp_path: Path, models: str, *extra: str) -> tuple[int, dict]:
    parser = argparse.ArgumentParser()
    quality.configure(parser)
    args = parser.parse_args(["--set", str(folder), "--model", models, "--json", str(tmp_path / "q.json"), *extra])
    code = quality.run(args)
    return code, json.loads((tmp_path / "q.json").read_text()) if (tmp_path / "q.json").exists() else {}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("quality")
    folder = make_devset(tmp_path / "devset")
    code, report = _run(folder, tmp_path, "identity,dsp", "--markdown", str(tmp_path / "q.md"))
    assert code == 0
    return report, tmp_path


def test_identity_changes_nothing(report):
    identity = report[0]["models"]["identity"]
    assert abs(identity["headline"]["si_sdri_db"]) < 0.05
    assert identity["transparency"]["si_sdr_db"] > 60.0
    assert abs(identity["attenuation"]["mean_db"]) < 0.05
    assert identity["tuner"]["out"]["hit_rate"] == identity["tuner"]["in"]["hit_rate"]
    assert identity["tuner"]["clean"]["hit_rate"] > 0.9
    for row in identity["examples"]:
        if row["part"] == "mixture":
            assert row["si_sdr_in_db"] == pytest.approx(row["snr_db"], abs=0.1)
            assert row["lsd_out_db"] == pytest.approx(row["lsd_in_db"], abs=0.01)


def test_dsp_removes_loud_white_noise(report):
    """Measured: 4.7 dB of improvement at -5 dB SNR, 12.5 dB of noise removed; 2 dB of room each."""
    dsp = report[0]["models"]["dsp"]
    assert dsp["by_snr_db"]["-5"]["si_sdri_db"] > 2.7
    assert dsp["attenuation"]["mean_db"] > 10.5


def test_report_has_every_key(report):
    data, tmp_path = report
    assert set(data) >= {"livedenoise", "devset", "strength_db", "models", "skipped"}
    for result in data["models"].values():
        assert set(result) >= {
            "headline",
            "overall",
            "by_noise_type",
            "by_snr_db",
            "transparency",
            "attenuation",
            "tuner",
            "real_time_factor",
            "examples",
            "latency",
        }
        assert set(result["by_noise_type"]) == {"colored", "hiss"}
        assert set(result["by_snr_db"]) == {"-5", "10"}
        assert result["headline"]["n_examples"] == 4
        assert set(result["overall"]) == {"n_examples", *quality.MIXTURE_METRICS}
        assert set(result["tuner"]) == {"clean", "in", "out", "by_snr_db", "n_examples"}
        assert len(result["examples"]) == 8
    markdown = (tmp_path / "q.md").read_text()
    assert "| identity |" in markdown and "SI-SDR improvement" in markdown


def test_output_lines_up_with_input():
    runtime = open_runtime("identity")
    denoiser = StreamingDenoiser(runtime)
    audio = np.random.default_rng(0).standard_normal(10_007).astype(np.float32)
    out = denoise_aligned(denoiser, audio)
    assert out.shape == audio.shape
    assert np.max(np.abs(out - audio)) < 1e-4
    np.testing.assert_array_equal(denoise_aligned(denoiser, audio), out)  # a fresh stream each time


def test_missing_devset_and_unknown_model(tmp_path):
    code, _ = _run(tmp_path, tmp_path, "identity")
    assert code == 2
    folder = make_devset(tmp_path / "devset")
    code, data = _run(folder, tmp_path, "nonexistent-model")
    assert code == 1 and data["skipped"][0]["model"] == "nonexistent-model"


@pytest.mark.parametrize("damage", ["no examples", "example without clean", "unknown part"])
def test_a_bad_manifest_is_one_clear_line_and_exit_2(tmp_path, damage):
    folder = make_devset(tmp_path / "devset")
    manifest = json.loads((folder / "devset.json").read_text())
    if damage == "no examples":
        del manifest["examples"]
    elif damage == "example without clean":
        next(e for e in manifest["examples"] if e["part"] == "mixture").pop("clean")
    else:
        manifest["examples"][0]["part"] = "karaoke"
    (folder / "devset.json").write_text(json.dumps(manifest))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "livedenoise.realtime.cli.main",
            "bench",
            "quality",
            "--set",
            str(folder),
            "--model",
            "identity",
            "--json",
            str(tmp_path / "q.json"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "devset.json" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "q.json").exists()


def test_plain_run_reports_the_dev_sets_under_the_data_root_and_the_probe(tmp_path, monkeypatch):
    from livedenoise.bench import probe

    monkeypatch.setattr(probe, "PROBE_S", 3.0)
    monkeypatch.setattr(probe, "MEASURE_S", 1.5)
    monkeypatch.setattr(probe, "PROBE_BANDS_HZ", ((300.0, 3000.0),))
    monkeypatch.setenv("LIVEDENOISE_DATA", str(tmp_path / "data"))
    parser = argparse.ArgumentParser()
    quality.configure(parser)
    args = parser.parse_args(["--models", "identity", "--json", str(tmp_path / "q.json")])
    assert quality.run(args) == 2  # no dev set built yet
    make_devset(tmp_path / "data" / "devset-unseen")
    make_devset(tmp_path / "data" / "devset")
    assert quality.run(args) == 0
    data = json.loads((tmp_path / "q.json").read_text())
    assert [s["devset"]["path"] for s in data["sets"]] == [
        str(tmp_path / "data" / name) for name in quality.DEFAULT_SETS
    ]
    assert data["devset"] == data["sets"][0]["devset"] and "identity" in data["models"]
    assert set(data["probe"]["identity"]["by_band"]) == {"300-3000 Hz"}
    args = parser.parse_args(["--probe", "--models", "identity", "--json", str(tmp_path / "p.json")])
    assert quality.run(args) == 0
    data = json.loads((tmp_path / "p.json").read_text())
    assert data["sets"] == [] and data["models"] == {} and "identity" in data["probe"]
    args = parser.parse_args(["--probe", "--oracle", "--models", "identity", "--json", str(tmp_path / "o.json")])
    assert quality.run(args) == 0
    probed = json.loads((tmp_path / "o.json").read_text())["probe"]
    assert set(probed) == {"identity", "oracle"}
    assert probed["oracle"]["by_band"]["300-3000 Hz"]["note_noise_removed_db"] > 3.0


def test_per_cell_keeps_the_first_examples_of_each_cell(tmp_path):
    folder = make_devset(tmp_path / "devset")
    manifest = json.loads((folder / "devset.json").read_text())
    # Every example twice: the copies come second in each cell.
    manifest["examples"] += [{**e, "id": e["id"] + "_copy"} for e in manifest["examples"]]
    (folder / "devset.json").write_text(json.dumps(manifest))
    kept = quality.first_per_cell(manifest["examples"], 1)
    assert [e["id"] for e in kept] == [e["id"] for e in manifest["examples"][:8]]
    assert len(quality.first_per_cell(manifest["examples"], 2)) == 16
    code, data = _run(folder, tmp_path, "identity", "--per-cell", "1")
    assert code == 0 and data["devset"]["n_examples"] == 8 and data["devset"]["per_cell"] == 1
    assert len(data["models"]["identity"]["examples"]) == 8


def test_oracle_scores_beside_the_models(tmp_path):
    folder = make_devset(tmp_path / "devset")
    code, data = _run(folder, tmp_path, "identity", "--oracle")
    assert code == 0
    models = data["models"]
    assert set(models) == {"identity", "oracle", "oracle-pass-200", "oracle-pass-500"}
    ideal = models["oracle"]
    assert ideal["headline"]["si_sdri_db"] > models["identity"]["headline"]["si_sdri_db"] + 5.0
    # holding more of the band at one can only leave more noise
    assert ideal["headline"]["si_sdri_db"] >= models["oracle-pass-200"]["headline"]["si_sdri_db"] - 0.1
    assert (
        models["oracle-pass-200"]["headline"]["si_sdri_db"] >= models["oracle-pass-500"]["headline"]["si_sdri_db"] - 0.1
    )
    assert ideal["transparency"]["si_sdr_db"] > 60.0
    assert ideal["attenuation"]["mean_db"] == pytest.approx(40.0, abs=0.5)
    assert ideal["tuner"]["out"]["hit_rate"] >= ideal["tuner"]["in"]["hit_rate"]
