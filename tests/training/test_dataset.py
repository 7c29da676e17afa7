import hashlib

import numpy as np
import pytest
import soundfile as sf
import torch
from torch.utils.data import DataLoader

from livedenoise.training.dataset import CachedSources, FileSources, MixtureDataset
from livedenoise.training.manifest import SourceFile, write_manifest
from livedenoise.training.mixing import MixConfig

SR = 48_000
SEGMENT_S = 0.5


def _write(root, name, audio, sample_rate, kind, category, split):
    path = root / name
    sf.write(path, audio, sample_rate, subtype="FLOAT")
    n_channels = 1 if audio.ndim == 1 else audio.shape[1]
    return SourceFile(
        path=name,
        kind=kind,
        category=category,
        origin="test",
        licence="CC0",
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        sample_rate=sample_rate,
        n_channels=n_channels,
        duration_s=audio.shape[0] / sample_rate,
        split=split,
    )


def _chord(duration_s, sample_rate, root_hz):
    t = np.arange(int(duration_s * sample_rate)) / sample_rate
    return 0.2 * sum(np.sin(2 * np.pi * root_hz * r * t) for r in (1.0, 1.25, 1.5))


@pytest.fixture
def data_root(tmp_path):
    rng = np.random.default_rng(0)
    records = []
    for split, root_hz in (("train", 220.0), ("validation", 330.0), ("test", 440.0)):
        stereo = np.stack([_chord(2.0, SR, root_hz), _chord(2.0, SR, root_hz * 1.5)], axis=1)
        records.append(_write(tmp_path, f"{split}_stereo.wav", stereo, SR, "music", "piano", split))
        guitar = _chord(1.5, 44_100, root_hz)
        records.append(_write(tmp_path, f"{split}_44k.wav", guitar, 44_100, "music", "guitar", split))
        half_silent = np.r_[np.zeros(SR), _chord(1.0, SR, root_hz)]
        records.append(_write(tmp_path, f"{split}_half_silent.wav", half_silent, SR, "music", "organ", split))
        rain = np.convolve(rng.standard_normal(SR), np.ones(8) / 8, mode="same") * 0.1
        records.append(_write(tmp_path, f"{split}_rain.wav", rain, SR, "noise", "rain", split))
        voice = 0.1 * rng.standard_normal(SR // 4)
        records.append(_write(tmp_path, f"{split}_voice.wav", voice, SR, "noise", "speech", split))
    write_manifest(tmp_path / "manifest.jsonl", records)
    return tmp_path


def _dataset(root, split="train", **kwargs):
    kwargs.setdefault("config", MixConfig(second_noise_prob=0.5, reverb_prob=0.3, band_limit_prob=0.3))
    return MixtureDataset(root / "manifest.jsonl", split, n_items=8, segment_s=SEGMENT_S, **kwargs)


def test_items_shapes_and_exact_snr(data_root):
    dataset = _dataset(data_root)
    assert len(dataset) == 8
    for index in range(len(dataset)):
        item = dataset[index]
        assert set(item) == {"noisy", "target", "snr_db"}
        torch.testing.assert_close(item["target"], torch.from_numpy(dataset.mixture(index).clean))
        for name in ("noisy", "target"):
            assert item[name].shape == (int(SEGMENT_S * SR),) and item[name].dtype == torch.float32
            assert torch.isfinite(item[name]).all()
        mixture = dataset.mixture(index)
        noise = mixture.noisy.astype(np.float64) - mixture.clean
        snr_db = 10 * np.log10(np.sum(mixture.clean.astype(np.float64) ** 2) / np.sum(noise**2))
        assert snr_db == pytest.approx(float(item["snr_db"]), abs=1e-3)
        assert np.max(np.abs(mixture.noisy)) <= 0.99 + 1e-6


def test_batches_through_a_data_loader(data_root):
    batch = next(iter(DataLoader(_dataset(data_root), batch_size=4)))
    assert batch["noisy"].shape == (4, int(SEGMENT_S * SR))
    assert batch["snr_db"].shape == (4,)


def test_reproducible_per_index_and_epoch(data_root):
    first, second = _dataset(data_root, seed=3), _dataset(data_root, seed=3)
    assert torch.equal(first[5]["noisy"], second[5]["noisy"])
    assert torch.equal(first[2]["noisy"], _dataset(data_root, seed=3)[2]["noisy"])  # order does not matter
    assert not torch.equal(first[5]["noisy"], first[6]["noisy"])
    assert not torch.equal(first[5]["noisy"], _dataset(data_root, seed=4)[5]["noisy"])
    epoch_0 = first[5]["noisy"]
    first.set_epoch(1)
    epoch_1 = first[5]["noisy"]
    assert not torch.equal(epoch_0, epoch_1)
    assert torch.equal(epoch_1, _dataset(data_root, seed=3, epoch=1)[5]["noisy"])


@pytest.mark.parametrize("split", ["train", "validation", "test"])
def test_split_never_reads_another_split(data_root, split):
    for other in {"train", "validation", "test"} - {split}:
        for path in data_root.glob(f"{other}_*.wav"):
            path.unlink()  # any read of another split would now fail
    config = MixConfig(noise_weights={"ambience": 1.0, "babble": 1.0, "harmonic": 1.0}, second_noise_prob=0.5)
    dataset = _dataset(data_root, split, config=config)
    for index in range(len(dataset)):
        metadata = dataset.mixture(index).metadata
        assert metadata["clean_source"].startswith(split)
        for noise in metadata["noises"]:
            assert all(part.startswith(split) for part in noise["source"].replace(" | ", "+").split("+"))


def test_near_silent_segments_are_skipped(data_root):
    music = [r for r in MixtureDataset(data_root / "manifest.jsonl", "train", n_items=1).music if "silent" in r.path]
    dataset = MixtureDataset(music, "train", data_root=data_root, n_items=20, segment_s=SEGMENT_S)
    for index in range(len(dataset)):
        clean, _, start = dataset._clean_segment(dataset.rng(index))
        assert 20 * np.log10(np.sqrt(np.mean(clean.astype(np.float64) ** 2))) > -45.0
        assert start + clean.size > SR  # overlaps the non-silent second half


def test_resampled_partial_read_matches_whole_file(data_root):
    sources = FileSources(data_root, SR)
    music = MixtureDataset(data_root / "manifest.jsonl", "train", n_items=1).music
    record = next(r for r in music if r.sample_rate == 44_100)
    whole = sources.read(record, 0, int(1.5 * SR))
    part = sources.read(record, 20_000, 24_000)
    np.testing.assert_allclose(part[100:-100], whole[20_100:43_900], atol=2e-3)
    padded = sources.read(record, int(1.4 * SR), SR)
    assert padded.shape == (SR,) and np.all(padded[int(0.2 * SR) :] == 0.0)


def test_cached_sources_match_file_reads(data_root):
    files, cached = FileSources(data_root, SR), CachedSources(data_root, SR)
    for record in MixtureDataset(data_root / "manifest.jsonl", "train", n_items=1).music:
        from_cache, from_file = cached.read(record, 1_000, 8_000), files.read(record, 1_000, 8_000)
        np.testing.assert_allclose(from_cache[200:-200], from_file[200:-200], atol=2e-3)
    assert len(list((data_root / "cache").rglob("*.npy"))) == 3
    dataset = _dataset(data_root, cache_dir=data_root / "other_cache")
    dataset.prepare_cache()
    assert len(list((data_root / "other_cache").glob("*.npy"))) == 5  # train: 3 music, 2 noise
    assert torch.equal(dataset[1]["noisy"], _dataset(data_root, cache_dir=data_root / "other_cache")[1]["noisy"])
    assert torch.allclose(dataset[1]["noisy"], _dataset(data_root, cache=False)[1]["noisy"], atol=5e-3)


def test_missing_split_music_is_a_clear_error(data_root):
    with pytest.raises(ValueError, match="no music"):
        MixtureDataset([], "train", data_root=data_root)
    with pytest.raises(ValueError, match="data_root"):
        MixtureDataset([], "train")


def test_harmonic_noise_is_another_instrument(data_root):
    config = MixConfig(noise_weights={"harmonic": 1.0}, second_noise_prob=0.0)
    dataset = MixtureDataset(data_root / "manifest.jsonl", "train", n_items=16, segment_s=SEGMENT_S, config=config)
    for index in range(len(dataset)):
        metadata = dataset.mixture(index).metadata
        (noise,) = metadata["noises"]
        assert noise["type"] == "harmonic"
        drawn = set(noise["source"].split("+"))
        assert drawn <= {"train_stereo.wav", "train_half_silent.wav"}  # the piano and the organ
        assert metadata["clean_source"] not in drawn
