"""`livedenoise data`: fetch, render and add training sources; report what the manifest holds.

    livedenoise data fetch                 Debian packages -> data/debian/ -> manifests/debian.jsonl
    livedenoise data render                SoundFont renders -> data/rendered/ -> manifests/render.jsonl
    livedenoise data add --layout esc50 PATH
    livedenoise data report                counts and minutes as Markdown -> data/SOURCES.md, and the
                                           spread of noise spectra per split -> data/noise-spectra.png
    livedenoise data bundle OUT            train + validation splits as Opus clips under 60 MiB -> OUT/,
                                           a data root another machine trains from

Every action that changes a source manifest rewrites ``manifest.jsonl``: all sources merged,
deduplicated by sha256 (Debian first, then renders, then user datasets).
"""

from __future__ import annotations

import argparse
import logging
import os
import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from livedenoise.training import devset_cli
from livedenoise.training.bundle import BundleConfig, pack_bundle
from livedenoise.training.dataset_layouts import LAYOUTS, ScanTally, dataset_candidates, describe
from livedenoise.training.fetch import (
    DEBIAN_MANIFEST,
    MANIFESTS_DIR,
    default_data_root,
    fetch_sources,
    probe_cache,
)
from livedenoise.training.manifest import KINDS, SPLITS, SourceFile, read_manifest, write_manifest
from livedenoise.training.noise_pools import SPEECH_CATEGORIES
from livedenoise.training.packages import AUDIO_PACKAGES, HELD_OUT_CATEGORIES, package_by_name
from livedenoise.training.render import RENDER_MANIFEST, render_sources
from livedenoise.training.splits import catalogue_package_of, policy_problems

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.jsonl"
REPORT_NAME = "SOURCES.md"
SPECTRA_NAME = "noise-spectra.png"
SPECTRA_SPLITS = ("train", "validation", "test")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-root",
        type=Path,
        default=None,
        help="where data lives (default: $LIVEDENOISE_DATA or ./data)",
    )
    actions = parser.add_subparsers(dest="data_action", required=True, metavar="ACTION")
    workers = argparse.ArgumentParser(add_help=False)
    workers.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="parallel decode processes")

    fetch = actions.add_parser("fetch", parents=[workers], help="download Debian packages with music and noise")
    fetch.add_argument(
        "--packages",
        nargs="+",
        metavar="NAME",
        help="only these catalogue packages (default: all: " + ", ".join(p.name for p in AUDIO_PACKAGES) + ")",
    )
    render = actions.add_parser("render", parents=[workers], help="render MIDI with fluidsynth and FluidR3_GM")
    render.add_argument("--no-packages", action="store_true", help="only the generated MIDI, not Debian MIDI files")
    add = actions.add_parser("add", parents=[workers], help="add a dataset you already have")
    add.add_argument("--layout", required=True, choices=LAYOUTS)
    add.add_argument("--kind", choices=KINDS, help="music or noise (required for 'folder')")
    add.add_argument("--category", default="", help="category label for 'folder' files")
    add.add_argument("--licence", default="unknown (user folder)", help="licence for 'folder'")
    add.add_argument("--name", default="", help="manifest name (default: layout-FOLDERNAME)")
    add.add_argument("path", type=Path)
    actions.add_parser("report", help=f"write counts and durations to DATA_ROOT/{REPORT_NAME}")
    bundle = actions.add_parser(
        "bundle", help="pack the train and validation splits small, for training on another machine"
    )
    bundle.add_argument("out", type=Path, help="folder to write (a data root of its own)")
    bundle.add_argument(
        "--max-mib",
        type=float,
        default=BundleConfig.max_bytes / 2**20,
        help="size of the bundle; music fills what the noise leaves (default %(default)g)",
    )
    bundle.add_argument(
        "--music-kbps",
        type=float,
        default=BundleConfig.music_kbps,
        help="Opus bitrate of the music (default %(default)g)",
    )
    bundle.add_argument(
        "--noise-kbps",
        type=float,
        default=BundleConfig.noise_kbps,
        help="Opus bitrate of the noise (default %(default)g)",
    )
    devset_cli.configure(actions.add_parser("devset", help="build the dev sets (unseen sources, in-distribution)"))


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    data_root = Path(args.data_root) if args.data_root else default_data_root()
    action = args.data_action
    if action == "report":
        return _report(data_root)
    if action == "devset":
        return devset_cli.run(args)
    if action == "bundle":
        return _bundle(data_root, args)
    if getattr(args, "workers", 1) < 1:
        raise SystemExit("--workers must be >= 1")
    if action == "fetch":
        try:
            packages = [package_by_name(n) for n in args.packages] if args.packages else AUDIO_PACKAGES
        except (KeyError, ValueError) as exc:
            raise SystemExit(f"data fetch: {exc}") from exc
        records, tally = fetch_sources(data_root, packages, n_workers=args.workers, progress=True)
        _finish(data_root, "debian", tally)
    elif action == "render":
        records, tally = render_sources(data_root, not args.no_packages, n_workers=args.workers, progress=True)
        _finish(data_root, "render", tally)
    elif action == "add":
        name = args.name or f"{args.layout}-{args.path.resolve().name}"
        if not re.fullmatch(r"[A-Za-z0-9._-]+", name) or name in ("debian", "render"):
            raise SystemExit(f"data add: bad --name {name!r}: use letters, digits, '.', '_', '-'")
        try:
            candidates = dataset_candidates(args.layout, args.path, args.kind, args.category, args.licence)
        except (FileNotFoundError, ValueError) as exc:
            raise SystemExit(f"data add: {exc}") from exc
        records, tally = describe(
            candidates,
            data_root,
            n_workers=args.workers,
            progress=True,
            cache=probe_cache(data_root),
        )
        write_manifest(data_root / MANIFESTS_DIR / f"{name}.jsonl", records)
        _finish(data_root, name, tally)
    else:
        raise SystemExit(f"unknown data action {action!r}")
    return 0 if records else 1


