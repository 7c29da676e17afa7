"""A training bundle: the train and validation splits packed small enough to travel to another machine.

A machine without the Debian packages and SoundFont renders (a GPU machine, say) trains from the
bundle as from any data root: ``--set data.manifest='"BUNDLE/manifest.jsonl"'``. The procedural
noise is code and travels with the package. The bundle holds

- every noise recording of both splits, whole (noise variety is what the model must learn);
- excerpts of every music recording: the same number of seconds from each file (all of a short
  one), in pieces spread over the file, so every source and part of a piece is represented;
- ``manifest.jsonl``: one record per clip, with the source's split, kind, category, origin and
  licence; ``SOURCES.md``: the same tables as ``livedenoise data report``.

Clips are 48 kHz mono Ogg/Opus (Opus codes 48 kHz natively; training reads mono at 48 kHz). Music is
coded at a higher bitrate than noise: the music is the target the model learns to keep. The music
budget is whatever the noise leaves of ``max_bytes``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import soundfile as sf

from livedenoise.models.stft_geometry import SAMPLE_RATE
from livedenoise.training.dataset import CachedSources
from livedenoise.training.manifest import SourceFile, read_manifest, write_manifest

BUNDLED_SPLITS = ("train", "validation")
CLIPS_DIR = "clips"
# libsndfile maps its compression level linearly onto Opus bitrates from 256 down to 6 kb/s
# (measured: level 0.5 codes at 131 kb/s).
OPUS_MAX_KBPS, OPUS_MIN_KBPS = 256.0, 6.0
# What the Ogg container adds to bitrate x duration: about a kilobyte of headers per clip (measured
# 0.9-1.2 kB) and a few percent of pages.
CLIP_HEADER_BYTES = 1200
CONTAINER_MARGIN = 1.05


@dataclass(frozen=True)
class BundleConfig:
    max_bytes: int = 60 * 2**20
    music_kbps: float = 64.0
    noise_kbps: float = 32.0
    piece_s: float = 8.0  # music excerpts are cut into pieces of this length


def opus_level(kbps: float) -> float:
    """libsndfile's compression level for an Opus bitrate in kb/s."""
    if not OPUS_MIN_KBPS <= kbps <= OPUS_MAX_KBPS:
        raise ValueError(f"Opus bitrate must be {OPUS_MIN_KBPS:g}..{OPUS_MAX_KBPS:g} kb/s, got {kbps:g}")
    return (OPUS_MAX_KBPS - kbps) / (OPUS_MAX_KBPS - OPUS_MIN_KBPS)


def seconds_per_file(durations_s: Sequence[float], total_s: float) -> float:
    """The largest equal share ``q`` with ``sum(min(d, q)) <= total_s``: short files give all they
    have, and what they leave goes to the longer ones."""
    if total_s <= 0 or not durations_s:
        return 0.0
    ordered = sorted(durations_s)
    left = total_s
    for i, duration in enumerate(ordered):
        share = left / (len(ordered) - i)
        if duration >= share:
            return share
        left -= duration
    return ordered[-1]


def excerpt_starts(duration_s: float, take_s: float, piece_s: float) -> list[tuple[float, float]]:
    """(start, length) in seconds of the pieces that make up ``take_s`` of a file, evenly spread."""
    if take_s >= duration_s:
        return [(0.0, duration_s)]
    n_pieces = max(1, int(np.ceil(take_s / piece_s)))
    length = take_s / n_pieces
    gap = (duration_s - take_s) / n_pieces
    return [(gap / 2 + i * (length + gap), length) for i in range(n_pieces)]


def _write_clip(audio: np.ndarray, folder: Path, kbps: float) -> tuple[str, str]:
    """Code ``audio`` (48 kHz mono) as Opus under a name from its content; (relative path, sha256)."""
    staged = folder / f".staged-{np.random.default_rng().integers(1 << 62)}.opus"
    sf.write(staged, audio, SAMPLE_RATE, format="OGG", subtype="OPUS", compression_level=opus_level(kbps))
    digest = hashlib.sha256(staged.read_bytes()).hexdigest()
    final = folder / f"{digest[:24]}.opus"
    staged.replace(final)
    return f"{CLIPS_DIR}/{final.name}", digest


def _clip_record(source: SourceFile, path: str, digest: str, n_samples: int) -> SourceFile:
    return replace(
        source,
        path=path,
        sha256=digest,
        sample_rate=SAMPLE_RATE,
        n_channels=1,
        duration_s=round(n_samples / SAMPLE_RATE, 4),
    )


