"""Deterministic train/validation/test assignment, decided per file before any mixing.

A file's split comes from a hash of its key (the file's sha256, or a group key that ties files
together, such as the stems of one song), so adding files never moves the files already there.
Small strata get a repair step: when a stratum has at least as many keys as there are splits that
may go to some split but none did, the key whose hash lies nearest that split's range is moved
into it.

Catalogue packages are not hashed: each goes whole to its split (``packages`` explains the policy);
``policy_problems`` checks a manifest against it.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence

from livedenoise.training.manifest import SPLITS, SourceFile
from livedenoise.training.packages import ALL_PACKAGES, HELD_OUT_CATEGORIES, SOUNDFONT_PACKAGE

# Renders of MIDI written by the project are split by file; renders of a package's MIDI carry the
# origin ``<soundfont package>+<package>`` and follow that package.
GENERATED_ORIGIN = f"{SOUNDFONT_PACKAGE.name}+generated"

DEFAULT_FRACTIONS: Mapping[str, float] = {"train": 0.7, "validation": 0.1, "test": 0.1, "test_seen": 0.1}


def check_fractions(fractions: Mapping[str, float]) -> None:
    if set(fractions) != set(SPLITS):
        raise ValueError(f"fractions must name exactly {SPLITS}, got {sorted(fractions)}")
    if any(value < 0 for value in fractions.values()) or sum(fractions.values()) <= 0:
        raise ValueError(f"fractions must be >= 0 with a positive sum, got {dict(fractions)}")


def split_position(key: str) -> float:
    """A uniform number in [0, 1) that depends only on ``key``."""
    digest = hashlib.sha256(("livedenoise-split:" + key).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def _ranges(fractions: Mapping[str, float], allowed: Sequence[str]) -> dict[str, tuple[float, float]]:
    total = sum(fractions[name] for name in allowed)
    if total <= 0:
        # Only zero-weight splits allowed (e.g. a fixed test fold with test=0): share evenly.
        weights = {name: 1.0 / len(allowed) for name in allowed}
    else:
        weights = {name: fractions[name] / total for name in allowed}
    ranges, low = {}, 0.0
    for name in SPLITS:
        if name in allowed:
            ranges[name] = (low, low + weights[name])
            low += weights[name]
    return ranges


def split_for(
    key: str,
    fractions: Mapping[str, float] = DEFAULT_FRACTIONS,
    allowed: Sequence[str] = SPLITS,
) -> str:
    """The split of one key among ``allowed`` splits, by hash."""
    check_fractions(fractions)
    if not allowed or any(name not in SPLITS for name in allowed):
        raise ValueError(f"allowed splits must be a non-empty subset of {SPLITS}, got {allowed}")
    position = split_position(key)
    spans = [(name, span) for name, span in _ranges(fractions, allowed).items() if span[1] > span[0]]
    for name, (_, high) in spans:
        if position < high:
            return name
    return spans[-1][0]  # rounding can leave the top range a hair short of 1.0


def _distance(position: float, span: tuple[float, float]) -> float:
    low, high = span
    if low <= position < high:
        return 0.0
    return min(abs(position - low), abs(position - high))


def assign_splits(
    keys: Sequence[str],
    strata: Sequence[tuple[Hashable, ...]],
    allowed: Sequence[tuple[str, ...]] | None = None,
    fractions: Mapping[str, float] = DEFAULT_FRACTIONS,
) -> dict[str, str]:
    """Split for every distinct key.

    ``keys[i]``, ``strata[i]`` and ``allowed[i]`` describe item ``i``; items that share a key share
    a split (the first item's ``allowed`` counts). Strata are tuples such as ``(kind, category)``:
    the repair runs on the full tuple, then on its first element alone, so every kind reaches every
    split whenever it has enough keys.
    """
    if len(keys) != len(strata) or (allowed is not None and len(allowed) != len(keys)):
        raise ValueError("keys, strata and allowed must have the same length")
    allowed_of: dict[str, tuple[str, ...]] = {}
    strata_of: dict[str, list[tuple[Hashable, ...]]] = defaultdict(list)
    for i, key in enumerate(keys):
        allowed_of.setdefault(key, tuple(allowed[i]) if allowed is not None else SPLITS)
        strata_of[key].append(tuple(strata[i]))
    split_of = {key: split_for(key, fractions, allowed_of[key]) for key in allowed_of}
    full_ranges = _ranges(fractions, SPLITS)

    for depth in (None, 1):
        members: dict[tuple[Hashable, ...], set[str]] = defaultdict(set)
        for key, key_strata in strata_of.items():
            for stratum in key_strata:
                members[stratum if depth is None else stratum[:depth]].add(key)
        for stratum in sorted(members, key=repr):
            for target in SPLITS:
                if fractions[target] <= 0:
                    continue
                # Keys hashed among several splits, ``target`` one of them; a stratum needs as many
                # as there are splits before any is moved.
                movable = sorted(k for k in members[stratum] if len(allowed_of[k]) > 1 and target in allowed_of[k])
                if len(movable) < len(SPLITS):
                    continue
                counts = defaultdict(int)
                for key in members[stratum]:
                    counts[split_of[key]] += 1
                if counts[target]:
                    continue
                donors = [k for k in movable if counts[split_of[k]] > 1]
                if not donors:
                    continue
                best = min(donors, key=lambda k: (_distance(split_position(k), full_ranges[target]), k))
                split_of[best] = target
    return split_of


def catalogue_package_of(origin: str) -> str | None:
    """The catalogue package whose split a record with ``origin`` must follow, if any."""
    if origin == GENERATED_ORIGIN:
        return None
    name = origin.removeprefix(SOUNDFONT_PACKAGE.name + "+")
    return name if any(p.name == name for p in ALL_PACKAGES) else None


def policy_problems(records: Iterable[SourceFile]) -> list[str]:
    """One line per breach of the split policy; empty when the manifest honours it.

    Breaches: a catalogue package outside its split, one recording (sha256) in two splits, a
    held-out noise category outside the test split.
    """
    splits_of_package = {p.name: p.allowed_splits() for p in ALL_PACKAGES}
    splits_of_sha: dict[str, set[str]] = defaultdict(set)
    problems = []
    for record in records:
        splits_of_sha[record.sha256].add(record.split)
        package = catalogue_package_of(record.origin)
        if package is not None and record.split not in splits_of_package[package]:
            problems.append(
                f"{record.path}: package {package} belongs to {'/'.join(splits_of_package[package])}, "
                f"found in {record.split}"
            )
        if record.kind == "noise" and record.category in HELD_OUT_CATEGORIES and record.split != "test":
            problems.append(f"{record.path}: held-out category {record.category!r} found in {record.split}")
    for sha, splits in sorted(splits_of_sha.items()):
        if len(splits) > 1:
            problems.append(f"recording {sha[:12]} is in several splits: {sorted(splits)}")
    return problems
