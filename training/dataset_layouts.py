"""Turn audio files into manifest records: readers for the dataset layouts users already have.

Every source (Debian packages, SoundFont renders, user datasets) ends here: each candidate file is
decoded at its start, middle and end (so broken and truncated files are caught now, not
mid-training), hashed, filtered by sample rate, deduplicated by sha256 and given a split before
any mixing.

Layouts:
    musdb18       ROOT/{train,test}/TRACK/{mixture,drums,bass,other,vocals}.wav  (MUSDB18-HQ)
    dsd100        ROOT/{Mixtures,Sources}/{Dev,Test}/TRACK/*.wav
    esc50         ROOT/audio/*.wav + ROOT/meta/esc50.csv (fold 5 test, fold 4 validation)
    urbansound8k  ROOT/audio/foldN/*.wav + ROOT/metadata/UrbanSound8K.csv (fold 10 test, 9 val.)
    folder        any audio files under ROOT, kind and category given by the caller
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf
from tqdm import tqdm

from livedenoise.models.errors import LivedenoiseError
from livedenoise.training.manifest import KINDS, SPLITS, SourceFile
from livedenoise.training.splits import DEFAULT_FRACTIONS, assign_splits

log = logging.getLogger(__name__)

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".opus")
# Music below 44.1 kHz would teach the model that a missing top octave is normal; noise only
# needs to be broadband enough to mask music.
MIN_SAMPLE_RATE_HZ = {"music": 44100, "noise": 16000}
_BLOCK_FRAMES = 1 << 16


class ProbeError(LivedenoiseError):
    """A file that cannot be used; the message says why."""


@dataclass(frozen=True)
class AudioProbe:
    sample_rate: int
    n_channels: int
    duration_s: float
    sha256: str


@dataclass(frozen=True)
class Candidate:
    """A file to describe. ``group`` ties files to one split ("" = the file's own sha256);
    ``allowed_splits`` restricts the split (e.g. a dataset's fixed test fold); ``stratum_tag``
    makes a sub-stratum that must reach every split (e.g. labelled single-note renders)."""

    path: Path
    kind: str
    category: str
    origin: str
    licence: str
    group: str = ""
    allowed_splits: tuple[str, ...] = SPLITS
    stratum_tag: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        if not self.allowed_splits or any(s not in SPLITS for s in self.allowed_splits):
            raise ValueError(f"allowed_splits must be a subset of {SPLITS}: {self.allowed_splits}")


@dataclass
class ScanTally:
    """What happened to the candidates; ``problems`` holds one line per skipped file."""

    n_candidates: int = 0
    n_kept: int = 0
    n_duplicates: int = 0
    n_low_rate: int = 0
    n_unreadable: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.n_candidates} candidates: {self.n_kept} kept, {self.n_duplicates} duplicates, "
            f"{self.n_low_rate} below the minimum sample rate, {self.n_unreadable} unreadable"
        )


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as src:
        for chunk in iter(lambda: src.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def probe_audio(path: str | Path) -> AudioProbe:
    """Check that the file decodes and hash it. Raises ``ProbeError`` with the reason.

    Blocks at the start, middle and end are decoded (a full decode of hours of game music takes
    too long for a routine fetch); seeking to the end catches truncated files.
    """
    path = Path(path)
    try:
        with sf.SoundFile(str(path)) as audio:
            sample_rate, n_channels, n_frames = audio.samplerate, audio.channels, audio.frames
            if n_frames <= 0:
                raise ProbeError(f"{path}: no audio frames")
            last_start = max(0, n_frames - _BLOCK_FRAMES)
            for start in sorted({0, max(0, n_frames // 2 - _BLOCK_FRAMES // 2), last_start}):
                audio.seek(start)
                n_wanted = min(_BLOCK_FRAMES, n_frames - start)
                block = audio.read(n_wanted, dtype="float32", always_2d=True)
                # Ogg/Opus headers may overstate the length by a few packets: trust the decoder
                # at the end, but a file that ends a whole block early is truncated.
                short = len(block) < n_wanted and (start != last_start or len(block) == 0)
                if short:
                    raise ProbeError(f"{path}: truncated: {len(block)} of {n_wanted} frames at frame {start}")
                if not np.isfinite(block).all():
                    raise ProbeError(f"{path}: non-finite samples near frame {start}")
                if start == last_start:
                    n_frames = start + len(block)
    except (sf.LibsndfileError, RuntimeError, OSError, TypeError) as exc:
        raise ProbeError(f"{path}: cannot decode: {exc}") from exc
    return AudioProbe(sample_rate, n_channels, n_frames / sample_rate, sha256_file(path))


class ProbeCache:
    """Probe results of earlier runs, keyed by path and valid while size and mtime match.

    Decoding hours of audio takes minutes; a re-run of a fetch should not repeat it.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._entries: dict[str, dict] = {}
        if self.path.exists():
            try:
                self._entries = json.loads(self.path.read_text(encoding="utf-8"))
            except json.JSONDecodeError:
                log.warning("ignoring corrupt probe cache %s", self.path)

    @staticmethod
    def _stamp(path: Path) -> list[int]:
        stat = path.stat()
        return [stat.st_size, stat.st_mtime_ns]

    def get(self, path: Path) -> AudioProbe | None:
        entry = self._entries.get(str(path))
        try:
            if entry is None or entry["stamp"] != self._stamp(path):
                return None
        except OSError:
            return None
        return AudioProbe(**entry["probe"])

    def put(self, path: Path, probe: AudioProbe) -> None:
        self._entries[str(path)] = {"stamp": self._stamp(path), "probe": asdict(probe)}

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._entries), encoding="utf-8")
        tmp.replace(self.path)


