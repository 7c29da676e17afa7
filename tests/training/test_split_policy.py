"""The format-3 split policy: whole packages per split, held-out categories only in test."""

from __future__ import annotations

import zipfile
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from livedenoise.training import fetch
from livedenoise.training.data_cli import merge_manifests
from livedenoise.training.dataset_layouts import describe
from livedenoise.training.manifest import SourceFile, read_manifest
from livedenoise.training.packages import (
    ALL_PACKAGES,
    AUDIO_PACKAGES,
    HELD_OUT_CATEGORIES,
    MUSIC_PACKAGES,
    NOISE_PACKAGES,
    PACKAGE_SPLITS,
    Package,
    Selection,
)
from livedenoise.training.splits import GENERATED_ORIGIN, policy_problems

# Noise of real rooms, as in the independent evaluation: in training and in the unseen-source test.
ROOM_CATEGORIES = ("engine", "wind", "rain", "traffic", "machine", "crowd", "household", "speech")


def _noise_categories(packages, split: str) -> set[str]:
    return {s.category for p in packages if p.split == split for s in p.selections if s.kind == "noise"}


def test_held_out_categories_only_in_test_packages():
    assert len(HELD_OUT_CATEGORIES) >= 2
    for split in ("train", "validation"):
        assert not _noise_categories(AUDIO_PACKAGES, split) & set(HELD_OUT_CATEGORIES), split
    assert set(HELD_OUT_CATEGORIES) <= _noise_categories(AUDIO_PACKAGES, "test")
    with pytest.raises(ValueError, match="held out"):
        Package("some-data", "CC0", (Selection("a/*.ogg", "noise", "fire"),))
    with pytest.raises(ValueError, match="split"):
        Package("some-data", "CC0", split="dev")


def test_every_split_has_whole_packages_of_its_own():
    for split in ("validation", "test"):
        assert any(p.split == split for p in NOISE_PACKAGES), split
        assert any(p.split == split and any(s.kind == "music" for s in p.selections) for p in MUSIC_PACKAGES), split
    assert len({p.name for p in ALL_PACKAGES}) == len(ALL_PACKAGES)


def test_room_noise_is_in_training_and_in_the_unseen_test():
    train, test = _noise_categories(AUDIO_PACKAGES, "train"), _noise_categories(AUDIO_PACKAGES, "test")
    assert set(ROOM_CATEGORIES) <= train
    assert set(ROOM_CATEGORIES) <= test


def test_groups_spanning_packages_stay_in_one_split():
    split_of_group = defaultdict(set)
    for package in ALL_PACKAGES:
        templates = {s.group for s in package.selections} | {package.midi_group}
        for template in templates - {"", "{package}:{folder}", "{package}:{stem}"}:
            split_of_group[template].add(package.split)
    assert split_of_group  # Planet Blupi's recordings and MIDI renders share groups
    assert all(len(splits) == 1 for splits in split_of_group.values()), dict(split_of_group)


def _tone(path: Path, seed: int) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    noise = 0.1 * np.random.default_rng(seed).standard_normal((4800, 1))
    sf.write(str(path), noise, 48000)
    return path.read_bytes()


def test_packages_go_whole_to_their_split_and_archive_members_are_read(tmp_path):
    roots, packages = {}, []
    for i, split in enumerate(PACKAGE_SPLITS):
        name = f"{split}-data"
        root = tmp_path / "debian" / name
        for j in range(6):
            _tone(root / "sounds" / f"wind{j}.wav", seed=10 * i + j)
        packages.append(Package(name, "CC0", (Selection("sounds/*.wav", "noise", "wind"),), split=split))
        roots[name] = root
    # A test package with its fire inside a zip archive, as in ufoai's .pk3.
    archive_root = roots["test-data"]
    with zipfile.ZipFile(archive_root / "game.pk3", "w") as zipped:
        zipped.writestr("sound/fire.wav", _tone(tmp_path / "scratch" / "fire.wav", seed=99))
        zipped.writestr("sound/readme.txt", "not selected")
        zipped.writestr("../escape.wav", b"never written")
    packages[-1] = replace(
        packages[-1], selections=packages[-1].selections + (Selection("game.pk3!/sound/*.wav", "noise", "fire"),)
    )
    candidates = []
    for package in packages:
        found, _ = fetch.package_candidates(package, roots[package.name])
        candidates += found
    assert (archive_root / "game.pk3!" / "sound" / "fire.wav").is_file()
    assert not (archive_root / "game.pk3!" / "sound" / "readme.txt").exists()
    assert not (archive_root / "escape.wav").exists()
    records, _ = describe(candidates, tmp_path)
    assert len(records) == 19
    for record in records:
        package = record.origin.removesuffix("-data")
        expected = {"train", "test_seen"} if package == "train" else {package}
        assert record.split in expected, record
    # The training package's recordings reach the in-distribution test split too.
    assert {r.split for r in records if r.origin == "train-data"} == {"train", "test_seen"}
    assert policy_problems(records) == []
    fire = [r for r in records if r.category == "fire"]
    assert [r.path for r in fire] == ["debian/test-data/game.pk3!/sound/fire.wav"]