def _finish(data_root: Path, source: str, tally: ScanTally) -> None:
    problems = data_root / MANIFESTS_DIR / f"{source}.problems.txt"
    problems.write_text("".join(line + "\n" for line in tally.problems), encoding="utf-8")
    merged = merge_manifests(data_root)
    print(f"{source}: {tally.summary()}")
    if tally.problems:
        print(f"  skipped files and reasons: {problems}")
    print(f"manifest: {data_root / MANIFEST_NAME} ({len(merged)} files)")


def merge_manifests(data_root: Path) -> list[SourceFile]:
    """Merge every source manifest into ``manifest.jsonl``; the first copy of a sha256 wins."""
    folder = Path(data_root) / MANIFESTS_DIR
    first = [folder / DEBIAN_MANIFEST, folder / RENDER_MANIFEST]
    others = sorted(p for p in folder.glob("*.jsonl") if p not in first)
    merged, seen = [], set()
    for path in first + others:
        if not path.exists():
            continue
        for record in read_manifest(path):
            if record.sha256 not in seen:
                seen.add(record.sha256)
                merged.append(record)
    write_manifest(Path(data_root) / MANIFEST_NAME, merged)
    return merged


def _minutes(records: Iterable[SourceFile]) -> float:
    return sum(r.duration_s for r in records) / 60.0


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def sources_report(records: list[SourceFile], data_root: Path) -> str:
    """Markdown: files and minutes per kind/split, category, origin and licence."""
    lines = [
        "# Training sources",
        "",
        f"Data root: `{data_root}`. {len(records)} unique files (deduplicated by sha256), "
        f"{_minutes(records):.1f} minutes in all. Files were split before any mixing.",
        "",
        "## Minutes per kind and split",
        "",
    ]
    rows = []
    for kind in KINDS:
        of_kind = [r for r in records if r.kind == kind]
        cells = [f"{_minutes(r for r in of_kind if r.split == s):.1f}" for s in SPLITS]
        rows.append([kind, *cells, f"{_minutes(of_kind):.1f}", str(len(of_kind))])
    lines += _table(["kind", *SPLITS, "total", "files"], rows)

    def grouped(key) -> dict[tuple, list[SourceFile]]:
        groups: dict[tuple, list[SourceFile]] = defaultdict(list)
        for record in records:
            groups[key(record)].append(record)
        return dict(sorted(groups.items()))

    lines += ["", "## Per category (minutes per split)", ""]
    rows = []
    for (kind, category), group in grouped(lambda r: (r.kind, r.category)).items():
        per_split = [f"{_minutes(r for r in group if r.split == s):.1f}" for s in SPLITS]
        rows.append([kind, category, str(len(group)), *per_split])
    lines += _table(["kind", "category", "files", *SPLITS], rows)

    lines += ["", "## Per origin", ""]
    rows = [
        [origin, kind, licence, str(len(group)), f"{_minutes(group):.1f}"]
        for (origin, kind, licence), group in grouped(lambda r: (r.origin, r.kind, r.licence)).items()
    ]
    lines += _table(["origin", "kind", "licence", "files", "minutes"], rows)

    noise = [r for r in records if r.kind == "noise"]
    lines += ["", "## Real noise per category (minutes per split)", ""]
    rows = []
    for category in sorted({r.category for r in noise}):
        group = [r for r in noise if r.category == category]
        per_split = [f"{_minutes(r for r in group if r.split == s):.1f}" for s in SPLITS]
        origins = ", ".join(sorted({r.origin for r in group}))
        rows.append([category, *per_split, f"{_minutes(group):.1f}", origins])
    lines += _table(["category", *SPLITS, "total", "packages"], rows)

    lines += ["", "## Per package (minutes per split)", ""]
    rows = []
    for (origin,), group in grouped(lambda r: (r.origin,)).items():
        per_split = [f"{_minutes(r for r in group if r.split == s):.1f}" for s in SPLITS]
        kinds = "+".join(k for k in KINDS if any(r.kind == k for r in group))
        categories = ", ".join(sorted({r.category for r in group}))
        rows.append([origin, kinds, *per_split, f"{_minutes(group):.1f}", categories])
    lines += _table(["package", "kind", *SPLITS, "total", "categories"], rows)
    n_noise_packages = len({r.origin for r in noise if catalogue_package_of(r.origin)})
    problems = policy_problems(records)
    lines += [
        "",
        "## Split policy",
        "",
        f"Real noise: {_minutes(noise):.1f} minutes from {n_noise_packages} catalogue packages "
        f"({_minutes(r for r in noise if r.category not in SPEECH_CATEGORIES):.1f} minutes without speech).",
        "Validation and test hold whole packages that training never touches; test_seen holds "
        "recordings of the training packages kept apart from training. Held out of training and "
        "validation entirely: " + ", ".join(f"{c} ({why})" for c, why in HELD_OUT_CATEGORIES.items()) + ".",
        "",
    ]
    lines += [f"- breach: {line}" for line in problems] if problems else ["No breach of the split policy."]

    lines += ["", "## Per licence", ""]
    rows = [
        [licence, str(len(group)), f"{_minutes(group):.1f}"]
        for (licence,), group in grouped(lambda r: (r.licence,)).items()
    ]
    lines += _table(["licence", "files", "minutes"], rows)
    return "\n".join(lines) + "\n"