def _probe_or_reason(path: Path) -> AudioProbe | str:
    try:
        return probe_audio(path)
    except ProbeError as exc:
        return str(exc)


def _stored_path(path: Path, data_root: Path | None) -> str:
    if data_root is not None:
        try:
            return path.relative_to(data_root).as_posix()
        except ValueError:
            pass
    return str(path)


def describe(
    candidates: Sequence[Candidate],
    data_root: str | Path | None = None,
    fractions=DEFAULT_FRACTIONS,
    n_workers: int = 1,
    progress: bool = False,
    cache: ProbeCache | None = None,
) -> tuple[list[SourceFile], ScanTally]:
    """Probe, filter, deduplicate (first candidate wins) and split ``candidates``.

    Paths inside ``data_root`` are stored relative to it, others absolute.
    """
    root = Path(data_root).resolve() if data_root is not None else None
    tally = ScanTally(n_candidates=len(candidates))
    results: list[AudioProbe | str | None] = [cache.get(c.path) if cache is not None else None for c in candidates]
    todo = [i for i, result in enumerate(results) if result is None]
    paths = [candidates[i].path for i in todo]
    bar = dict(total=len(paths), desc="decode+hash", unit="file", disable=not progress)
    if n_workers > 1 and len(paths) > 1:
        with ProcessPoolExecutor(n_workers) as pool:
            probed = list(tqdm(pool.map(_probe_or_reason, paths, chunksize=1), **bar))
    else:
        probed = [_probe_or_reason(p) for p in tqdm(paths, **bar)]
    for i, result in zip(todo, probed, strict=True):
        results[i] = result
        if cache is not None and isinstance(result, AudioProbe):
            cache.put(candidates[i].path, result)
    if cache is not None:
        cache.save()

    kept: list[tuple[Candidate, AudioProbe]] = []
    seen: set[str] = set()
    for candidate, result in zip(candidates, results, strict=True):
        if isinstance(result, str):
            tally.n_unreadable += 1
            tally.problems.append(f"unreadable: {result}")
            log.warning("skipping unreadable file: %s", result)
            continue
        if result.sample_rate < MIN_SAMPLE_RATE_HZ[candidate.kind]:
            tally.n_low_rate += 1
            tally.problems.append(
                f"low rate: {candidate.path}: {result.sample_rate} Hz < "
                f"{MIN_SAMPLE_RATE_HZ[candidate.kind]} Hz for {candidate.kind}"
            )
            continue
        if result.sha256 in seen:
            tally.n_duplicates += 1
            continue
        seen.add(result.sha256)
        kept.append((candidate, result))

    keys = [c.group or p.sha256 for c, p in kept]
    split_of = assign_splits(
        keys,
        [(c.kind, c.category, c.stratum_tag) for c, _ in kept],
        [c.allowed_splits for c, _ in kept],
        fractions,
    )
    records = [
        SourceFile(
            path=_stored_path(c.path, root),
            kind=c.kind,
            category=c.category,
            origin=c.origin,
            licence=c.licence,
            sha256=p.sha256,
            sample_rate=p.sample_rate,
            n_channels=p.n_channels,
            duration_s=round(p.duration_s, 4),
            split=split_of[key],
        )
        for (c, p), key in zip(kept, keys, strict=True)
    ]
    tally.n_kept = len(records)
    return records, tally


