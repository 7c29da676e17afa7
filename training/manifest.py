"""The source manifest: one record per real audio file the training side may draw from.

Written by the data fetch, read by mixing and the dev-set builder. Files are split here, before
any mixing, so no recording leaks across splits:

- ``train``: what the model learns from.
- ``validation``: checkpoint choice, from sources (packages) training never touches.
- ``test``: the unseen-source dev set, from other such sources.
- ``test_seen``: recordings of the training sources held apart from training, for the
  in-distribution dev set.
Stored as JSON Lines, one ``SourceFile`` per line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from pathlib import Path

KINDS = ("music", "noise")
SPLITS = ("train", "validation", "test", "test_seen")


@dataclass(frozen=True)
class SourceFile:
    """One deduplicated recording.

    ``path`` is relative to the data root the manifest lives in (or absolute for user datasets).
    ``category`` is a short label: for music e.g. "orchestral", "guitar", "piano", "drums";
    for noise e.g. "rain", "wind", "speech", "crowd", "machine", "instrument".
    """

    path: str
    kind: str
    category: str
    origin: str  # Debian package or dataset name
    licence: str
    sha256: str
    sample_rate: int
    n_channels: int
    duration_s: float
    split: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        if self.split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {self.split!r}")

    def resolve(self, data_root: str | Path) -> Path:
        path = Path(self.path)
        return path if path.is_absolute() else Path(data_root) / path


def write_manifest(path: str | Path, files: Iterable[SourceFile]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        for record in files:
            out.write(json.dumps(asdict(record), sort_keys=True) + "\n")
    tmp.replace(path)


def read_manifest(path: str | Path) -> list[SourceFile]:
    names = {f.name for f in fields(SourceFile)}
    records = []
    with Path(path).open(encoding="utf-8") as src:
        for line_no, line in enumerate(src, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                records.append(SourceFile(**{k: v for k, v in data.items() if k in names}))
            except (json.JSONDecodeError, TypeError, ValueError) as exc:
                raise ValueError(f"{path}:{line_no}: bad manifest record: {exc}") from exc
    return records
