"""The batch's record of finished takes, so that a second run skips them: ``OUT/.livedenoise-batch.jsonl``.

One JSON line per take finished, appended and flushed as each one finishes, so an interruption
loses at most the line being written (a torn last line is ignored). A line names the output
(relative to the output folder), the input with its size and modification time, the options'
identity (model bytes, settings, version) and the output's size and modification time. A take is
complete, and skipped, when its newest line matches all of these as they are now: a changed input,
other options, or an output replaced or removed since, and it is done again.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from livedenoise.realtime.batch.takes import Take

MANIFEST_NAME = ".livedenoise-batch.jsonl"


def _stamp(path: Path) -> dict | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


class Manifest:
    """The finished takes recorded under ``out_dir`` for options whose identity is ``identity``."""

    def __init__(self, out_dir: Path, identity: dict) -> None:
        self.path = Path(out_dir) / MANIFEST_NAME
        self._identity = json.loads(json.dumps(identity))  # as a line read back holds it (lists, not tuples)
        self._entries: dict[str, dict] = {}
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            lines = []
        for line in lines:
            try:
                entry = json.loads(line)
                self._entries[entry["output"]] = entry
            except (json.JSONDecodeError, KeyError, TypeError):
                continue  # a line torn by an interruption

    def is_complete(self, take: Take) -> bool:
        """Whether ``take``'s output was made from this input with these options, and is still as made."""
        entry = self._entries.get(take.name)
        return (
            entry is not None
            and entry.get("input") == str(take.input_path)
            and entry.get("input_stamp") == _stamp(take.input_path)
            and entry.get("options") == self._identity
            and entry.get("output_stamp") == _stamp(take.output_path)
        )

    def noise_print(self, take: Take) -> str | None:
        """The print a recorded take was made with, for the report of a run that skips it."""
        return self._entries.get(take.name, {}).get("noise_print")

    def record(self, take: Take, noise_print: str | None) -> None:
        """Note ``take`` as finished, now, with its output as it is on disk."""
        entry = {
            "output": take.name,
            "input": str(take.input_path),
            "input_stamp": _stamp(take.input_path),
            "options": self._identity,
            "output_stamp": _stamp(take.output_path),
            "noise_print": noise_print,
        }
        self._entries[take.name] = entry
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")
            f.flush()
            os.fsync(f.fileno())