def audio_files(root: Path) -> list[Path]:
    """Audio files under ``root`` (symlinks followed), sorted for determinism."""
    found = []
    for folder, _, names in os.walk(root, followlinks=True):
        for name in names:
            if name.lower().endswith(AUDIO_SUFFIXES):
                found.append(Path(folder) / name)
    return sorted(found)


def _require_dir(root: Path, layout: str, hint: str) -> None:
    if not root.is_dir():
        raise FileNotFoundError(f"{layout}: {root} is not a folder (expected {hint})")


def _track_stems(track_dirs: Iterable[tuple[Path, tuple[str, ...]]], origin: str, licence: str) -> list[Candidate]:
    """Stems and mixture of each track; all files of a track share one split."""
    categories = {"mixture": "mixture", "drums": "drums", "bass": "bass", "vocals": "vocals"}
    out = []
    for track_dir, allowed in track_dirs:
        for wav in sorted(track_dir.glob("*.wav")):
            out.append(
                Candidate(
                    path=wav.resolve(),
                    kind="music",
                    category=categories.get(wav.stem.lower(), "instrument"),
                    origin=origin,
                    licence=licence,
                    group=f"{origin}:{track_dir.name}",
                    allowed_splits=allowed,
                )
            )
    return out


_DEV_SPLITS = ("train", "validation")


def _subdirs(folder: Path) -> list[Path]:
    return sorted(d for d in folder.iterdir() if d.is_dir()) if folder.is_dir() else []


def read_musdb18(root: Path) -> list[Candidate]:
    root = Path(root)
    _require_dir(root, "musdb18", "ROOT/train/TRACK/mixture.wav and ROOT/test/...")
    tracks = [(d, _DEV_SPLITS) for d in _subdirs(root / "train")]
    tracks += [(d, ("test",)) for d in _subdirs(root / "test")]
    candidates = _track_stems(tracks, "MUSDB18", "MUSDB18 terms: research use, per-track licences")
    if not candidates and any(root.rglob("*.stem.mp4")):
        raise ValueError(
            f"musdb18: {root} holds .stem.mp4 files, which soundfile cannot decode; use MUSDB18-HQ "
            "or convert with `musdbconvert` to per-stem WAV files"
        )
    return candidates


def read_dsd100(root: Path) -> list[Candidate]:
    root = Path(root)
    _require_dir(root, "dsd100", "ROOT/Mixtures/{Dev,Test}/TRACK/mixture.wav and ROOT/Sources/...")
    tracks = []
    for part in ("Mixtures", "Sources"):
        tracks += [(d, _DEV_SPLITS) for d in _subdirs(root / part / "Dev")]
        tracks += [(d, ("test",)) for d in _subdirs(root / part / "Test")]
    return _track_stems(tracks, "DSD100", "DSD100 terms: research use")


def _read_csv(path: Path, required: set[str]) -> list[dict[str, str]]:
    if not path.is_file():
        raise FileNotFoundError(f"metadata file {path} is missing")
    with path.open(newline="", encoding="utf-8") as src:
        rows = list(csv.DictReader(src))
    missing = required - set(rows[0] if rows else ())
    if missing:
        raise ValueError(f"{path}: missing columns {sorted(missing)}")
    return rows


def _fold_splits(fold: str, test_fold: int, validation_fold: int, where: str) -> tuple[str, ...]:
    try:
        number = int(fold)
    except ValueError as exc:
        raise ValueError(f"{where}: fold must be an integer, got {fold!r}") from exc
    if number == test_fold:
        return ("test",)
    if number == validation_fold:
        return ("validation",)
    return ("train",)


