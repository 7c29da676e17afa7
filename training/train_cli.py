"""``livedenoise train [CONFIG] [--set section.key=value ...]``: train or resume a model."""

from __future__ import annotations

import argparse

from .config import DEFAULT_CONFIG, load_config, to_toml


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", nargs="?", default=None, help=f"TOML config (default: {DEFAULT_CONFIG.name}, shipped)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="SECTION.KEY=VALUE",
                        help="override one config key (repeatable), e.g. --set train.epochs=5")
    parser.add_argument("--print-config", action="store_true", help="print the resolved config and exit")


def run(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config, args.overrides)
    except (ValueError, TypeError) as exc:
        args.parser.error(str(exc))
    if args.print_config:
        print(to_toml(config))
        return 0
    from .train import train  # torch loads only when training really starts

    record = train(config)
    if record:
        print(f"done: epoch {record['epoch']}, validation SI-SDR improvement {record['val_sisdr_improvement_db']:+.2f} dB; "
              f"checkpoints in {config.train.out_dir}")
    return 0
