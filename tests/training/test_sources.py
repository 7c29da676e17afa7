"""The package catalogue and the Debian fetch, on fake extracted trees (nothing downloaded)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from components import require
from livedenoise.training import fetch
from livedenoise.training.dataset_layouts import describe
from livedenoise.training.manifest import KINDS, read_manifest
from livedenoise.training.packages import (
    ALL_PACKAGES,
    MIDI_PACKAGES,
    RESERVED_PACKAGES,
    Package,
    ReservedPackageError,
    Selection,
    check_not_reserved,
    format_group,
    package_by_name,
)

MUSIC_CATEGORIES = {"orchestral", "electronic", "rock", "guitar", "piano", "strings", "drums", "instrument", "organ"}
NOISE_CATEGORIES = {
    "rain",
    "wind",
    "water",
    "fire",
    "thunder",
    "birds",
    "nature",
    "farm",
    "night",
    "crowd",
    "speech",
    "engine",
    "traffic",
    "machine",
    "household",
    "hiss",
    "interference",
}


def _tone(path: Path, sample_rate: int = 48000, seconds: float = 0.1, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), 0.1 * rng.standard_normal((int(sample_rate * seconds), 2)), sample_rate)
    return path


def test_reserved_packages_are_refused_everywhere(tmp_path, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("a reserved package reached a subprocess")

    monkeypatch.setattr(subprocess, "run", never)
    assert len(RESERVED_PACKAGES) == 10
    for name in RESERVED_PACKAGES:
        with pytest.raises(ReservedPackageError):
            check_not_reserved(name)
        with pytest.raises(ReservedPackageError):
            fetch.download_deb(name, tmp_path)
        with pytest.raises(ReservedPackageError):
            fetch.fetch_package(name, tmp_path)
        with pytest.raises(ReservedPackageError):
            package_by_name(name)
        with pytest.raises(ReservedPackageError):
            Package(name, "GPL")
    assert not {p.name for p in ALL_PACKAGES} & RESERVED_PACKAGES
    assert not list(tmp_path.iterdir())


def test_catalogue_labels_are_known():
    for package in ALL_PACKAGES:
        assert package.licence
        for selection in package.selections:
            assert selection.kind in KINDS
            known = MUSIC_CATEGORIES if selection.kind == "music" else NOISE_CATEGORIES
            assert selection.category in known, (package.name, selection)
    assert all(p.midi for p in MIDI_PACKAGES)


def test_unknown_package_names_the_catalogue():
    with pytest.raises(KeyError, match="wesnoth-1.16-music"):
        package_by_name("no-such-package")


def test_first_matching_selection_decides_and_groups_tie_song_stems():
    muldjord = package_by_name("fretsonfire-songs-muldjord")
    song = "usr/share/games/fretsonfire/data/songs/muldjord/chaos_god"
    guitar, backing = muldjord.select(f"{song}/guitar.ogg"), muldjord.select(f"{song}/song.ogg")
    assert (guitar.category, backing.category) == ("guitar", "rock")
    assert guitar.group_key(muldjord.name, f"{song}/guitar.ogg") == backing.group_key(muldjord.name, f"{song}/song.ogg")
    assert muldjord.select(f"{song}/notes.mid") is None
    megaglest = package_by_name("megaglest-data")
    assert megaglest.select("usr/share/games/megaglest/tilesets/forest/sounds/rain.ogg").category == "rain"
    assert megaglest.select("usr/share/games/megaglest/tilesets/forest/sounds/wolf.wav") is None


def test_blupi_recording_and_its_midi_render_share_a_group():
    ogg_package = package_by_name("planetblupi-music-ogg")
    midi_package = package_by_name("planetblupi-music-midi")
    ogg = "usr/share/planetblupi/music/music003.ogg"
    ogg_key = ogg_package.select(ogg).group_key(ogg_package.name, ogg)
    midi_key = format_group(midi_package.midi_group, midi_package.name, "usr/share/planetblupi/music/music003.mid")
    assert ogg_key == midi_key != ""


def test_links_resolve_inside_the_extraction(tmp_path):
    root = tmp_path / "pkg"
    real = _tone(root / "usr/share/a/real.wav")
    (root / "usr/share/b").mkdir(parents=True)
    (root / "usr/share/b/absolute.wav").symlink_to("/usr/share/a/real.wav")
    (root / "usr/share/b/relative.wav").symlink_to("../a/real.wav")
    (root / "usr/share/b/dangling.wav").symlink_to("/usr/share/missing.wav")
    (root / "usr/share/b/escape.wav").symlink_to("../../../../outside.wav")
    _tone(tmp_path / "outside.wav")
    (root / "usr/share/b/loop.wav").symlink_to("loop.wav")
    assert fetch.resolve_inside(root / "usr/share/b/absolute.wav", root) == real.resolve()
    assert fetch.resolve_inside(root / "usr/share/b/relative.wav", root) == real.resolve()
    for name in ("dangling", "escape", "loop"):
        assert fetch.resolve_inside(root / f"usr/share/b/{name}.wav", root) is None


def _fake_package_tree(root: Path) -> Package:
    _tone(root / "music/song.wav", 48000, seed=1)
    _tone(root / "music/low_rate.wav", 22050, seed=2)
    _tone(root / "noise/rain.wav", 16000, seed=3)
    shutil.copy(root / "noise/rain.wav", root / "noise/rain_copy.wav")
    (root / "noise/rain_link.wav").symlink_to("/noise/rain.wav")
    (root / "noise/broken.wav").symlink_to("/noise/nothing.wav")
    (root / "noise/garbage.wav").write_bytes(b"RIFF not really audio")
    (root / "noise/readme.txt").write_text("ignored")
    return Package(
        "fake-data",
        "CC0",
        (Selection("music/*.wav", "music", "rock"), Selection("noise/*.wav", "noise", "rain")),
    )


def test_scan_keeps_good_files_and_counts_the_rest(tmp_path):
    root = tmp_path / "debian" / "fake-data"
    package = _fake_package_tree(root)
    candidates, n_broken = fetch.package_candidates(package, root)
    assert n_broken == 1
    assert len(candidates) == 6  # song, low_rate, rain, rain_copy, rain_link, garbage
    records, tally = describe(candidates, tmp_path)
    assert sorted(r.path for r in records) == ["debian/fake-data/music/song.wav", "debian/fake-data/noise/rain.wav"]
    assert (tally.n_low_rate, tally.n_duplicates, tally.n_unreadable) == (1, 2, 1)
    assert any("garbage.wav" in line for line in tally.problems)
    rain = next(r for r in records if r.kind == "noise")
    assert (rain.sample_rate, rain.n_channels, rain.origin, rain.licence) == (16000, 2, "fake-data", "CC0")
    assert rain.duration_s == pytest.approx(0.1)


def test_fetch_sources_writes_manifest_and_survives_a_failed_package(tmp_path, monkeypatch):
    package = _fake_package_tree(tmp_path / "debian" / "fake-data")
    (tmp_path / "debian" / "fake-data" / ".extracted").write_text("x")
    missing = Package("missing-data", "GPL")

    def fake_download(name, debs_dir):
        raise fetch.FetchError(f"apt-get download {name} failed")

    monkeypatch.setattr(fetch, "download_deb", fake_download)
    records, tally = fetch.fetch_sources(tmp_path, [package, missing])
    assert len(records) == 2
    assert any("missing-data" in line for line in tally.problems)
    manifest = read_manifest(tmp_path / "manifests" / "debian.jsonl")
    assert sorted(r.sha256 for r in manifest) == sorted(r.sha256 for r in records)
    # A second fetch of other packages keeps these records.
    fetch.fetch_sources(tmp_path, [missing])
    assert len(read_manifest(tmp_path / "manifests" / "debian.jsonl")) == 2


def test_download_reuses_existing_deb_and_prepares_folder_for_apt(tmp_path, monkeypatch):
    calls = []

    def fake_run(command, cwd=None):
        calls.append((command, cwd))
        (Path(cwd) / "fake-data_1.0_all.deb").write_bytes(b"deb")

    monkeypatch.setattr(fetch, "_run", fake_run)
    debs = tmp_path / "debs"
    deb = fetch.download_deb("fake-data", debs)
    assert deb == debs / "fake-data_1.0_all.deb" and deb.read_bytes() == b"deb"
    assert calls[0][0][:2] == ["apt-get", "download"]
    if os.geteuid() == 0:
        assert debs.stat().st_mode & 0o777 == 0o777
    assert fetch.download_deb("fake-data", debs) == deb
    assert len(calls) == 1
    assert [p.name for p in debs.iterdir()] == ["fake-data_1.0_all.deb"]


def test_extract_is_idempotent_with_a_real_deb(tmp_path, monkeypatch):
    require(shutil.which("dpkg-deb") is not None, "dpkg-deb")
    tree = tmp_path / "build"
    _tone(tree / "usr/share/fake/a.wav")
    (tree / "DEBIAN").mkdir()
    (tree / "DEBIAN/control").write_text(
        "Package: fake-data\nVersion: 1.0\nArchitecture: all\nMaintainer: t <t@example.org>\nDescription: test\n"
    )
    deb = tmp_path / "fake-data_1.0_all.deb"
    subprocess.run(["dpkg-deb", "--build", "--root-owner-group", str(tree), str(deb)], check=True, capture_output=True)
    target = tmp_path / "debian" / "fake-data"
    (target.with_name("fake-data.partial")).mkdir(parents=True)  # an interrupted earlier run
    assert fetch.extract_deb(deb, target) == target
    assert (target / "usr/share/fake/a.wav").is_file()
    assert not target.with_name("fake-data.partial").exists()

    def fail(*args, **kwargs):
        raise AssertionError("extracted twice")

    monkeypatch.setattr(fetch, "_run", fail)
    assert fetch.extract_deb(deb, target) == target


def test_missing_tool_is_a_clear_fetch_error(tmp_path):
    with pytest.raises(fetch.FetchError, match="not found"):
        fetch._run(["definitely-not-a-command-here"])
    with pytest.raises(fetch.FetchError, match="failed"):
        fetch._run(["false"])


def test_default_data_root_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LIVEDENOISE_DATA", str(tmp_path))
    assert fetch.default_data_root() == tmp_path
    monkeypatch.delenv("LIVEDENOISE_DATA")
    assert fetch.default_data_root() == Path("data")
