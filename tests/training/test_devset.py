"""Dev sets from a tiny generated manifest: their split only, every cell, reproducible bytes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from livedenoise.realtime.noise_print import NoisePrint
from livedenoise.training.devset import (
    FORMATS,
    SNRS_DB,
    STATIONARY_NOISE_TYPES,
    UNSEEN_NOISE_TYPES,
    build_devset,
)
from livedenoise.training.manifest import SPLITS, SourceFile, write_manifest
from livedenoise.training.mixing import NOISE_TYPES

SEGMENT_S = 1.0
SPLIT = FORMATS["seen"].split  # the in-distribution set's split; most tests build that set


def build_seen(*args, **kwargs) -> Path:
    return build_devset(*args, sources="seen", **kwargs)


def _record(
    path: str,
    kind: str,
    category: str,
    split: str,
    origin: str = "synthetic",
    seconds: float = 3.0,
    sample_rate: int = 48000,
    n_channels: int = 1,
) -> SourceFile:
    return SourceFile(
        path=path,
        kind=kind,
        category=category,
        origin=origin,
        licence=f"licence-of-{Path(path).stem}",
        sha256=hashlib.sha256(path.encode()).hexdigest(),
        sample_rate=sample_rate,
        n_channels=n_channels,
        duration_s=seconds,
        split=split,
    )


def _write(root: Path, record: SourceFile, audio: np.ndarray) -> None:
    path = root / record.path
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, audio, record.sample_rate, subtype="PCM_24" if path.suffix == ".flac" else "FLOAT")


def make_data(root: Path, with_speech: bool = True, with_notes: bool = True) -> Path:
    """Test-split files on disk; train and validation records whose files do not exist, so opening
    one fails."""
    rng = np.random.default_rng(0)
    records = []

    def tone(hz, seconds, sample_rate=48000):
        t = np.arange(int(seconds * sample_rate)) / sample_rate
        return 0.1 * np.sin(2 * np.pi * hz * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t))

    music_a = _record("test/music_a.wav", "music", "orchestral", SPLIT)
    _write(root, music_a, tone(220.0, 3.0))
    music_b = _record("test/music_b.wav", "music", "rock", SPLIT, sample_rate=44100, n_channels=2)
    _write(root, music_b, np.stack([tone(330.0, 3.0, 44100)] * 2, axis=1))
    rain = _record("test/rain.wav", "noise", "rain", SPLIT)
    _write(root, rain, 0.05 * rng.standard_normal(3 * 48000))
    chime = _record("test/chime.wav", "noise", "interference", SPLIT)
    _write(root, chime, tone(1000.0, 3.0))
    piano = _record("test/piano.wav", "music", "piano", SPLIT)
    _write(root, piano, tone(523.0, 3.0))
    records += [music_a, music_b, piano, rain, chime]
    if with_speech:
        speech = _record("test/speech.wav", "noise", "speech", SPLIT, seconds=0.7)
        _write(root, speech, tone(150.0, 0.7) * rng.standard_normal(int(0.7 * 48000)))
        records.append(speech)
    if with_notes:
        notes_record = _record(
            "rendered/guitar_notes.flac", "music", "guitar", SPLIT, origin="fluid-soundfont-gm+generated", seconds=4.0
        )
        notes = [
            {
                "onset_s": 0.25 + 2 * i,
                "offset_s": 1.75 + 2 * i,
                "midi": 45 + 7 * i,
                "hz": 440.0 * 2 ** ((45 + 7 * i - 69) / 12),
            }
            for i in range(2)
        ]
        audio = np.zeros(4 * 48000)
        for note in notes:
            on, off = int(note["onset_s"] * 48000), int(note["offset_s"] * 48000)
            audio[on:off] = tone(note["hz"], (off - on) / 48000)[: off - on]
        _write(root, notes_record, audio)
        (root / "rendered/guitar_notes.notes.json").write_text(json.dumps(notes))
        records.append(notes_record)
    for split in sorted(set(SPLITS) - {SPLIT}):
        for kind, category in (
            ("music", "orchestral"),
            ("music", "guitar"),
            ("noise", "rain"),
            ("noise", "speech"),
            ("noise", "instrument"),
        ):
            records.append(_record(f"other-{split}/{category}.wav", kind, category, split))
    manifest = root / "manifest.jsonl"
    write_manifest(manifest, records)
    return manifest


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    manifest = make_data(root)
    out = root / "devset"
    devset_path = build_seen(manifest, out, n_per_cell=1, segment_s=SEGMENT_S, seed=7)
    return manifest, out, json.loads(devset_path.read_text())


def test_every_cell_and_part_is_present(built):
    _, out, devset = built
    examples = devset["examples"]
    cells = {(e["noise_type"], e["snr_db"]) for e in examples if e["part"] == "mixture"}
    assert cells == {(t, s) for t in NOISE_TYPES for s in SNRS_DB}
    parts = [e["part"] for e in examples]
    assert parts.count("mixture") == len(NOISE_TYPES) * len(SNRS_DB)
    assert parts.count("clean") == len(SNRS_DB)
    assert sorted(e["noise_type"] for e in examples if e["part"] == "noise_only") == sorted(NOISE_TYPES)
    assert sorted(e["snr_db"] for e in examples if e["part"] == "tuner") == sorted(SNRS_DB)
    assert devset["skipped"] == []
    assert len({e["id"] for e in examples}) == len(examples)


def test_files_hold_what_the_manifest_says(built):
    _, out, devset = built
    for example in devset["examples"]:
        audio, sample_rate = sf.read(out / example["input"], dtype="float32")
        assert sample_rate == 48000 and audio.shape == (int(SEGMENT_S * 48000),)
        assert sf.info(out / example["input"]).subtype == "FLOAT"
        if example["part"] in ("mixture", "tuner"):
            clean = sf.read(out / example["clean"], dtype="float32")[0]
            noise = sf.read(out / example["noise"], dtype="float32")[0]
            np.testing.assert_array_equal(audio, clean + noise)
            snr_db = 10 * np.log10(np.sum(clean.astype(float) ** 2) / np.sum(noise.astype(float) ** 2))
            assert snr_db == pytest.approx(example["snr_db"], abs=0.01)
            assert example["mix"]["noise_types"] == [example["noise_type"]]
            assert example["mix"]["reverb"] is None and example["mix"]["band_limit"] is None
        assert example["licences"] and all(s["licence"] in example["licences"] for s in example["sources"])


def test_only_test_split_sources(built):
    _, _, devset = built
    paths = {s["path"] for e in devset["examples"] for s in e["sources"]}
    assert paths and all(p.startswith("test/") or p.startswith("rendered/") for p in paths)
    assert "test/speech.wav" in paths and "test/chime.wav" in paths


def test_harmonic_noise_is_another_instrument(built):
    _, _, devset = built
    drawn = set()
    for example in devset["examples"]:
        if example.get("noise_type") == "harmonic":
            noise = {s["path"] for s in example["sources"] if s["role"] == "noise"}
            music = {s["path"] for s in example["sources"] if s["role"] == "music"}
            assert noise and noise <= {"test/chime.wav", "test/piano.wav"} and not noise & music
            drawn |= noise
    assert drawn == {"test/chime.wav", "test/piano.wav"}


def test_tuner_notes_are_relative_to_the_segment(built):
    _, out, devset = built
    for example in (e for e in devset["examples"] if e["part"] == "tuner"):
        assert example["sources"][0]["path"] == "rendered/guitar_notes.flac"
        assert example["notes"], example["id"]
        for note in example["notes"]:
            assert 0.0 <= note["onset_s"] < note["offset_s"] <= SEGMENT_S
            assert note["onset_s"] == pytest.approx(0.1, abs=1e-3)  # segments start 0.1 s before a note
            assert note["midi"] in (45, 52)


def test_reproducible_bytes(built, tmp_path):
    manifest, out, _ = built
    again = build_seen(manifest, tmp_path / "again", n_per_cell=1, segment_s=SEGMENT_S, seed=7)
    assert _files(again.parent) == _files(out)
    other = build_seen(manifest, tmp_path / "other", n_per_cell=1, segment_s=SEGMENT_S, seed=8)
    assert _files(other.parent)["noisy/hum_snr+00_00.wav"] != _files(out)["noisy/hum_snr+00_00.wav"]


def test_existing_devset_is_kept_unless_overwrite(built):
    manifest, out, _ = built
    with pytest.raises(FileExistsError, match="overwrite"):
        build_seen(manifest, out, n_per_cell=1, segment_s=SEGMENT_S, seed=7)


def test_missing_sources_are_skipped_and_said(tmp_path):
    manifest = make_data(tmp_path, with_speech=False, with_notes=False)
    devset = json.loads(build_seen(manifest, tmp_path / "devset", n_per_cell=1, segment_s=0.5).read_text())
    assert "babble" not in devset["noise_types"]
    assert not any(e.get("noise_type") == "babble" for e in devset["examples"])
    reasons = {s["part"]: s["reason"] for s in devset["skipped"]}
    assert "speech" in reasons["mixture, noise_only"] and "note labels" in reasons["tuner"]
    assert not any(e["part"] == "tuner" for e in devset["examples"])


def test_the_quality_bench_reads_it(built):
    from livedenoise.bench.quality import load_devset

    _, out, devset = built
    assert load_devset(out)["examples"] == devset["examples"]


def test_the_seen_set_has_no_prints(built):
    _, out, devset = built
    assert devset["format"] == 2 and "prints" not in devset
    assert not any("print" in e or "lead_in" in e for e in devset["examples"])
    assert not (out / "print").exists()


def make_unseen_data(root: Path) -> Path:
    """Test-split music and noise of a few named categories, a held-out one among them; records of
    every other split whose files do not exist."""
    rng = np.random.default_rng(1)
    t = np.arange(3 * 48000) / 48000
    records = []
    for path, kind, category, audio in (
        ("unseen/music.wav", "music", "orchestral", 0.1 * np.sin(2 * np.pi * 220 * t)),
        (
            "unseen/engine.wav",
            "noise",
            "engine",
            0.05 * np.sin(2 * np.pi * 80 * t) + 0.01 * rng.standard_normal(t.size),
        ),
        ("unseen/wind.wav", "noise", "wind", 0.05 * rng.standard_normal(t.size)),
        ("unseen/fire.wav", "noise", "fire", 0.05 * rng.standard_normal(t.size) ** 3),
        ("unseen/water.wav", "noise", "water", 0.02 * rng.standard_normal(t.size)),
    ):
        record = _record(path, kind, category, "test")
        _write(root, record, audio)
        records.append(record)
    for split in sorted(set(SPLITS) - {"test"}):
        for kind, category in (("music", "orchestral"), ("noise", "engine"), ("noise", "speech")):
            records.append(_record(f"other-{split}/{category}.wav", kind, category, split))
    manifest = root / "manifest.jsonl"
    write_manifest(manifest, records)
    return manifest


def test_unseen_set_names_its_noise_and_draws_each_from_its_categories(tmp_path):
    manifest = make_unseen_data(tmp_path)
    devset = json.loads(build_devset(manifest, tmp_path / "unseen", n_per_cell=1, segment_s=0.5).read_text())
    assert (devset["format"], devset["split"], devset["sources"]) == (4, "test", "unseen")
    expected = ["engine", "fan", "wind", "hum", "hiss", "rain", "fire"]
    assert devset["noise_types"] == expected
    assert devset["stationary_noise_types"] == ["engine", "fan", "wind", "hum", "hiss"]
    assert set(STATIONARY_NOISE_TYPES) == {"engine", "fan", "wind", "hum", "hiss"}
    assert devset["noise_type_info"]["fire"]["held_out"] and not devset["noise_type_info"]["wind"]["held_out"]
    skipped = {s.get("noise_type") for s in devset["skipped"]}
    assert skipped == {t.name for t in UNSEEN_NOISE_TYPES} - set(expected) | {None}  # None: the tuner
    drawn_for = {
        "engine": "unseen/engine.wav",
        "wind": "unseen/wind.wav",
        "rain": "unseen/water.wav",
        "fire": "unseen/fire.wav",
    }
    for example in devset["examples"]:
        paths = {s["path"] for s in example["sources"]}
        assert all(p.startswith("unseen/") for p in paths), paths
        noise = {s["path"] for s in example["sources"] if s["role"] == "noise"}
        if example.get("noise_type") in drawn_for:
            assert noise == {drawn_for[example["noise_type"]]}, example["id"]
        elif "noise_type" in example:
            assert not noise and example["mix"]["noise_types"] == [example["noise_type"]]


def test_unknown_sources_are_refused(tmp_path):
    with pytest.raises(ValueError, match="sources"):
        build_devset(make_unseen_data(tmp_path), tmp_path / "x", sources="everything")


# The unseen set's noise prints (format 4): recordings long and short, a pool of short ones, a lone
# short one that leaves no room, one padded with digital silence, speech for babble.
PRINT_SEGMENT_S = 1.0
SILENT_FROM_S = 2.0  # fire.wav is noise up to here, digital silence after


def make_print_data(root: Path) -> Path:
    rng = np.random.default_rng(2)
    t = np.arange(3 * 48000) / 48000
    records = []

    def add(path: str, kind: str, category: str, audio: np.ndarray) -> None:
        record = _record(path, kind, category, "test", seconds=audio.size / 48000)
        _write(root, record, audio)
        records.append(record)

    add("prints/music.wav", "music", "orchestral", 0.1 * np.sin(2 * np.pi * 220 * t))
    add("prints/wind.wav", "noise", "wind", 0.05 * rng.standard_normal(8 * 48000))
    for k in range(24):  # engine sounds of 0.3 s: a voice uses several, the print and lead-in others
        add(f"prints/engine_{k:02d}.wav", "noise", "engine", 0.01 * (k + 1) * rng.standard_normal(int(0.3 * 48000)))
    add("prints/crowd.wav", "noise", "crowd", 0.04 * rng.standard_normal(int(1.2 * 48000)))
    fire = 0.05 * rng.standard_normal(4 * 48000) ** 3
    fire[int(SILENT_FROM_S * 48000) :] = 0.0
    add("prints/fire.wav", "noise", "fire", fire)
    for k in range(30):
        voice = np.sin(2 * np.pi * (120 + 10 * k) * t[: int(0.4 * 48000)]) * rng.standard_normal(int(0.4 * 48000))
        add(f"prints/speech_{k:02d}.wav", "noise", "speech", 0.05 * voice)
    manifest = root / "manifest.jsonl"
    write_manifest(manifest, records)
    return manifest


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    root = tmp_path_factory.mktemp("prints")
    manifest = make_print_data(root)
    devset_path = build_devset(manifest, root / "unseen", n_per_cell=1, segment_s=PRINT_SEGMENT_S, seed=3)
    return root, root / "unseen", json.loads(devset_path.read_text())


def _with_noise(devset):
    return [e for e in devset["examples"] if e["part"] != "clean"]


def _intervals(stretch: dict) -> tuple[str, int, int]:
    """A manifest stretch as samples of its recording; a loop uses all of its loop."""
    start, end = (
        (stretch["loop_start_s"], stretch["loop_end_s"])
        if "loop_start_s" in stretch
        else (stretch["start_s"], stretch["end_s"])
    )
    return stretch["path"], round(start * 48000), round(end * 48000)


def _stretches(take: dict) -> list[tuple[str, int, int]]:
    return [_intervals(s) for voice in take["voices"] for s in voice["stretches"]]


def _overlap(a: list[tuple[str, int, int]], b: list[tuple[str, int, int]]) -> bool:
    return any(pa == pb and sa < eb and ea > sb for pa, sa, ea in a for pb, sb, eb in b)


def _replay(root: Path, voices: list[dict], n_samples: int | None = None) -> np.ndarray:
    """The audio a manifest's voices describe: each voice's stretches read and joined as the mixer joins
    them, at its gain, summed."""
    from livedenoise.training.dataset import FileSources
    from livedenoise.training.manifest import read_manifest
    from livedenoise.training.mixing import fill_segment

    sources = FileSources(root, 48000)
    records = {r.path: r for r in read_manifest(root / "manifest.jsonl")}
    total = None
    for voice in voices:
        queue = list(voice["stretches"])

        def draw_piece(n_max, rng, queue=queue):
            stretch = queue.pop(0)
            path, start, end = _intervals(stretch)
            if "loop_start_s" not in stretch:
                return sources.read(records[path], start, end - start), path
            period = sources.read(records[path], start, end - start)
            first = round(stretch["start_s"] * 48000) - start
            return np.take(period, np.arange(first, first + round(stretch["duration_s"] * 48000)) % period.size), path

        n_voice = sum(round((s.get("duration_s") or s["end_s"] - s["start_s"]) * 48000) for s in voice["stretches"])
        audio, _ = fill_segment(n_voice, np.random.default_rng(0), draw_piece, 48000)
        audio = voice["gain"] * audio.astype(np.float64)
        n = audio.size if total is None else min(total.size, audio.size)
        total = audio[:n] if total is None else total[:n] + audio[:n]
    return total[:n_samples]


def test_the_unseen_set_is_format_4_with_a_print_and_a_lead_in_per_noisy_example(printed):
    _, out, devset = printed
    assert devset["format"] == 4
    assert devset["prints"] == {
        "print_s": 3.0,
        "min_print_s": 0.5,
        "lead_in_s": 3.0,
        "sample_rate": 48000,
        "n_fft": 1024,
        "hop_samples": 128,
    }
    assert "babble" in devset["noise_types"] and "crowd" in devset["noise_types"]
    for example in devset["examples"]:
        if example["part"] == "clean":
            assert "print" not in example and "lead_in" not in example
            continue
        take = example["print"]
        audio, sample_rate = sf.read(out / take["audio"], dtype="float32")
        assert sample_rate == 48000 and audio.size == round(take["duration_s"] * 48000)
        limit = PRINT_SEGMENT_S if take["kind"] == "generated" else 3.0  # generated takes: the example's length
        assert 0.5 <= take["duration_s"] <= limit + 1e-9, example["id"]
        noise_print = NoisePrint.load(out / take["print"])
        assert (noise_print.sample_rate, noise_print.n_fft, noise_print.hop_samples) == (48000, 1024, 128)
        assert noise_print.level_dbfs == pytest.approx(take["level_dbfs"], abs=1e-3)
        assert noise_print.level_dbfs == pytest.approx(10 * np.log10(np.mean(audio.astype(float) ** 2)), abs=1.0)
        lead_in = sf.read(out / example["lead_in"]["audio"], dtype="float32")[0]
        assert lead_in.size == round(min(3.0, limit) * 48000)


def test_no_print_or_lead_in_overlaps_its_examples_noise(printed):
    _, _, devset = printed
    kinds, flagged = set(), []
    for example in _with_noise(devset):
        if example["print"]["kind"] == "generated":
            assert "noise_voices" not in example and example["lead_in"]["kind"] == "generated"
            continue
        noise = [_intervals(s) for voice in example["noise_voices"] for s in voice["stretches"]]
        prints, lead_in = _stretches(example["print"]), _stretches(example["lead_in"])
        looped_over_noise = example["print"]["overlaps_noise"] or example["lead_in"]["overlaps_noise"]
        assert looped_over_noise or not _overlap(prints, lead_in), example["id"]
        for take, stretches in ((example["print"], prints), (example["lead_in"], lead_in)):
            kinds |= {voice["kind"] for voice in take["voices"]}
            assert take["overlaps_noise"] == _overlap(stretches, noise), example["id"]
            if take["overlaps_noise"]:
                flagged.append(example["noise_type"])
                assert "loop" in {voice["kind"] for voice in take["voices"]}, example["id"]
    assert {"stretch", "pool", "contiguous", "loop"} <= kinds
    # Only sources too small for a print and a lead-in beside a 1 s example loop over its noise, and say
    # so: the lone 1.2 s crowd recording, fire's 2 s of sound, 12 s of speech for up to 8 voices.
    assert "crowd" in flagged and set(flagged) <= {"crowd", "fire", "babble"}, flagged


def test_a_contiguous_lead_in_ends_where_the_examples_noise_starts(printed):
    _, _, devset = printed
    n_contiguous = 0
    for example in _with_noise(devset):
        for lead, voice in zip(example["lead_in"].get("voices", []), example.get("noise_voices", []), strict=True):
            if lead["kind"] == "contiguous":
                n_contiguous += 1
                (stretch,) = lead["stretches"]
                assert stretch["path"] == voice["stretches"][0]["path"]
                assert stretch["end_s"] == pytest.approx(voice["stretches"][0]["start_s"], abs=1e-9)
                assert stretch["end_s"] - stretch["start_s"] == pytest.approx(3.0)
    assert n_contiguous


def test_prints_are_at_the_examples_gain(printed):
    """The manifest's gains and stretches remake the example's noise, and the print and the lead-in
    from the same gains: so a take is exactly as loud as that stretch of the recording is in the example."""
    root, out, devset = printed
    n_checked = 0
    for example in _with_noise(devset):
        noise = sf.read(out / example["noise"], dtype="float32")[0].astype(np.float64)
        if example["print"]["kind"] == "generated":
            # The same generator at the same gain, another realization: as loud, and not the same samples.
            take = sf.read(out / example["print"]["audio"], dtype="float32")[0].astype(np.float64)
            assert example["print"]["gain"] == pytest.approx(np.sqrt(np.mean(noise**2)), rel=1e-6)
            assert 10 * np.log10(np.mean(take**2) / np.mean(noise[: take.size] ** 2)) == pytest.approx(0.0, abs=1.5)
            difference = take - noise[: take.size]
            assert np.sqrt(np.mean(difference**2)) > 0.1 * np.sqrt(np.mean(take**2)), example["id"]
            if example["noise_type"] != "hum":  # a hum's other phases can still look alike; noise cannot
                assert abs(np.corrcoef(take, noise[: take.size])[0, 1]) < 0.2, example["id"]
            continue
        remade = _replay(root, example["noise_voices"])
        np.testing.assert_allclose(remade, noise, atol=1e-5 * np.max(np.abs(noise)))
        for key in ("print", "lead_in"):
            take = sf.read(out / example[key]["audio"], dtype="float32")[0]
            gains = [voice["gain"] for voice in example[key]["voices"]]
            assert gains == [voice["gain"] for voice in example["noise_voices"]]
            np.testing.assert_allclose(
                _replay(root, example[key]["voices"], take.size), take, atol=1e-5 * np.max(np.abs(take))
            )
        n_checked += 1
    assert n_checked


def test_takes_skip_a_recordings_silent_padding(printed):
    _, out, devset = printed
    fire = [e for e in _with_noise(devset) if e["noise_type"] == "fire"]
    assert fire
    for example in fire:
        for key in ("print", "lead_in"):
            for path, _, end in _stretches(example[key]):
                assert path != "prints/fire.wav" or end <= SILENT_FROM_S * 48000, example["id"]
            audio = sf.read(out / example[key]["audio"], dtype="float32")[0]
            assert np.mean(audio[: audio.size // 2] ** 2) > 0 and np.mean(audio[audio.size // 2 :] ** 2) > 0


def test_prints_are_reproducible(printed, tmp_path):
    root, out, _ = printed
    again = build_devset(root / "manifest.jsonl", tmp_path / "again", n_per_cell=1, segment_s=PRINT_SEGMENT_S, seed=3)
    assert _files(again.parent) == _files(out)
