"""Config keys of experiments that left the code, and how a stored config that names one loads.

Checkpoints, model cards and resolved training configs written before an experiment was removed
still name its key, at the value that left it off (``gate_prior = false``). Such a key is dropped
on load, as if it had never been written; any other value is refused in one line that points to
``docs/experiments.md``, where each experiment is recorded with the commit that had it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

EXPERIMENTS_PAGE = "docs/experiments.md"


def _same(value: Any, off: Any) -> bool:
    """TOML and JSON give lists where a config had tuples; bools are not numbers here."""
    if isinstance(value, list):
        value = tuple(value)
    if isinstance(value, bool) != isinstance(off, bool):
        return False
    return value == off


def _shown(value: Any) -> str:
    """A value as a config file writes it (``true``, ``"add"``, ``[0.84, 1.19]``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_shown(v) for v in value) + "]"
    return f'"{value}"' if isinstance(value, str) else repr(value)


def drop_retired(section: str, values: Mapping[str, Any], retired: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` without the ``retired`` keys (key -> the value that left it off) that hold their
    off value. Raises ValueError naming ``section.key`` for a retired key at any other value."""
    kept = {}
    for key, value in values.items():
        if key not in retired:
            kept[key] = value
        elif not _same(value, retired[key]):
            raise ValueError(
                f"{section}.{key} = {_shown(value)} was an experiment, removed; see {EXPERIMENTS_PAGE} "
                f"(a config may still name it at {_shown(retired[key])}, its off value)"
            )
    return kept