def _record(path: str, origin: str, split: str, category: str = "wind", sha: str = "") -> SourceFile:
    return SourceFile(path, "noise", category, origin, "CC0", sha or path, 48000, 1, 1.0, split)


def test_policy_problems_name_each_breach():
    test_package = next(p for p in NOISE_PACKAGES if p.split == "test").name
    train_package = next(p for p in NOISE_PACKAGES if p.split == "train").name
    good = [
        _record("a.ogg", test_package, "test", "fire"),
        _record("b.ogg", train_package, "train"),
        _record("b2.ogg", train_package, "test_seen"),
        _record("c.flac", GENERATED_ORIGIN, "validation"),
        _record("d.flac", GENERATED_ORIGIN, "test"),
        _record("e.wav", "ESC-50", "train"),
    ]
    assert policy_problems(good) == []
    bad = good + [
        _record("f.ogg", test_package, "train"),
        _record("g.wav", "ESC-50", "validation", "fire"),
        _record("h.ogg", train_package, "train", sha="a.ogg"),
    ]
    problems = policy_problems(bad)
    assert len(problems) == 3
    assert any("f.ogg" in line and test_package in line for line in problems)
    assert any("g.wav" in line and "held-out" in line for line in problems)
    assert any("several splits" in line for line in problems)


def test_the_fetched_and_merged_manifest_honours_the_policy(tmp_path):
    """`data fetch` over one package per split (extracted here already: nothing is downloaded), one
    recording shipped by two of them, then the merge into the manifest a training run reads."""
    data_root = tmp_path / "data"
    packages = []
    for i, split in enumerate(PACKAGE_SPLITS):
        name = f"{split}-data"
        root = data_root / fetch.EXTRACTED_DIR / name
        for j in range(4):
            _tone(root / "sounds" / f"wind{j}.wav", seed=10 * i + j)
        (root / fetch._DONE_MARKER).write_text(f"{name}.deb\n", encoding="utf-8")
        packages.append(Package(name, "CC0", (Selection("sounds/*.wav", "noise", "wind"),), split=split))
    shared = data_root / fetch.EXTRACTED_DIR / "validation-data" / "sounds" / "wind0.wav"
    (data_root / fetch.EXTRACTED_DIR / "test-data" / "sounds" / "copy.wav").write_bytes(shared.read_bytes())
    fetch.fetch_sources(data_root, packages)
    merge_manifests(data_root)
    manifest = read_manifest(data_root / "manifest.jsonl")
    assert {record.origin for record in manifest} == {p.name for p in packages}
    assert len({record.sha256 for record in manifest}) == len(manifest) == 4 * len(packages)
    assert policy_problems(manifest) == []


def test_renders_of_a_package_follow_its_split(tmp_path):
    from livedenoise.training import render

    root = tmp_path / "pkg"
    render.write_midi(root / "music" / "a.mid", 0, [render.Note(0.0, 0.5, 60)])
    package = Package("held-midi", "GPL-2", midi=("music/*.mid",), split="validation")
    jobs = render.package_jobs(package, root, tmp_path / "out")
    assert jobs and all(job.allowed_splits == ("validation",) for job in jobs)