def _no_room(noise_bytes: float, max_bytes: int, about: str = "") -> str:
    return (
        f"the noise alone takes {about}{noise_bytes / 2**20:.2f} MiB of {max_bytes / 2**20:.2f} and leaves no "
        "room for music: lower noise_kbps or raise max_bytes"
    )


def pack_bundle(
    manifest: str | Path,
    out_dir: str | Path,
    config: BundleConfig = BundleConfig(),
    progress: Callable[[str], None] | None = None,
) -> list[SourceFile]:
    """Write the bundle of ``manifest``'s train and validation splits into ``out_dir`` (which must
    not hold one yet); returns its records. Raises ``ValueError`` when the noise leaves no room for
    music in ``config.max_bytes``, or the clips come out larger than planned."""
    manifest, out_dir = Path(manifest), Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise FileExistsError(f"{out_dir} is a file, not a folder")
    if (out_dir / "manifest.jsonl").exists():
        raise FileExistsError(f"{out_dir} already holds a bundle")
    opus_level(config.music_kbps), opus_level(config.noise_kbps)  # refuse a bad bitrate before any work
    records = [r for r in read_manifest(manifest) if r.split in BUNDLED_SPLITS]
    music = [r for r in records if r.kind == "music"]
    noise = [r for r in records if r.kind == "noise"]
    if not any(r.split == "train" for r in music):
        raise ValueError(f"{manifest} has no training music")
    # Variable-bitrate noise codes below its nominal rate (measured 15% below this estimate): refuse
    # here only a size that half of it fills; the exact test follows the coding.
    noise_estimate = sum(
        r.duration_s * config.noise_kbps * 1000 / 8 * CONTAINER_MARGIN + CLIP_HEADER_BYTES for r in noise
    )
    if noise_estimate / 2 >= config.max_bytes:
        raise ValueError(_no_room(noise_estimate, config.max_bytes, "about "))
    sources = CachedSources(manifest.parent, SAMPLE_RATE)
    clips = out_dir / CLIPS_DIR
    clips.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda message: None)

    packed: list[SourceFile] = []
    for i, record in enumerate(noise):
        audio = np.asarray(sources.decode(record), dtype=np.float32)
        packed.append(_clip_record(record, *_write_clip(audio, clips, config.noise_kbps), audio.size))
        if i % 200 == 0:
            say(f"noise {i + 1}/{len(noise)}")
    noise_bytes = sum((out_dir / r.path).stat().st_size for r in packed)
    music_s = (config.max_bytes - noise_bytes) * 8 / (config.music_kbps * 1000 * CONTAINER_MARGIN)
    # Validation needs few examples: it gets the share of its minutes, at most a tenth.
    minutes = {split: sum(r.duration_s for r in music if r.split == split) for split in BUNDLED_SPLITS}
    val_fraction = min(0.1, minutes["validation"] / sum(minutes.values()))
    plan: dict[str, float] = {}
    header_s = 0.0  # the seconds of music that the pieces' headers cost, from the last plan
    for _ in range(3):
        budget_s = max(0.0, music_s - header_s)
        plan = {
            split: seconds_per_file(
                [r.duration_s for r in music if r.split == split],
                budget_s * (val_fraction if split == "validation" else 1 - val_fraction),
            )
            for split in BUNDLED_SPLITS
        }
        n_pieces = sum(
            len(excerpt_starts(r.duration_s, plan[r.split], config.piece_s)) for r in music if plan[r.split] > 0
        )
        header_s = n_pieces * CLIP_HEADER_BYTES * 8 / (config.music_kbps * 1000)
    if plan["train"] <= 0:
        raise ValueError(_no_room(noise_bytes, config.max_bytes))
    for split in BUNDLED_SPLITS:
        of_split = [r for r in music if r.split == split]
        take_s = plan[split]
        if take_s <= 0:
            continue
        for i, record in enumerate(of_split):
            audio = sources.decode(record)
            for start_s, length_s in excerpt_starts(audio.size / SAMPLE_RATE, take_s, config.piece_s):
                start = int(start_s * SAMPLE_RATE)
                piece = np.array(audio[start : start + int(length_s * SAMPLE_RATE)], dtype=np.float32)
                if piece.size:
                    packed.append(_clip_record(record, *_write_clip(piece, clips, config.music_kbps), piece.size))
            if i % 50 == 0:
                say(f"{split} music {i + 1}/{len(of_split)} ({take_s:.1f} s of each)")
    total = sum((out_dir / r.path).stat().st_size for r in packed)
    if total > config.max_bytes:
        raise ValueError(f"the bundle came to {total / 2**20:.1f} MiB, over {config.max_bytes / 2**20:.1f}")
    write_manifest(out_dir / "manifest.jsonl", packed)
    return packed
