"""``livedenoise data devset``: build the dev set from the held-apart test split."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from livedenoise.training.devset import build_devset
from livedenoise.training.fetch import default_data_root


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--manifest", type=Path, default=None, help="source manifest (default: <data root>/manifest.jsonl)")
    parser.add_argument("--out", type=Path, default=None, help="dev-set folder (default: <data root>/devset)")
    parser.add_argument("--n-per-cell", type=int, default=6, help="examples per noise type and SNR")
    parser.add_argument("--segment-s", type=float, default=6.0, help="length of each example in seconds")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--overwrite", action="store_true", help="replace an existing dev set")


def run(args: argparse.Namespace) -> int:
    data_root = Path(getattr(args, "data_root", None) or default_data_root())
    manifest = args.manifest or data_root / "manifest.jsonl"
    out_dir = args.out or data_root / "devset"
    if not manifest.is_file():
        raise SystemExit(f"no manifest at {manifest}; run `livedenoise data fetch` first or pass --manifest")
    try:
        devset_path = build_devset(
            manifest, out_dir, n_per_cell=args.n_per_cell, segment_s=args.segment_s, seed=args.seed,
            overwrite=args.overwrite, progress=True,
        )
    except (FileExistsError, ValueError) as exc:
        raise SystemExit(f"devset: {exc}") from exc
    devset = json.loads(devset_path.read_text(encoding="utf-8"))
    counts: dict[str, int] = {}
    for example in devset["examples"]:
        counts[example["part"]] = counts.get(example["part"], 0) + 1
    print(f"wrote {devset_path}: " + ", ".join(f"{n} {part}" for part, n in counts.items()))
    for skip in devset["skipped"]:
        print(f"skipped {skip['part']}{' ' + skip['noise_type'] if 'noise_type' in skip else ''}: {skip['reason']}")
    return 0
