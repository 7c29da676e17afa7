"""Readers for user dataset layouts, on tiny fake layouts built here with generated WAVs."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from livedenoise.training import data_cli, dataset_layouts
from livedenoise.training.dataset_layouts import ProbeCache, ProbeError, dataset_candidates, describe, probe_audio
from livedenoise.training.manifest import SPLITS, read_manifest
from livedenoise.training.packages import RESERVED_PACKAGES

_seed = iter(range(10_000))


def _wav(path: Path, sample_rate: int = 44100, seconds: float = 0.05) -> Path:
    """A short noise burst; every call differs, so no two files share a hash by accident."""
    rng = np.random.default_rng(next(_seed))
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), 0.1 * rng.standard_normal(int(sample_rate * seconds)), sample_rate)
    return path


STEMS = ("mixture", "drums", "bass", "other", "vocals")


def _records(layout: str, root: Path, **kwargs):
    return describe(dataset_candidates(layout, root, **kwargs), root)


def test_musdb18_tracks_keep_their_stems_together(tmp_path):
    for part, tracks in (("train", [f"Artist - Song {i}" for i in range(12)]), ("test", ["T - X"])):
        for track in tracks:
            for stem in STEMS:
                _wav(tmp_path / part / track / f"{stem}.wav")
    records, tally = _records("musdb18", tmp_path)
    assert tally.n_kept == 13 * len(STEMS) and tally.n_unreadable == 0
    by_track: dict[str, set[str]] = {}
    for r in records:
        by_track.setdefault(Path(r.path).parent.name, set()).add(r.split)
        assert r.kind == "music" and r.origin == "MUSDB18"
    assert all(len(splits) == 1 for splits in by_track.values())
    assert by_track["T - X"] == {"test"}
    train_splits = set().union(*(s for t, s in by_track.items() if t != "T - X"))
    assert train_splits == {"train", "validation"}
    assert {r.category for r in records} == {"mixture", "drums", "bass", "instrument", "vocals"}
    assert all(not Path(r.path).is_absolute() for r in records)  # stored under the root given


def test_musdb18_compressed_stems_get_a_hint(tmp_path):
    (tmp_path / "train").mkdir()
    (tmp_path / "train" / "Song.stem.mp4").write_bytes(b"\0")
    with pytest.raises(ValueError, match="MUSDB18-HQ"):
        dataset_candidates("musdb18", tmp_path)


def test_dsd100_maps_dev_and_test(tmp_path):
    for part in ("Dev", "Test"):
        for i in range(3):
            _wav(tmp_path / "Mixtures" / part / f"{part}{i}" / "mixture.wav")
            for stem in ("bass", "drums", "other", "vocals"):
                _wav(tmp_path / "Sources" / part / f"{part}{i}" / f"{stem}.wav")
    records, _ = _records("dsd100", tmp_path)
    assert len(records) == 30
    splits_of = {}
    for r in records:
        splits_of.setdefault(Path(r.path).parent.name, set()).add(r.split)
    assert all(splits_of[f"Test{i}"] == {"test"} for i in range(3))
    assert all(splits_of[f"Dev{i}"] <= {"train", "validation"} for i in range(3))
    assert all(len(s) == 1 for s in splits_of.values())  # mixture and sources together


def test_esc50_folds_become_splits(tmp_path):
    rows = ["filename,fold,target,category,esc10,src_file,take"]
    for fold in range(1, 6):
        for category in ("rain", "dog"):
            name = f"{fold}-{category}.wav"
            _wav(tmp_path / "audio" / name)
            rows.append(f"{name},{fold},0,{category},False,1,A")
    (tmp_path / "meta").mkdir()
    (tmp_path / "meta" / "esc50.csv").write_text("\n".join(rows) + "\n")
    records, _ = _records("esc50", tmp_path)
    split_of = {Path(r.path).name: r.split for r in records}
    assert split_of["5-rain.wav"] == "test" and split_of["4-dog.wav"] == "validation"
    assert {split_of[f"{f}-rain.wav"] for f in (1, 2, 3)} == {"train"}
    assert {r.category for r in records} == {"rain", "dog"}
    assert all(r.kind == "noise" and "ESC-50" in r.licence for r in records)


def test_urbansound8k_folds_and_low_rates(tmp_path):
    rows = ["slice_file_name,fsID,start,end,salience,fold,classID,class"]
    for fold in (1, 9, 10):
        name = f"{fold}-0-0-0.wav"
        _wav(tmp_path / "audio" / f"fold{fold}" / name, 22050)
        rows.append(f"{name},1,0,1,1,{fold},0,air_conditioner")
    _wav(tmp_path / "audio" / "fold2" / "phone.wav", 8000)
    rows.append("phone.wav,2,0,1,1,2,1,car_horn")
    (tmp_path / "metadata").mkdir()
    (tmp_path / "metadata" / "UrbanSound8K.csv").write_text("\n".join(rows) + "\n")
    records, tally = _records("urbansound8k", tmp_path)
    assert {Path(r.path).name: r.split for r in records} == {
        "1-0-0-0.wav": "train",
        "9-0-0-0.wav": "validation",
        "10-0-0-0.wav": "test",
    }
    assert {r.category for r in records} == {"machine"}
    assert tally.n_low_rate == 1 and "8000 Hz" in tally.problems[0]


def test_folder_layout_labels_counts_and_skips(tmp_path):
    for i in range(6):
        _wav(tmp_path / "cafe" / f"take{i}.flac", 48000)
    _wav(tmp_path / "street.ogg", 48000)
    (tmp_path / "cafe" / "copy.wav").write_bytes((tmp_path / "cafe" / "take0.flac").read_bytes())
    (tmp_path / "cafe" / "broken.wav").write_bytes(b"RIFF....WAVEjunk")
    (tmp_path / "notes.txt").write_text("not audio")
    records, tally = _records("folder", tmp_path, kind="noise", licence="CC0")
    assert tally.n_candidates == 9
    assert (tally.n_kept, tally.n_duplicates, tally.n_unreadable) == (7, 1, 1)
    assert {r.category for r in records} == {"cafe", "unlabelled"}
    assert {r.split for r in records} == set(SPLITS)
    records, _ = _records("folder", tmp_path, kind="music", category="live")
    assert {(r.kind, r.category) for r in records} == {("music", "live")}


@pytest.mark.parametrize(
    "layout, kind, match",
    [("folder", None, "needs kind"), ("esc50", "music", "holds noise"), ("wav", None, "unknown layout")],
)
def test_layout_misuse_is_a_clear_error(tmp_path, layout, kind, match):
    with pytest.raises(ValueError, match=match):
        dataset_candidates(layout, tmp_path, kind)


def test_missing_or_malformed_layouts_are_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a folder"):
        dataset_candidates("musdb18", tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="esc50.csv"):
        dataset_candidates("esc50", tmp_path)
    (tmp_path / "meta").mkdir()
    (tmp_path / "meta" / "esc50.csv").write_text("filename,target\nx.wav,1\n")
    with pytest.raises(ValueError, match="missing columns"):
        dataset_candidates("esc50", tmp_path)
    with pytest.raises(ValueError, match="no audio files"):
        dataset_candidates("folder", tmp_path / "meta", "noise")


def test_probe_rejects_empty_and_non_audio(tmp_path):
    empty = tmp_path / "empty.wav"
    sf.write(str(empty), np.zeros(0), 48000)
    with pytest.raises(ProbeError, match="no audio"):
        probe_audio(empty)
    (tmp_path / "text.ogg").write_text("hello")
    with pytest.raises(ProbeError, match="cannot decode"):
        probe_audio(tmp_path / "text.ogg")


def test_probe_cache_skips_decoding_until_the_file_changes(tmp_path, monkeypatch):
    path = _wav(tmp_path / "a.wav", 48000)
    cache = ProbeCache(tmp_path / "cache.json")
    candidates = dataset_candidates("folder", tmp_path, "music")
    first, _ = describe(candidates, cache=cache)

    def no_decode(path):
        raise AssertionError(f"decoded {path} again")

    monkeypatch.setattr(dataset_layouts, "_probe_or_reason", no_decode)
    again, _ = describe(candidates, cache=ProbeCache(tmp_path / "cache.json"))
    assert again == first
    _wav(path, 48000, seconds=0.2)
    with pytest.raises(AssertionError, match="decoded"):
        describe(candidates, cache=ProbeCache(tmp_path / "cache.json"))


def test_data_cli_add_merges_and_reports(tmp_path, capsys):
    data_root, noise_dir = tmp_path / "data", tmp_path / "rooms"
    for i in range(4):
        _wav(noise_dir / "hall" / f"{i}.wav", 48000)
    parser = argparse.ArgumentParser()
    data_cli.configure(parser)
    args = parser.parse_args(
        [
            "--data-root",
            str(data_root),
            "add",
            "--layout",
            "folder",
            "--kind",
            "noise",
            "--workers",
            "1",
            str(noise_dir),
        ]
    )
    assert data_cli.run(args) == 0
    manifest = read_manifest(data_root / "manifest.jsonl")
    assert len(manifest) == 4 and all(Path(r.path).is_absolute() for r in manifest)
    assert (data_root / "manifests" / "folder-rooms.jsonl").exists()
    assert data_cli.run(parser.parse_args(["--data-root", str(data_root), "report"])) == 0
    report = (data_root / "SOURCES.md").read_text()
    assert "| noise | hall | 4 |" in report and "folder:rooms" in report
    assert "# Training sources" in capsys.readouterr().out


def test_data_cli_errors_exit_with_a_message(tmp_path):
    parser = argparse.ArgumentParser()
    data_cli.configure(parser)
    with pytest.raises(SystemExit, match="not found"):
        data_cli.run(parser.parse_args(["--data-root", str(tmp_path), "report"]))
    with pytest.raises(SystemExit, match="reserved"):
        data_cli.run(
            parser.parse_args(["--data-root", str(tmp_path), "fetch", "--packages", sorted(RESERVED_PACKAGES)[0]])
        )
    with pytest.raises(SystemExit, match="no audio files"):
        data_cli.run(
            parser.parse_args(
                ["--data-root", str(tmp_path), "add", "--layout", "folder", "--kind", "noise", str(tmp_path)]
            )
        )
