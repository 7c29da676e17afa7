"""`livedenoise file` with a noise print: --noise-print and --print-from run the denoiser with that print,
say which in one line, warn when it is short, and refuse what cannot be a print in one line, writing nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from livedenoise.realtime.cli.main import main
from livedenoise.realtime.file_mode import denoise_file
from livedenoise.realtime.noise_print import load_noise_print, print_from_audio, print_from_file
from livedenoise.realtime.runtimes.model_choice import open_runtime

LIVEDENOISE = str(Path(sys.executable).parent / "livedenoise")
SAMPLE_RATE = 48000


def room(seconds: float, seed: int, rms: float = 0.02) -> np.ndarray:
    return (rms * np.random.default_rng(seed).standard_normal(round(seconds * SAMPLE_RATE))).astype(np.float32)


@pytest.fixture
def take(tmp_path):
    """A take that opens with 2 s of the room alone, then a held note over the same room; and the room
    recorded apart (another stretch of it)."""
    t = np.arange(5 * SAMPLE_RATE) / SAMPLE_RATE
    note = np.where(t >= 2.0, 0.1 * np.sin(2 * np.pi * 330.0 * t), 0.0).astype(np.float32)
    sf.write(tmp_path / "take.wav", note + room(5.0, seed=1), SAMPLE_RATE, subtype="FLOAT")
    sf.write(tmp_path / "room.wav", room(3.0, seed=2), SAMPLE_RATE, subtype="FLOAT")
    return tmp_path


def read(path: Path) -> np.ndarray:
    return sf.read(path, dtype="float32")[0]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or p.suffix == ".part")


def test_the_fixed_form_runs_the_default_model_with_the_print_of_the_noise_file(take):
    result = subprocess.run(
        [LIVEDENOISE, "file", take / "take.wav", take / "out.wav", "--noise-print", take / "room.wav"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "using noise print -34.0 dBFS, 3.0 s from room.wav"
    assert result.stderr == ""
    runtime = open_runtime("default", noise_print=load_noise_print(take / "room.wav"))
    denoise_file(take / "take.wav", take / "expected.wav", runtime)
    assert np.array_equal(read(take / "out.wav"), read(take / "expected.wav"))
    denoise_file(take / "take.wav", take / "blind.wav", open_runtime("default"))
    assert not np.allclose(read(take / "out.wav"), read(take / "blind.wav"), atol=1e-3)


def test_without_a_print_file_mode_is_unchanged(take, capsys):
    assert main(["file", str(take / "take.wav"), str(take / "out.wav"), "--model", "dsp"]) == 0
    assert "noise print" not in capsys.readouterr().out
    denoise_file(take / "take.wav", take / "expected.wav", open_runtime("dsp"))
    assert np.array_equal(read(take / "out.wav"), read(take / "expected.wav"))


def test_print_from_equals_a_print_of_the_same_seconds_cut_out_by_hand(take, capsys):
    sf.write(take / "cut.wav", read(take / "take.wav")[: 2 * SAMPLE_RATE], SAMPLE_RATE, subtype="FLOAT")
    assert main(["file", str(take / "take.wav"), str(take / "from.wav"), "--model", "dsp", "--print-from", "0:2"]) == 0
    assert "using noise print" in capsys.readouterr().out
    assert main(["file", str(take / "take.wav"), str(take / "cut.out.wav"), "--model", "dsp",
                 "--noise-print", str(take / "cut.wav")]) == 0  # fmt: skip
    assert np.array_equal(read(take / "from.wav"), read(take / "cut.out.wav"))
    region = print_from_file(take / "take.wav", 0.0, 2.0)
    assert np.array_equal(region.power_db, print_from_audio(read(take / "cut.wav")).power_db)


def test_a_saved_print_works_as_the_recording_does(take, capsys):
    assert main(["print", "from-file", str(take / "room.wav"), str(take / "room.json")]) == 0
    for noise, out in (("room.json", "a.wav"), ("room.wav", "b.wav")):
        assert main(["file", str(take / "take.wav"), str(take / out), "--model", "dsp", "--noise-print",
                     str(take / noise)]) == 0  # fmt: skip
    # the saved print keeps its statistics to 0.001 dB
    np.testing.assert_allclose(read(take / "a.wav"), read(take / "b.wav"), atol=1e-4)


def test_dsp_with_the_print_keeps_the_held_note_that_blind_dsp_removes(take, capsys):
    main(["file", str(take / "take.wav"), str(take / "print.wav"), "--model", "dsp", "--print-from", "0:2"])
    main(["file", str(take / "take.wav"), str(take / "blind.wav"), "--model", "dsp"])
    t = np.arange(5 * SAMPLE_RATE) / SAMPLE_RATE
    last = t >= 4.0
    note = np.sin(2 * np.pi * 330.0 * t[last])
    for name, low_db, high_db in (("print.wav", -1.0, 1.0), ("blind.wav", -200.0, -10.0)):
        level_db = 20 * np.log10(abs(np.dot(read(take / name)[last], note)) / np.dot(note, note) / 0.1)
        assert low_db < level_db < high_db, (name, level_db)


def test_a_short_print_is_used_with_a_warning(take, capsys):
    sf.write(take / "short.wav", room(1.2, seed=3), SAMPLE_RATE)
    assert main(["file", str(take / "take.wav"), str(take / "out.wav"), "--model", "dsp", "--noise-print",
                 str(take / "short.wav")]) == 0  # fmt: skip
    captured = capsys.readouterr()
    assert captured.err.strip().splitlines() == [
        "warning: the noise print is 1.2 s long; 2 s or more of the noise alone give a steadier print"
    ]
    assert "using noise print" in captured.out and (take / "out.wav").is_file()


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda d: sf.write(d / "noise.wav", room(0.3, seed=4), SAMPLE_RATE), ["too short", "0.5 s"]),
        (lambda d: sf.write(d / "noise.wav", np.zeros(SAMPLE_RATE, np.float32), SAMPLE_RATE), ["digital silence"]),
        (lambda d: (d / "noise.wav").write_text("not audio"), ["noise.wav", "as audio"]),
        (lambda d: print_from_audio(room(1.0, seed=5), hop_samples=256).save(d / "noise.wav"), ["hop 256", "again"]),
    ],
    ids=["short", "silence", "not-audio", "other-geometry"],
)
def test_what_cannot_be_a_print_is_refused_in_one_line_and_nothing_is_written(take, capsys, make, words):
    make(take)
    with pytest.raises(SystemExit) as exit_info:
        main(["file", str(take / "take.wav"), str(take / "out.wav"), "--model", "dsp", "--noise-print",
              str(take / "noise.wav")])  # fmt: skip
    assert exit_info.value.code == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("livedenoise file: error: ")
    assert all(word in lines[0] for word in words), lines[0]
    assert not (take / "out.wav").exists() and leftovers(take) == []


@pytest.mark.parametrize(
    ("flags", "code", "words"),
    [
        (["--print-from", "6:8"], 1, ["starts at 6 s", "lasts 5.00 s"]),
        (["--print-from", "3"], 2, ["--print-from", "START:END"]),
        (["--print-from", "2:1"], 2, ["--print-from", "END after"]),
        (["--print-from", "0:2", "--noise-print", "room.wav"], 2, ["not allowed with"]),
        (["--noise-print", "missing.wav"], 1, ["not found", "missing.wav"]),
    ],
    ids=["outside", "no-colon", "backwards", "both", "missing"],
)
def test_bad_print_flags_are_refused_in_one_line(take, capsys, flags, code, words):
    with pytest.raises(SystemExit) as exit_info:
        main(["file", str(take / "take.wav"), str(take / "out.wav"), "--model", "dsp", *flags])
    assert exit_info.value.code == code
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and all(word in lines[0] for word in words), lines
    assert not (take / "out.wav").exists()