def _bundle(data_root: Path, args: argparse.Namespace) -> int:
    manifest = data_root / MANIFEST_NAME
    if not manifest.exists():
        raise SystemExit(f"data bundle: {manifest} not found; run `livedenoise data fetch` first")
    config = BundleConfig(max_bytes=int(args.max_mib * 2**20), music_kbps=args.music_kbps, noise_kbps=args.noise_kbps)
    try:
        records = pack_bundle(manifest, args.out, config, progress=print)
    except (FileExistsError, ValueError) as exc:
        raise SystemExit(f"data bundle: {exc}") from exc
    (args.out / REPORT_NAME).write_text(sources_report(records, args.out), encoding="utf-8")
    size = sum((args.out / r.path).stat().st_size for r in records)
    print(
        f"wrote {args.out} ({len(records)} clips, {size / 2**20:.1f} MiB); train from it with "
        f"--set data.manifest='\"{args.out / MANIFEST_NAME}\"'"
    )
    return 0


def _report(data_root: Path) -> int:
    manifest = data_root / MANIFEST_NAME
    if not manifest.exists():
        raise SystemExit(f"data report: {manifest} not found; run `livedenoise data fetch` first")
    records = read_manifest(manifest)
    text = sources_report(records, data_root)
    picture = write_noise_spectra(records, data_root, data_root / SPECTRA_NAME)
    if picture is not None:
        text += f"\n![Spread of noise spectra per split]({SPECTRA_NAME})\n\n{picture}\n"
    (data_root / REPORT_NAME).write_text(text, encoding="utf-8")
    print(text)
    return 0


def write_noise_spectra(records: list[SourceFile], data_root: Path, path: Path) -> str | None:
    """Draw the spread of noise spectra (speech left out: it is babble's own type) in training,
    validation and the unseen test split to ``path``; returns a caption, or None without matplotlib."""
    from livedenoise.training import noise_spectra

    bands, counts = {}, []
    for split in SPECTRA_SPLITS:
        chosen = [r for r in records if r.kind == "noise" and r.split == split and r.category not in SPEECH_CATEGORIES]
        spectra, weights = noise_spectra.split_spectra(chosen, data_root)
        if len(weights):
            bands[split] = noise_spectra.weighted_percentiles(spectra, weights, noise_spectra.PERCENTILES)
            counts.append(f"{split} {len(weights)} recordings, {weights.sum() / 60:.1f} min")
    if not bands:
        return None
    try:
        noise_spectra.plot_spread(bands, path, "Noise spectra per split (long-term average, weighted by duration)")
    except ImportError:
        print("no spectra picture: matplotlib is not installed (pip install 'livedenoise[bench]')")
        return None
    return (
        f"Per-recording long-term average spectra, 0 dB total power, percentiles over recordings "
        f"weighted by duration; speech left out. {'; '.join(counts)}."
    )
