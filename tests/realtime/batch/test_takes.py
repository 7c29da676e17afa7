from pathlib import Path

import numpy as np
import soundfile as sf

from livedenoise.realtime.batch.takes import find_takes


def write(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, np.zeros((480, 1), np.float32), 48000)
    return path


def outputs(takes, out):
    return {t.input_path.name: t.output_path.relative_to(out).as_posix() for t in takes}


def test_a_folder_is_searched_recursively_and_mirrored_under_the_output(tmp_path):
    for name in ("a.wav", "sub/b.flac", "sub/deeper/c.WAV", ".hidden.wav", ".cache/d.wav"):
        write(tmp_path / "in" / name)
    (tmp_path / "in" / "notes.txt").write_text("not a take")
    out = tmp_path / "out"
    takes, refusals = find_takes([str(tmp_path / "in")], out)
    assert refusals == []
    assert outputs(takes, out) == {"a.wav": "a.wav", "b.flac": "sub/b.flac", "c.WAV": "sub/deeper/c.WAV"}
    assert [t.name for t in takes] == ["a.wav", "sub/b.flac", "sub/deeper/c.WAV"]


def test_files_go_straight_in_and_a_format_changes_every_extension(tmp_path):
    a, b = write(tmp_path / "x" / "a.wav"), write(tmp_path / "x" / "b.aiff")
    out = tmp_path / "out"
    takes, _ = find_takes([str(a), str(b)], out, "flac")
    assert outputs(takes, out) == {"a.wav": "a.flac", "b.aiff": "b.flac"}


def test_inputs_from_two_folders_keep_their_folder_names(tmp_path):
    write(tmp_path / "day1" / "take.wav")
    write(tmp_path / "day2" / "take.wav")
    out = tmp_path / "out"
    takes, refusals = find_takes([str(tmp_path / "day1"), str(tmp_path / "day2")], out)
    assert refusals == [] and sorted(t.name for t in takes) == ["day1/take.wav", "day2/take.wav"]


def test_a_glob_mirrors_below_its_fixed_part(tmp_path):
    write(tmp_path / "in" / "s1" / "a.wav")
    write(tmp_path / "in" / "s2" / "b.wav")
    write(tmp_path / "in" / "s2" / "c.flac")
    out = tmp_path / "out"
    takes, refusals = find_takes([f"{tmp_path}/in/*/*.wav", f"{tmp_path}/in/none*.wav"], out)
    assert sorted(t.name for t in takes) == ["s1/a.wav", "s2/b.wav"]
    assert [r.reason for r in refusals] == [f"no file matches {tmp_path}/in/none*.wav"]


def test_missing_inputs_duplicates_and_colliding_outputs_are_refused_or_merged(tmp_path):
    a = write(tmp_path / "in" / "a.wav")
    write(tmp_path / "in" / "a.flac")
    out = tmp_path / "out"
    takes, refusals = find_takes([str(tmp_path / "in"), str(a), str(tmp_path / "missing.wav")], out, "flac")
    assert [t.name for t in takes] == ["a.flac"]  # a.wav given twice is one take; a.wav would overwrite a.flac's output
    assert len(refusals) == 2
    assert refusals[0].reason == f"input not found: {tmp_path / 'missing.wav'}"
    assert refusals[1].reason == f"{tmp_path}/in/a.flac already writes {out}/a.flac; rename one of them"


def test_an_output_folder_inside_the_input_folder_is_not_taken_for_input(tmp_path):
    write(tmp_path / "in" / "a.wav")
    write(tmp_path / "in" / "clean" / "a.wav")  # a previous run's output
    takes, _ = find_takes([str(tmp_path / "in")], tmp_path / "in" / "clean")
    assert [t.name for t in takes] == ["a.wav"]
