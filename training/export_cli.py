"""`livedenoise export CKPT OUT.onnx`: a training checkpoint -> a checked ONNX step model + card."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("checkpoint", type=Path, help="training checkpoint (.pt) written by livedenoise train")
    parser.add_argument("output", type=Path, help="ONNX file to write; the model card goes beside it as .json")
    parser.add_argument("--name", help="model name in the card (default: the output file's stem)")
    parser.add_argument("--force", action="store_true", help="overwrite an existing output file")
    parser.add_argument(
        "--dev-set-report",
        type=Path,
        metavar="JSON",
        help="a `livedenoise bench quality` report on these weights: its summary goes into the card's metrics",
    )


DEV_SET_KEYS = (
    "headline",
    "overall",
    "by_snr_db",
    "by_noise_type",
    "transparency",
    "attenuation",
    "tuner",
    "real_time_factor",
)
PROBE_KEYS = ("by_band", "min_stationary_db", "min_modulated_db", "worst_note_gain_db")


def _models_summary(models: dict) -> dict:
    return {name: {key: result[key] for key in DEV_SET_KEYS if key in result} for name, result in models.items()}


def dev_set_metrics(report_path: Path) -> dict:
    """A quality report's figures for the card (the model and its baselines, measured side by side):
    ``dev_set``, its headline dev set; ``other_dev_sets``, the rest in the order it ran them; and
    ``probe``, the noise probe, when the report has them."""
    report = json.loads(report_path.read_text(encoding="utf-8"))
    metrics = {
        "dev_set": {
            "devset": report["devset"],
            "strength_db": report["strength_db"],
            "models": _models_summary(report["models"]),
        },
    }
    others = report.get("sets", [])[1:]
    if others:
        metrics["other_dev_sets"] = [
            {"name": s["name"], "devset": s["devset"], "models": _models_summary(s["models"])} for s in others
        ]
    if report.get("probe"):
        metrics["probe"] = {
            name: {key: result[key] for key in PROBE_KEYS if key in result} for name, result in report["probe"].items()
        }
    return metrics


def run(args: argparse.Namespace) -> int:
    from livedenoise.models.card import ModelCardError
    from livedenoise.training.export import (
        CheckpointError,
        ExportError,
        card_extra_from_checkpoint,
        export_onnx,
        load_checkpoint_model,
    )

    output: Path = args.output
    if output.suffix != ".onnx":
        print(f"error: output must end in .onnx, got {output}", file=sys.stderr)
        return 2
    if output.resolve() == args.checkpoint.resolve():
        print("error: output path equals the checkpoint path; choose another output", file=sys.stderr)
        return 2
    if not output.parent.is_dir():
        print(f"error: output folder {output.parent} does not exist", file=sys.stderr)
        return 2
    if output.exists() and not args.force:
        print(f"error: {output} exists; pass --force to overwrite it", file=sys.stderr)
        return 2
    try:
        model, checkpoint = load_checkpoint_model(args.checkpoint)
        card_extra = card_extra_from_checkpoint(checkpoint)
        if args.dev_set_report:
            card_extra["metrics"] = {**card_extra.get("metrics", {}), **dev_set_metrics(args.dev_set_report)}
        if args.name:
            card_extra["name"] = args.name
        card = export_onnx(model, output, card_extra)
    except CheckpointError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except (OSError, KeyError, json.JSONDecodeError) as exc:
        print(f"error: cannot read the dev-set report {args.dev_set_report}: {exc!r}", file=sys.stderr)
        return 1
    except (ExportError, ModelCardError, ValueError) as exc:
        print(f"error: export failed, nothing written: {exc}", file=sys.stderr)
        return 1
    summary = {
        "onnx": str(output),
        "card": str(output.with_suffix(".json")),
        "name": card.name,
        "mask_kind": card.mask_kind,
        "n_parameters": model.n_parameters(),
        "macs_per_hop": model.macs_per_frame(),
    }
    print(json.dumps(summary, indent=2))
    return 0
