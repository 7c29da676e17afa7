"""``livedenoise train [CONFIG] [--set section.key=value ...]``: train or resume a model.

``--time-steps N [--against OTHER.toml]`` measures what a training step of the recipe costs
instead, beside another recipe in the same run; the recipe's ``--set`` overrides apply to it, not
to OTHER, so ``train R.toml --set data.target_features=false --time-steps 20 --against R.toml``
times a recipe without and with its target features computed in the data loader.
"""

from __future__ import annotations

import argparse

from livedenoise.training.config import DEFAULT_CONFIG, load_config, to_toml


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "config", nargs="?", default=None, help=f"TOML config (default: {DEFAULT_CONFIG.name}, shipped)"
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="override one config key (repeatable), e.g. --set train.epochs=5",
    )
    parser.add_argument("--print-config", action="store_true", help="print the resolved config and exit")
    parser.add_argument(
        "--time-steps", type=int, metavar="N", help="time N training steps (on noise) instead of training, and exit"
    )
    parser.add_argument(
        "--against",
        metavar="CONFIG",
        help="with --time-steps: a second recipe timed in the same run, e.g. training/configs/default.toml",
    )
    parser.add_argument("--threads", type=int, default=1, help="with --time-steps: torch CPU threads (default 1)")


def run(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config, args.overrides)
    except (ValueError, TypeError) as exc:
        args.parser.error(str(exc))
    if args.print_config:
        print(to_toml(config))
        return 0
    if args.time_steps is not None:
        return _time_steps(args, config)
    from livedenoise.training.train import train  # torch loads only when training really starts

    record = train(config)
    if record:
        improvement_db = record["val_sisdr_improvement_db"]
        print(
            f"done: epoch {record['epoch']}, validation SI-SDR improvement {improvement_db:+.2f} dB; "
            f"checkpoints in {config.train.out_dir}"
        )
    return 0


def _time_steps(args: argparse.Namespace, config) -> int:
    if args.time_steps < 1:
        args.parser.error(f"--time-steps must be >= 1, got {args.time_steps}")
    label = " ".join([str(args.config or DEFAULT_CONFIG), *(f"--set {item}" for item in args.overrides)])
    configs = {label: config}
    if args.against:
        try:
            configs[args.against if args.against != label else f"{args.against} (again)"] = load_config(args.against)
        except (ValueError, TypeError) as exc:
            args.parser.error(f"--against: {exc}")
    from livedenoise.training.step_timing import time_steps

    results = time_steps(configs, args.time_steps, args.threads)
    names = list(results)
    for name in names:
        r = results[name]
        print(
            f"{name}: {r['seconds_per_step']:.3f} s/step median over {args.time_steps} "
            f"({r['steps_per_second']:.2f} steps/s, {r['audio_seconds_per_step']:.0f} s of audio per step); "
            f"{r['bytes_per_item'] / 2**20:.1f} MiB per item from the data loader"
        )
        if "target_feature_seconds_per_item" in r:
            print(
                f"  its data-loader worker computes each item's target features in "
                f"{1000 * r['target_feature_seconds_per_item']:.0f} ms, beside the step"
            )
    if len(names) == 2:
        ratio = results[names[0]]["seconds_per_step"] / results[names[1]]["seconds_per_step"]
        print(
            f"a step of {names[0]} costs {ratio:.2f}x "
            f"one of {names[1]} (same run, steps interleaved, {args.threads} thread(s))"
        )
    return 0
