"""``livedenoise data devset``: build the dev sets from the held-apart splits.

``--sources unseen`` builds the unseen-source set (format 4, with noise prints, from the test
split) into ``<data root>/devset-unseen``; ``--sources seen`` the in-distribution set (format 2,
from test_seen) into ``<data root>/devset``; the default builds both.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from livedenoise.training.devset import FORMATS, build_devset
from livedenoise.training.fetch import default_data_root


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--manifest", type=Path, default=None, help="source manifest (default: <data root>/manifest.jsonl)"
    )
    parser.add_argument(
        "--sources",
        choices=(*FORMATS, "both"),
        default="both",
        help="unseen: sources training never touches (format 4, with noise prints); seen: held-apart recordings of the "
        "training sources (format 2); both (default)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="dev-set folder, with one --sources (default: <data root>/devset-unseen or <data root>/devset)",
    )
    parser.add_argument("--n-per-cell", type=int, default=6, help="examples per noise type and SNR")
    parser.add_argument("--segment-s", type=float, default=6.0, help="length of each example in seconds")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--overwrite", action="store_true", help="replace an existing dev set")


def run(args: argparse.Namespace) -> int:
    data_root = Path(getattr(args, "data_root", None) or default_data_root())
    manifest = args.manifest or data_root / "manifest.jsonl"
    if not manifest.is_file():
        raise SystemExit(f"no manifest at {manifest}; run `livedenoise data fetch` first or pass --manifest")
    names = list(FORMATS) if args.sources == "both" else [args.sources]
    if args.out is not None and len(names) > 1:
        raise SystemExit("devset: --out needs one --sources (unseen or seen)")
    for name in names:
        out_dir = args.out or data_root / FORMATS[name].default_folder
        try:
            devset_path = build_devset(
                manifest,
                out_dir,
                n_per_cell=args.n_per_cell,
                segment_s=args.segment_s,
                seed=args.seed,
                overwrite=args.overwrite,
                progress=True,
                sources=name,
            )
        except (FileExistsError, ValueError) as exc:
            raise SystemExit(f"devset ({name}): {exc}") from exc
        devset = json.loads(devset_path.read_text(encoding="utf-8"))
        counts: dict[str, int] = {}
        for example in devset["examples"]:
            counts[example["part"]] = counts.get(example["part"], 0) + 1
        print(
            f"wrote {devset_path} ({name} sources, format {devset['format']}): "
            + ", ".join(f"{n} {part}" for part, n in counts.items())
        )
        for skip in devset["skipped"]:
            print(
                f"  skipped {skip['part']}{' ' + skip['noise_type'] if 'noise_type' in skip else ''}: {skip['reason']}"
            )
    return 0