# Dataset class names mapped onto the project's noise categories; others keep their own name.
_NOISE_CATEGORIES = {
    "rain": "rain",
    "wind": "wind",
    "sea_waves": "water",
    "water_drops": "water",
    "pouring_water": "water",
    "toilet_flush": "water",
    "crackling_fire": "fire",
    "chirping_birds": "birds",
    "crow": "birds",
    "rooster": "birds",
    "hen": "birds",
    "crickets": "night",
    "insects": "night",
    "frog": "night",
    "laughing": "crowd",
    "clapping": "crowd",
    "children_playing": "crowd",
    "car_horn": "traffic",
    "engine": "traffic",
    "engine_idling": "traffic",
    "train": "traffic",
    "airplane": "traffic",
    "siren": "traffic",
    "helicopter": "traffic",
    "vacuum_cleaner": "machine",
    "washing_machine": "machine",
    "hand_saw": "machine",
    "chainsaw": "machine",
    "air_conditioner": "machine",
    "drilling": "machine",
    "jackhammer": "machine",
    "keyboard_typing": "machine",
    "mouse_click": "machine",
    "clock_tick": "machine",
}


def read_esc50(root: Path) -> list[Candidate]:
    root = Path(root)
    _require_dir(root, "esc50", "ROOT/audio/*.wav and ROOT/meta/esc50.csv")
    rows = _read_csv(root / "meta" / "esc50.csv", {"filename", "fold", "category"})
    out = []
    for line_no, row in enumerate(rows, 2):
        out.append(
            Candidate(
                path=(root / "audio" / row["filename"]).resolve(),
                kind="noise",
                category=_NOISE_CATEGORIES.get(row["category"], row["category"]),
                origin="ESC-50",
                licence="CC-BY-NC-3.0 (ESC-50)",
                allowed_splits=_fold_splits(row["fold"], 5, 4, f"esc50.csv:{line_no}"),
            )
        )
    return out


def read_urbansound8k(root: Path) -> list[Candidate]:
    root = Path(root)
    _require_dir(root, "urbansound8k", "ROOT/audio/foldN/*.wav and ROOT/metadata/UrbanSound8K.csv")
    rows = _read_csv(root / "metadata" / "UrbanSound8K.csv", {"slice_file_name", "fold", "class"})
    out = []
    for line_no, row in enumerate(rows, 2):
        out.append(
            Candidate(
                path=(root / "audio" / f"fold{row['fold']}" / row["slice_file_name"]).resolve(),
                kind="noise",
                category=_NOISE_CATEGORIES.get(row["class"], row["class"]),
                origin="UrbanSound8K",
                licence="CC-BY-NC-3.0 (UrbanSound8K)",
                allowed_splits=_fold_splits(row["fold"], 10, 9, f"UrbanSound8K.csv:{line_no}"),
            )
        )
    return out


def read_folder(root: Path, kind: str, category: str = "", licence: str = "unknown (user folder)") -> list[Candidate]:
    """Every audio file under ``root``; category defaults to the file's top folder name."""
    root = Path(root)
    _require_dir(root, "folder", "a folder with audio files")
    out = []
    for path in audio_files(root):
        relative = path.relative_to(root)
        label = category or (relative.parts[0] if len(relative.parts) > 1 else "unlabelled")
        out.append(
            Candidate(
                path=path.resolve(),
                kind=kind,
                category=label,
                origin=f"folder:{root.name}",
                licence=licence,
            )
        )
    return out


LAYOUT_KINDS = {"musdb18": "music", "dsd100": "music", "esc50": "noise", "urbansound8k": "noise"}
_READERS: dict[str, Callable[[Path], list[Candidate]]] = {
    "musdb18": read_musdb18,
    "dsd100": read_dsd100,
    "esc50": read_esc50,
    "urbansound8k": read_urbansound8k,
}
LAYOUTS = tuple(_READERS) + ("folder",)


def dataset_candidates(
    layout: str,
    root: str | Path,
    kind: str | None = None,
    category: str = "",
    licence: str = "unknown (user folder)",
) -> list[Candidate]:
    """Candidates for one user dataset; raises with a hint when the layout does not fit."""
    root = Path(root)
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; choose one of {LAYOUTS}")
    if layout == "folder":
        if kind not in KINDS:
            raise ValueError(f"layout 'folder' needs kind in {KINDS}, got {kind!r}")
        candidates = read_folder(root, kind, category, licence)
    else:
        if kind is not None and kind != LAYOUT_KINDS[layout]:
            raise ValueError(f"layout {layout!r} holds {LAYOUT_KINDS[layout]}, not {kind}")
        candidates = _READERS[layout](root)
    if not candidates:
        raise ValueError(f"{layout}: no audio files found under {root}")
    return candidates
