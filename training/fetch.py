"""Fetch the catalogued Debian packages and describe their audio for the manifest.

``apt-get download`` fetches each .deb (no install, no root needed beyond apt's own rules) and
``dpkg -x`` extracts it into ``<data_root>/debian/<package>/``. Both steps are skipped when their
result is already there, so an interrupted fetch resumes where it stopped.

Data root layout:
    debs/                 downloaded .deb files
    debian/<package>/     extracted packages (a ``.extracted`` marker means complete); selected
                          members of a zip archive ARCHIVE sit in the folder ``ARCHIVE!``
    manifests/*.jsonl     one manifest per source (debian, render, user datasets)
    manifests/probe-cache.json   decode/hash results, so re-runs skip files already checked
    manifest.jsonl        all sources merged and deduplicated
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import zipfile
from collections.abc import Sequence
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from tqdm import tqdm

from livedenoise.models.errors import LivedenoiseError
from livedenoise.training.dataset_layouts import Candidate, ProbeCache, ScanTally, describe
from livedenoise.training.manifest import SourceFile, read_manifest, write_manifest
from livedenoise.training.packages import (
    ARCHIVE_MARK,
    AUDIO_PACKAGES,
    Package,
    check_not_reserved,
)

log = logging.getLogger(__name__)

DEBS_DIR = "debs"
EXTRACTED_DIR = "debian"
MANIFESTS_DIR = "manifests"
DEBIAN_MANIFEST = "debian.jsonl"
PROBE_CACHE = "probe-cache.json"
_DONE_MARKER = ".extracted"
_MAX_LINK_HOPS = 40


class FetchError(LivedenoiseError, RuntimeError):
    """A package could not be downloaded or extracted."""


def default_data_root() -> Path:
    return Path(os.environ.get("LIVEDENOISE_DATA") or "data")


def probe_cache(data_root: Path) -> ProbeCache:
    return ProbeCache(Path(data_root) / MANIFESTS_DIR / PROBE_CACHE)


def _run(command: Sequence[str], cwd: Path | None = None) -> None:
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise FetchError(f"{command[0]} not found: this step needs a Debian-based system") from exc
    if done.returncode != 0:
        raise FetchError(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()}")


def _writable_by_apt(folder: Path) -> None:
    # As root, apt downloads as the unprivileged _apt user, which must be able to write here.
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        folder.chmod(0o777)


def download_deb(name: str, debs_dir: Path) -> Path:
    """The package's .deb in ``debs_dir``, downloaded only when absent."""
    check_not_reserved(name)
    existing = sorted(debs_dir.glob(f"{name}_*.deb"))
    if existing:
        return existing[-1]
    partial = debs_dir / f".partial-{name}"
    shutil.rmtree(partial, ignore_errors=True)
    _writable_by_apt(debs_dir)
    _writable_by_apt(partial)
    _run(["apt-get", "download", "-q", name], cwd=partial)
    downloaded = sorted(partial.glob(f"{name}_*.deb"))
    if not downloaded:
        raise FetchError(f"apt-get download {name} produced no .deb file")
    target = debs_dir / downloaded[-1].name
    downloaded[-1].replace(target)
    shutil.rmtree(partial, ignore_errors=True)
    return target


