"""``bench quality --print``: each mode hands each example the print it names, the lead-in's print is
learned live and only the music after it is scored, every row says its print, and a dev set without
prints is refused in one line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.io import wavfile

from livedenoise.bench import quality
from livedenoise.bench.front_end import ModelFrontEnd, open_front_end
from livedenoise.bench.print_modes import ExamplePrints, GivenPrint, has_prints, parse_print_modes
from livedenoise.realtime.noise_print import NoisePrint, print_from_audio
from livedenoise.realtime.runtimes.print_combined import PrintCombined
from test_quality import SAMPLE_RATE, _run, make_devset

PRINT_S = 1.5


def add_prints(folder: Path) -> Path:
    """The hand-made dev set in format 4: per example with noise, a print and a lead-in of its noise (the
    same generator, other seeds, at the same level), as ``training/devset_prints.py`` writes them."""
    for sub in ("print", "lead_in"):
        (folder / sub).mkdir()
    manifest = json.loads((folder / "devset.json").read_text())
    n_print = int(PRINT_S * SAMPLE_RATE)
    for index, example in enumerate(manifest["examples"]):
        if example["part"] == "clean":
            continue
        rate, noise = wavfile.read(folder / example["noise"])
        rms = np.sqrt(np.mean(noise.astype(np.float64) ** 2))
        takes = {}
        for sub, stream in (("print", 1), ("lead_in", 2)):
            take = np.random.default_rng([index, stream]).standard_normal(n_print) * rms
            wavfile.write(folder / sub / f"{example['id']}.wav", rate, take.astype(np.float32))
            takes[sub] = take
        print_from_audio(takes["print"], SAMPLE_RATE).save(folder / "print" / f"{example['id']}.json")
        example["print"] = {
            "audio": f"print/{example['id']}.wav",
            "print": f"print/{example['id']}.json",
            "kind": "generated",
            "gain": rms,
            "duration_s": PRINT_S,
        }
        example["lead_in"] = {"audio": f"lead_in/{example['id']}.wav", "kind": "generated", "duration_s": PRINT_S}
    manifest.update(format=4, prints={"print_s": PRINT_S, "lead_in_s": PRINT_S})
    (folder / "devset.json").write_text(json.dumps(manifest))
    return folder


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("printed")
    folder = add_prints(make_devset(tmp_path / "devset"))
    code, report = _run(
        folder,
        tmp_path,
        "identity,dsp",
        "--print",
        "none,given,lead-in,mismatched",
        "--markdown",
        str(tmp_path / "q.md"),
    )
    assert code == 0
    return folder, report, tmp_path


def test_print_modes_are_parsed_and_checked():
    assert parse_print_modes("none, given,none,lead-in") == ["none", "given", "lead-in"]
    with pytest.raises(ValueError, match="mismatched"):
        parse_print_modes("given,own")


def test_each_mode_hands_each_example_its_print(printed):
    folder, _, _ = printed
    devset = quality.load_devset(folder)
    assert has_prints(devset)
    prints = ExamplePrints(folder, devset["examples"], SAMPLE_RATE)
    by_id = {e["id"]: e for e in devset["examples"]}
    for example in devset["examples"]:
        assert prints.for_example(example, "none") is None
        given = prints.for_example(example, "given")
        lead_in = prints.for_example(example, "lead-in")
        mismatched = prints.for_example(example, "mismatched")
        if example["part"] == "clean":  # clean music is played with a noise-alone example's print
            assert by_id[given.source]["part"] == "noise_only" and lead_in.source == given.source
            continue
        assert given.source == example["id"] and lead_in.source == example["id"]
        assert (
            given.noise_print.power_db.tolist() == NoisePrint.load(folder / example["print"]["print"]).power_db.tolist()
        )
        assert given.audio.size == int(PRINT_S * SAMPLE_RATE) and lead_in.noise_print is None
        assert lead_in.lead_in.size == int(PRINT_S * SAMPLE_RATE)
        other = by_id[mismatched.source]
        assert other["noise_type"] != example["noise_type"]
        cell = (example["part"], example.get("snr_db"))
        if any((e["part"], e.get("snr_db")) == cell and e["id"] != example["id"] for e in devset["examples"]):
            assert (other["part"], other.get("snr_db")) == cell  # the same cell where it has another noise
        assert (
            mismatched.noise_print.mean_db.tolist()
            == NoisePrint.load(folder / other["print"]["print"]).mean_db.tolist()
        )
        assert prints.for_example(example, "mismatched").source == mismatched.source  # the same choice each time
        oracle = prints.for_example(example, "oracle")  # a print of the very noise mixed in
        rate, noise = wavfile.read(folder / example["noise"])
        assert oracle.source == example["id"] and np.array_equal(oracle.audio, noise.astype(np.float32))
        assert oracle.noise_print.mean_db.tolist() == print_from_audio(noise, rate).mean_db.tolist()


def test_every_row_says_its_print(printed):
    _, report, tmp_path = printed
    models = report["models"]
    assert report["print_modes"] == ["none", "given", "lead-in", "mismatched"]
    assert set(models) == {
        f"{m}{'' if p == 'none' else f' +{p} print'}"
        for m in ("identity", "dsp")
        for p in ("none", "given", "lead-in", "mismatched")
    }
    for name, result in models.items():
        assert result["print"] in name or (result["print"] == "none" and name == result["model"])
        for row in result["examples"]:
            assert ("print_from" in row) == (result["print"] != "none")
    markdown = (tmp_path / "q.md").read_text()
    assert "| dsp | lead-in |" in markdown and "dsp +mismatched print" in markdown


def test_identity_after_a_lead_in_scores_the_music_alone(printed):
    _, report, _ = printed
    identity = report["models"]["identity +lead-in print"]
    assert abs(identity["headline"]["si_sdri_db"]) < 0.05
    assert identity["transparency"]["si_sdr_db"] > 60.0
    assert identity["tuner"]["out"]["hit_rate"] == identity["tuner"]["in"]["hit_rate"]


def test_dsp_given_a_print_of_steady_noise_beats_it_blind_and_learns_as_well_live(printed):
    _, report, _ = printed
    models = report["models"]
    blind, given = models["dsp"], models["dsp +given print"]
    assert given["headline"]["si_sdri_db"] > blind["headline"]["si_sdri_db"] + 1.0
    assert given["attenuation"]["mean_db"] > blind["attenuation"]["mean_db"] + 3.0
    comparison = report["sets"][0]["lead_in_vs_given"]
    assert set(comparison) == {"identity", "dsp"}
    assert abs(comparison["dsp"]) < 1.0


def test_a_lead_in_print_is_the_one_learned_offline_from_it():
    rng = np.random.default_rng(5)
    lead_in = (0.02 * rng.standard_normal(int(1.2 * SAMPLE_RATE))).astype(np.float32)
    audio = (0.02 * rng.standard_normal(SAMPLE_RATE)).astype(np.float32)
    front = open_front_end("dsp", 40.0)
    out = front.process_after_lead_in(lead_in, audio, SAMPLE_RATE)
    assert out.shape == audio.shape
    whole_hops = lead_in[: lead_in.size // front.hop_samples * front.hop_samples]
    offline = print_from_audio(whole_hops, SAMPLE_RATE)
    np.testing.assert_allclose(front.learned_print.power_db, offline.power_db, atol=1e-3)
    # the learned print is the runtime's from the music's first hop on
    assert front.denoiser.runtime.noise_print is front.learned_print


def test_a_blind_model_given_a_print_is_joined_with_the_print_wiener():
    front = open_front_end("default", 40.0)
    assert isinstance(front, ModelFrontEnd) and not isinstance(front.denoiser.runtime, PrintCombined)
    noise = (0.02 * np.random.default_rng(6).standard_normal(SAMPLE_RATE)).astype(np.float32)
    front.set_noise_print(GivenPrint(print_from_audio(noise, SAMPLE_RATE), noise))
    assert isinstance(front.denoiser.runtime, PrintCombined)
    assert front.denoiser.runtime.noise_print is not None
    front.set_noise_print(None)
    assert front.denoiser.runtime.noise_print is None


def test_a_set_without_prints_is_refused_in_one_line(tmp_path):
    folder = make_devset(tmp_path / "devset")
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
            "dsp",
            "--print",
            "given",
            "--json",
            str(tmp_path / "q.json"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "format 4" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "q.json").exists()
