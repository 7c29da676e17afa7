"""Files the commands write: their paths checked before any work, their modes what the umask allows.

Every command that writes a file writes it beside its final path and renames it into place, so a
failure leaves nothing half-written. ``tempfile.mkstemp`` makes that file 0600 whatever the umask,
which would hide a take or a report from the user's other tools and users: ``new_file_mode`` gives
the mode a plain ``open`` would have. ``output_path`` is an argument type that refuses a path that
cannot be written (no such folder, a folder, no permission) when the command line is read, before a
model loads or a benchmark runs for minutes.
"""

from __future__ import annotations

import argparse
import os
import stat
import tempfile
from pathlib import Path


def new_file_mode(path: Path) -> int:
    """An existing file keeps its mode; a new one gets what the umask allows."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_text_atomically(path: Path, text: str) -> None:
    """Write ``text`` beside ``path``, give it ``new_file_mode``, then rename it into place."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, new_file_mode(path))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def output_problem(path: Path) -> str | None:
    """Why ``path`` cannot be written, or None."""
    if path.is_dir():
        return f"{path} is a folder; give a file name"
    folder = path.parent
    if not folder.is_dir():
        return f"folder {folder} does not exist"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"cannot write into folder {folder}: permission denied"
    if path.exists() and not os.access(path, os.W_OK):
        return f"{path} is read-only"
    return None


def output_path(text: str) -> Path:
    """An argument type: a file path that can be written (``-`` is left to the command: standard output)."""
    path = Path(text)
    if text == "-":
        return path
    problem = output_problem(path)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return path