def extract_deb(deb: Path, target: Path) -> Path:
    """Extract ``deb`` into ``target`` unless a previous extraction completed."""
    if (target / _DONE_MARKER).exists():
        return target
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    _run(["dpkg", "-x", str(deb), str(partial)])
    (partial / _DONE_MARKER).write_text(deb.name + "\n", encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    partial.replace(target)
    return target


def fetch_package(name: str, data_root: Path) -> Path:
    """Download and extract one package; returns its extracted root."""
    check_not_reserved(name)
    data_root = Path(data_root)
    extracted = data_root / EXTRACTED_DIR / name
    if (extracted / _DONE_MARKER).exists():
        return extracted
    return extract_deb(download_deb(name, data_root / DEBS_DIR), extracted)


def resolve_inside(path: Path, root: Path) -> Path | None:
    """Follow symlinks as if ``root`` were ``/``; None when dangling, looping or escaping.

    Extracted packages hold links such as ``/usr/share/...`` that must resolve inside the
    extraction, not on this machine.
    """
    root = root.resolve()
    current = path
    for _ in range(_MAX_LINK_HOPS):
        if not current.is_symlink():
            break
        target = os.readlink(current)
        if os.path.isabs(target):
            current = root / target.lstrip("/")
        else:
            current = Path(os.path.normpath(current.parent / target))
    else:
        return None
    real = current.resolve()
    if not real.is_file() or not real.is_relative_to(root):
        return None
    return real


def unpack_archive_members(package: Package, extracted_root: Path) -> int:
    """Write the selected members of the package's zip archives beside them; returns how many.

    Members already written (same size) are kept, so a re-run reads only the zip directory.
    """
    patterns = package.archives()
    if not patterns:
        return 0
    n_written = 0
    for folder, _, names in sorted(os.walk(extracted_root)):
        for name in sorted(names):
            archive = Path(folder) / name
            relative = archive.relative_to(extracted_root).as_posix()
            if not any(fnmatchcase(relative, pattern) for pattern in patterns):
                continue
            try:
                with zipfile.ZipFile(archive) as zipped:
                    for member in zipped.infolist():
                        member_path = PurePosixPath(member.filename)
                        if member.is_dir() or member_path.is_absolute() or ".." in member_path.parts:
                            continue
                        if package.select(relative + ARCHIVE_MARK + member.filename) is None:
                            continue
                        target = extracted_root / (relative + ARCHIVE_MARK.rstrip("/")) / member_path
                        if target.is_file() and target.stat().st_size == member.file_size:
                            continue
                        target.parent.mkdir(parents=True, exist_ok=True)
                        partial = target.with_name(target.name + ".partial")
                        partial.write_bytes(zipped.read(member))
                        partial.replace(target)
                        n_written += 1
            except (zipfile.BadZipFile, OSError) as exc:
                raise FetchError(f"{package.name}: cannot read archive {relative}: {exc}") from exc
    return n_written


def package_candidates(package: Package, extracted_root: Path) -> tuple[list[Candidate], int]:
    """Selected files of one extracted package, and the number of broken links among them.

    Links to one file are all listed: deduplication by content later counts them. Every file
    goes to the package's split.
    """
    unpack_archive_members(package, extracted_root)
    candidates: list[Candidate] = []
    n_broken = 0
    for folder, _, names in sorted(os.walk(extracted_root)):
        for name in sorted(names):
            path = Path(folder) / name
            relative = path.relative_to(extracted_root).as_posix()
            selection = package.select(relative)
            if selection is None:
                continue
            real = resolve_inside(path, extracted_root)
            if real is None:
                n_broken += 1
                log.warning("skipping broken link %s", path)
                continue
            candidates.append(
                Candidate(
                    path=real,
                    kind=selection.kind,
                    category=selection.category,
                    origin=package.name,
                    licence=package.licence_of(selection),
                    group=selection.group_key(package.name, relative),
                    allowed_splits=package.allowed_splits(),
                )
            )
    return candidates, n_broken


def fetch_sources(
    data_root: Path,
    packages: Sequence[Package] = AUDIO_PACKAGES,
    n_workers: int = 1,
    progress: bool = False,
) -> tuple[list[SourceFile], ScanTally]:
    """Fetch ``packages``, describe their files and write ``manifests/debian.jsonl``.

    Records of packages not named here are kept from the previous manifest, so a fetch of a few
    packages adds to the data rather than replacing it.
    """
    data_root = Path(data_root)
    candidates: list[Candidate] = []
    problems: list[str] = []
    n_broken = 0
    for package in tqdm(packages, desc="packages", unit="pkg", disable=not progress):
        try:
            root = fetch_package(package.name, data_root)
            found, broken = package_candidates(package, root)
        except FetchError as exc:
            problems.append(f"fetch failed: {package.name}: {exc}")
            log.warning("skipping package %s: %s", package.name, exc)
            continue
        candidates += found
        n_broken += broken
        if not found:
            problems.append(f"no selected files: {package.name}")

    records, tally = describe(
        candidates, data_root, n_workers=n_workers, progress=progress, cache=probe_cache(data_root)
    )
    tally.n_unreadable += n_broken
    tally.problems = problems + tally.problems

    manifest_path = data_root / MANIFESTS_DIR / DEBIAN_MANIFEST
    refreshed = {p.name for p in packages}
    known_sha = {r.sha256 for r in records}
    previous = read_manifest(manifest_path) if manifest_path.exists() else []
    kept = [r for r in previous if r.origin not in refreshed and r.sha256 not in known_sha]
    write_manifest(manifest_path, kept + records)
    return kept + records, tally
