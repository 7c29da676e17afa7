import hashlib

import numpy as np
import pytest
import soundfile as sf

from livedenoise.realtime.cli.main import main
from livedenoise.training.bundle import BundleConfig, excerpt_starts, opus_level, pack_bundle, seconds_per_file
from livedenoise.training.dataset import MixtureDataset
from livedenoise.training.manifest import SourceFile, read_manifest, write_manifest
from livedenoise.training.mixing import MixConfig

SR = 48_000


def _write(root, name, audio, sample_rate, kind, split, origin):
    path = root / name
    sf.write(path, audio, sample_rate, subtype="FLOAT")
    return SourceFile(
        path=name,
        kind=kind,
        category="piano" if kind == "music" else "rain",
        origin=origin,
        licence="CC0",
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        sample_rate=sample_rate,
        n_channels=1 if audio.ndim == 1 else audio.shape[1],
        duration_s=audio.shape[0] / sample_rate,
        split=split,
    )


def _chord(duration_s, sample_rate, root_hz):
    t = np.arange(int(duration_s * sample_rate)) / sample_rate
    return (0.2 * sum(np.sin(2 * np.pi * root_hz * r * t) for r in (1.0, 1.25, 1.5))).astype(np.float32)


@pytest.fixture
def data_root(tmp_path):
    rng = np.random.default_rng(0)
    records = []
    for split, root_hz in (("train", 220.0), ("validation", 330.0), ("test", 440.0)):
        for i, duration_s in enumerate((1.0, 6.0, 12.0)):
            music = _chord(duration_s, 44_100, root_hz * (1 + i / 8))
            records.append(
                _write(tmp_path, f"{split}_music{i}.wav", music, 44_100, "music", split, f"{split}-music{i}")
            )
        stereo_rain = 0.1 * rng.standard_normal((2 * SR, 2)).astype(np.float32)
        records.append(_write(tmp_path, f"{split}_rain.wav", stereo_rain, SR, "noise", split, f"{split}-noise"))
    write_manifest(tmp_path / "manifest.jsonl", records)
    return tmp_path


def test_seconds_per_file_fills_the_budget_short_files_first():
    durations = [1.0, 6.0, 12.0]
    share = seconds_per_file(durations, 9.0)
    assert share == pytest.approx(4.0)  # 1 s from the short file, then 4 s from each of the others
    assert sum(min(d, share) for d in durations) == pytest.approx(9.0)
    assert seconds_per_file(durations, 100.0) == 12.0
    assert seconds_per_file(durations, 0.0) == 0.0


def test_excerpts_are_spread_over_the_file_and_add_up():
    pieces = excerpt_starts(100.0, 24.0, 8.0)
    assert len(pieces) == 3
    assert sum(length for _, length in pieces) == pytest.approx(24.0)
    ends = [start + length for start, length in pieces]
    assert all(end <= next_start for end, (next_start, _) in zip(ends, pieces[1:], strict=False))
    assert pieces[0][0] > 0 and ends[-1] < 100.0
    assert excerpt_starts(5.0, 24.0, 8.0) == [(0.0, 5.0)]


def test_opus_level_maps_bitrates_and_refuses_others():
    assert opus_level(256.0) == 0.0 and opus_level(6.0) == 1.0
    with pytest.raises(ValueError, match="kb/s"):
        opus_level(300.0)


def test_bundle_holds_train_and_validation_within_its_budget(data_root, tmp_path):
    out = tmp_path / "bundle"
    budget = 150_000
    records = pack_bundle(data_root / "manifest.jsonl", out, BundleConfig(max_bytes=budget, piece_s=2.0))
    assert records == read_manifest(out / "manifest.jsonl")
    assert {r.split for r in records} == {"train", "validation"}
    assert sum((out / r.path).stat().st_size for r in records) <= budget
    for record in records:
        audio, rate = sf.read(out / record.path, dtype="float32")
        assert rate == SR and audio.ndim == 1
        assert record.duration_s == pytest.approx(audio.size / SR, abs=1e-3)
        assert record.sha256 == hashlib.sha256((out / record.path).read_bytes()).hexdigest()
    # Noise is whole; music is a share of each file, the short file all of it.
    noise = [r for r in records if r.kind == "noise"]
    assert [r.duration_s for r in noise] == pytest.approx([2.0, 2.0], abs=1e-3)
    train_music_s = sum(r.duration_s for r in records if r.kind == "music" and r.split == "train")
    assert 1.0 < train_music_s < 19.0
    # A training dataset reads the bundle as a data root of its own.
    dataset = MixtureDataset(out / "manifest.jsonl", "train", n_items=2, segment_s=0.5, config=MixConfig())
    item = dataset[0]
    assert item["noisy"].shape == (SR // 2,) and np.isfinite(item["noisy"].numpy()).all()


def test_bundle_music_gets_an_equal_share_of_each_file(data_root, tmp_path):
    out = tmp_path / "bundle"
    records = pack_bundle(data_root / "manifest.jsonl", out, BundleConfig(max_bytes=80_000, piece_s=2.0))
    taken: dict[str, list[float]] = {}
    for record in records:
        if record.kind == "music" and record.split == "train":
            taken.setdefault(record.origin, []).append(record.duration_s)
    # The 1 s file gives all of itself; the 6 s and 12 s files the same share, in pieces of <= 2 s.
    assert taken["train-music0"] == pytest.approx([1.0], abs=1e-3)
    assert sum(taken["train-music1"]) == pytest.approx(sum(taken["train-music2"]), abs=2e-3)
    assert 1.0 < sum(taken["train-music1"]) < 6.0
    assert max(taken["train-music1"] + taken["train-music2"]) <= 2.0 + 1e-3


def test_bundle_refuses_a_budget_the_noise_overflows(data_root, tmp_path):
    with pytest.raises(ValueError, match="noise alone"):
        pack_bundle(data_root / "manifest.jsonl", tmp_path / "bundle", BundleConfig(max_bytes=1000))


def test_bundle_never_overwrites_one(data_root, tmp_path):
    out = tmp_path / "bundle"
    pack_bundle(data_root / "manifest.jsonl", out, BundleConfig(max_bytes=150_000))
    with pytest.raises(FileExistsError):
        pack_bundle(data_root / "manifest.jsonl", out, BundleConfig(max_bytes=150_000))


def test_data_bundle_command_writes_a_data_root_with_its_sources(data_root, tmp_path, capsys):
    out = tmp_path / "bundle"
    assert main(["data", "--data-root", str(data_root), "bundle", str(out), "--max-mib", "0.15"]) == 0
    assert "train from it with --set data.manifest=" in capsys.readouterr().out
    report = (out / "SOURCES.md").read_text(encoding="utf-8")
    assert "train-music1" in report and "test-music" not in report
    with pytest.raises(SystemExit, match="already holds a bundle"):
        main(["data", "--data-root", str(data_root), "bundle", str(out)])


def test_bundle_refuses_bad_settings_before_writing_anything(data_root, tmp_path):
    with pytest.raises(ValueError, match="kb/s"):
        pack_bundle(data_root / "manifest.jsonl", tmp_path / "a", BundleConfig(music_kbps=500.0))
    a_file = tmp_path / "b"
    a_file.write_text("not a folder")
    with pytest.raises(FileExistsError, match="not a folder"):
        pack_bundle(data_root / "manifest.jsonl", a_file)
    assert not (tmp_path / "a").exists() and a_file.read_text() == "not a folder"
