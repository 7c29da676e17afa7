"""Split assignment: deterministic, proportional, stable when files are added, stratified."""

from __future__ import annotations

import random

import pytest

from livedenoise.training.manifest import SPLITS
from livedenoise.training.splits import assign_splits, split_for, split_position


def test_split_for_is_deterministic_and_near_the_fractions():
    keys = [f"file-{i}" for i in range(4000)]
    first = [split_for(k) for k in keys]
    assert first == [split_for(k) for k in keys]
    shares = {s: first.count(s) / len(keys) for s in SPLITS}
    assert shares["train"] == pytest.approx(0.7, abs=0.03)
    for split in ("validation", "test", "test_seen"):
        assert shares[split] == pytest.approx(0.1, abs=0.02)


def test_position_is_uniform_in_unit_interval():
    positions = [split_position(str(i)) for i in range(2000)]
    assert all(0.0 <= p < 1.0 for p in positions)
    assert sum(p < 0.5 for p in positions) == pytest.approx(1000, abs=100)


def test_adding_files_never_moves_existing_ones():
    keys = [f"a{i}" for i in range(300)]
    strata = [("music", "rock")] * len(keys)
    before = assign_splits(keys, strata)
    more = keys + [f"b{i}" for i in range(200)]
    after = assign_splits(more, [("music", "rock")] * len(more))
    assert all(after[k] == before[k] for k in keys)


def test_order_of_input_does_not_matter():
    keys = [f"k{i}" for i in range(50)]
    strata = [("noise", "rain" if i % 2 else "wind") for i in range(50)]
    pairs = list(zip(keys, strata, strict=True))
    random.Random(1).shuffle(pairs)
    shuffled = assign_splits([k for k, _ in pairs], [s for _, s in pairs])
    assert shuffled == assign_splits(keys, strata)


def test_small_strata_reach_every_split():
    # Four files of a rare category: hashing alone would usually leave a split empty.
    for trial in range(20):
        keys = [f"t{trial}-{i}" for i in range(4)]
        splits = assign_splits(keys, [("noise", "wind")] * 4)
        assert sorted(splits.values()) == sorted(SPLITS), splits


def test_every_kind_reaches_every_split_across_categories():
    keys = [f"m{i}" for i in range(5)]
    strata = [("music", f"category{i}") for i in range(5)]  # one file per category
    splits = assign_splits(keys, strata)
    assert set(splits.values()) == set(SPLITS)


def test_strata_too_small_are_left_alone():
    splits = assign_splits(["x", "y"], [("noise", "fire")] * 2)
    assert splits == {"x": split_for("x"), "y": split_for("y")}


def test_items_sharing_a_key_share_a_split():
    keys = ["song1", "song1", "song2", "song2"]
    strata = [("music", "rock"), ("music", "guitar")] * 2
    splits = assign_splits(keys, strata)
    assert set(splits) == {"song1", "song2"}


def test_allowed_splits_are_respected():
    keys = [f"f{i}" for i in range(200)]
    allowed = [("test",) if i < 50 else ("train", "validation") for i in range(200)]
    splits = assign_splits(keys, [("noise", "rain")] * 200, allowed)
    assert all(splits[k] == "test" for k in keys[:50])
    rest = [splits[k] for k in keys[50:]]
    assert "test" not in rest and "validation" in rest and "train" in rest


def test_keys_limited_to_two_splits_still_reach_both():
    # A training package's small category: its files may go to train or test_seen only.
    for trial in range(20):
        keys = [f"s{trial}-{i}" for i in range(4)]
        splits = assign_splits(keys, [("noise", "wind")] * 4, [("train", "test_seen")] * 4)
        assert set(splits.values()) == {"train", "test_seen"}, splits


@pytest.mark.parametrize(
    "fractions",
    [
        {"train": 1.0, "validation": 0.0},
        {"train": -1.0, "validation": 1.0, "test": 1.0},
        {"train": 0.0, "validation": 0.0, "test": 0.0},
    ],
)
def test_bad_fractions_are_rejected(fractions):
    with pytest.raises(ValueError, match="fractions"):
        split_for("k", fractions)


def test_unknown_allowed_split_is_rejected():
    with pytest.raises(ValueError, match="allowed"):
        split_for("k", allowed=("holdout",))
