"""The takes of a batch: which audio files the inputs name, and where each one's output goes.

Inputs are files, folders (searched recursively for the formats ``livedenoise file`` reads; hidden
files and anything else are passed over) and globs (``takes/*.wav``, ``**`` recursive). Outputs
mirror the input tree under the output folder, relative to the deepest folder the inputs share:
``batch takes/ --out clean/`` writes ``clean/a/1.wav`` for ``takes/a/1.wav``; one file goes
straight into the output folder. Each output keeps its input's extension unless a format is given.

What cannot be a take (a path that does not exist, a glob that matches nothing, two inputs that
would write the same output) comes back as a ``Refusal``, to be reported beside the takes' own
failures; nothing here reads audio.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path

from livedenoise.realtime.file_mode import WRITABLE_EXTENSIONS

AUDIO_SUFFIXES = tuple(sorted(f".{ext.lower()}" for ext in WRITABLE_EXTENSIONS))
GLOB_MAGIC = ("*", "?", "[")


@dataclass(frozen=True)
class Take:
    """One input file and the output it is denoised into; ``name`` is the output relative to the output folder."""

    input_path: Path
    output_path: Path
    name: str


@dataclass(frozen=True)
class Refusal:
    """An input that is not a take, and why."""

    input_path: Path
    reason: str


def _absolute(path: Path) -> Path:
    """Absolute and normalised, symbolic links kept: the tree as the user sees it."""
    return Path(os.path.normpath(path.absolute()))


def _is_hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _folder_files(folder: Path, skip: Path) -> list[Path]:
    """The audio files under ``folder``, recursively, in a stable order; nothing under ``skip``."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and _absolute(here / d) != skip)
        found.extend(
            here / f for f in sorted(filenames) if not f.startswith(".") and f.lower().endswith(AUDIO_SUFFIXES)
        )
    return found


def _glob_root(pattern: str) -> Path:
    """The folder a glob's matches are taken relative to: its parts before the first wildcard."""
    parts = Path(pattern).parts
    n_fixed = next(i for i, part in enumerate(parts) if any(m in part for m in GLOB_MAGIC))
    return _absolute(Path(*parts[:n_fixed])) if n_fixed else _absolute(Path("."))


def find_takes(inputs: list[str], out_dir: Path, output_format: str | None = None) -> tuple[list[Take], list[Refusal]]:
    """The takes ``inputs`` name and the inputs refused; ``output_format`` (``flac``, ``wav``, ...) or the input's."""
    out_dir = _absolute(out_dir)
    named: list[tuple[Path, Path]] = []  # (file, root its output is placed relative to)
    refusals: list[Refusal] = []
    for text in inputs:
        path = _absolute(Path(text))
        if path.is_dir():
            named.extend((f, path) for f in _folder_files(path, out_dir))
        elif path.exists():
            named.append((path, path.parent))
        elif any(m in text for m in GLOB_MAGIC):
            root = _glob_root(text)
            matches = sorted(_absolute(Path(m)) for m in glob.glob(text, recursive=True))
            if not matches:
                refusals.append(Refusal(Path(text), f"no file matches {text}"))
            for match in matches:
                if match.is_dir():
                    named.extend((f, root) for f in _folder_files(match, out_dir))
                elif not _is_hidden(match, root) and out_dir not in match.parents:
                    named.append((match, root))
        else:
            refusals.append(Refusal(Path(text), f"input not found: {text}"))
    if not named:
        return [], refusals
    common = Path(os.path.commonpath([root for _, root in named]))
    takes: list[Take] = []
    seen_inputs: set[Path] = set()
    by_output: dict[Path, Path] = {}
    for path, _ in named:
        real = path.resolve()
        if real in seen_inputs:
            continue
        seen_inputs.add(real)
        relative = path.relative_to(common)
        if output_format is not None:
            relative = relative.with_suffix(f".{output_format}")
        output = out_dir / relative
        if output in by_output:
            refusals.append(Refusal(path, f"{by_output[output]} already writes {output}; rename one of them"))
            continue
        by_output[output] = path
        takes.append(Take(path, output, relative.as_posix()))
    return takes, refusals
