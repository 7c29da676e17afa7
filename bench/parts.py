"""Music kept and noise left, apart: does a model lose by damaging the music or by passing the noise?

Our models' output is their input times a mask per bin and hop. The masks a model makes from a
mixture, applied alike to the mixture's clean music and to its noise (the same STFT, floored as the
engine floors them), split its output into two parts that sum to it: what became of the music and
what is left of the noise. ``bench parts`` reports both over a dev set's mixtures, by input SNR
and by noise type: the music's SDR after the mask (the higher, the less the mask took of it) and the
noise left, in dB of the noise's energy. SI-SDR improvement needs both at once: a model that passes
one noise whole and cuts another along with the music gains less than one that takes a few dB off
each.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from livedenoise.bench import peers
from livedenoise.bench.metrics import noise_attenuation_db
from livedenoise.bench.quality import DevsetError, load_devset, read_mono
from livedenoise.realtime.cli.arg_types import int_in_range
from livedenoise.realtime.cli.model_flags import add_model_arguments, model_list
from livedenoise.realtime.denoiser import StreamingDenoiser, apply_mask, strength_min_gain
from livedenoise.realtime.output_files import output_path
from livedenoise.realtime.runtimes.model_choice import open_runtime
from livedenoise.realtime.runtimes.protocol import ModelLoadError
from livedenoise.realtime.stft import StftAnalyzer, StftSynthesizer

EPS = 1e-12
# a dev set's noisy input is its clean music plus its noise, to float rounding in the file
SUM_TOLERANCE = 1e-4


def split_output(
    denoiser: StreamingDenoiser, clean: np.ndarray, noise: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run ``clean + noise`` (mono ``(samples,)``) through ``denoiser`` from a fresh stream; return
    its output and the two parts of it, the music's and the noise's, each ``(samples,)`` and aligned
    with the input. The parts sum to the output."""
    if clean.shape != noise.shape or clean.ndim != 1:
        raise ValueError(f"need mono clean and noise of one length, got {clean.shape} and {noise.shape}")
    config, hop = denoiser.stft, denoiser.hop_samples
    n_samples, start = clean.shape[0], denoiser.latency_samples
    n_hops = math.ceil((n_samples + start) / hop)
    signals = np.zeros((3, n_hops * hop), dtype=np.float32)
    signals[1, :n_samples], signals[2, :n_samples] = clean, noise
    signals[0] = signals[1] + signals[2]
    min_gain = strength_min_gain(denoiser.strength_db)
    analyzer, synthesizer = StftAnalyzer(config, 2), StftSynthesizer(config, 2)
    spectrum = np.zeros((2, config.n_freqs), dtype=np.complex64)
    masked = np.zeros_like(spectrum)
    out = np.zeros_like(signals)
    denoiser.reset()
    for i in range(n_hops):
        span = slice(i * hop, (i + 1) * hop)
        denoiser.process_into(signals[:1, span], out[:1, span])
        analyzer.analyze_into(signals[1:, span], spectrum)
        apply_mask(spectrum, denoiser.mask, min_gain, masked)
        synthesizer.synthesize_into(masked, out[1:, span])
    output, music, noise_left = out[:, start : start + n_samples]
    return output, music, noise_left


def music_sdr_db(music_part: np.ndarray, clean: np.ndarray) -> float:
    """How much of the clean music the mask left as it was: clean energy over the error's, in dB."""
    return float(
        10 * np.log10((np.sum(clean.astype(np.float64) ** 2) + EPS) / (np.sum((music_part - clean) ** 2.0) + EPS))
    )


def noise_left_db(noise_part: np.ndarray, noise: np.ndarray) -> float:
    """What the mask left of the noise, in dB of the noise's energy: the attenuation, negated."""
    return -noise_attenuation_db(noise_part, noise)


def decompose_devset(
    model: str, folder: Path, devset: dict[str, Any], strength_db: float, provider: str = "cpu", progress: bool = True
) -> dict[str, Any]:
    """``model``'s two parts on every mixture of the dev set: per-example rows and their means over
    all mixtures, by input SNR and by noise type."""
    runtime = open_runtime(model, provider=provider)
    if runtime.card.sample_rate != devset["sample_rate"]:
        raise ModelLoadError(
            f"{model} runs at {runtime.card.sample_rate} Hz; the dev set is at {devset['sample_rate']} Hz"
        )
    denoiser = StreamingDenoiser(runtime, n_channels=1, strength_db=strength_db)
    rows = []
    mixtures = [e for e in devset["examples"] if e["part"] == "mixture"]
    for example in tqdm(mixtures, desc=model, unit="example", disable=not progress):
        clean, noise = read_mono(folder, example["clean"]), read_mono(folder, example["noise"])
        noisy = read_mono(folder, example["input"])
        if noisy.shape != clean.shape or np.max(np.abs(noisy - clean - noise)) > SUM_TOLERANCE:
            raise DevsetError(
                f"example {example['id']}: its input is not its clean music plus its noise; rebuild the "
                "dev set with `livedenoise data devset`"
            )
        _, music, noise_left = split_output(denoiser, clean, noise)
        rows.append(
            {
                "id": example["id"],
                "noise_type": example["noise_type"],
                "snr_db": example["snr_db"],
                "music_sdr_db": music_sdr_db(music, clean),
                "noise_left_db": noise_left_db(noise_left, noise),
            }
        )
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        for key in ("all", f"snr {row['snr_db']:+g}", row["noise_type"]):
            groups[key].append(row)
    means = {
        key: {name: float(np.mean([r[name] for r in group])) for name in ("music_sdr_db", "noise_left_db")}
        for key, group in groups.items()
    }
    return {"model": model, "runtime": runtime.card.name, "means": means, "examples": rows}


def table(results: list[dict[str, Any]]) -> str:
    """Markdown: one row per group (all, each SNR, each noise type), one column per model."""
    first = results[0]["means"]
    snrs = sorted((k for k in first if k.startswith("snr ")), key=lambda k: float(k[4:]))
    keys = ["all", *snrs, *sorted(k for k in first if k != "all" and k not in snrs)]
    lines = ["| mixtures | " + " | ".join(r["model"] for r in results) + " |", "|---" * (len(results) + 1) + "|"]
    for key in keys:
        cells = [f"{r['means'][key]['music_sdr_db']:5.1f} / {r['means'][key]['noise_left_db']:6.1f}" for r in results]
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set",
        dest="devset",
        type=Path,
        default=None,
        help="dev-set folder with devset.json (default: <data root>/devset-unseen)",
    )
    parser.add_argument(
        "--per-cell",
        type=int_in_range(1, 10_000),
        default=None,
        metavar="N",
        help="only the first N examples of each cell (part, noise type, SNR): a quicker run",
    )
    add_model_arguments(parser, several=("default",))
    parser.add_argument("--json", type=output_path, default=Path("bench-parts.json"), help="where to write the figures")
    parser.add_argument("--markdown", type=output_path, default=None, help="also write the table as Markdown")


def run(args: argparse.Namespace) -> int:
    folder = args.devset
    if folder is None:
        from livedenoise.training.fetch import default_data_root

        folder = default_data_root() / "devset-unseen"
    try:
        devset = load_devset(folder, args.per_cell)
    except DevsetError as exc:
        print(f"bench parts: {exc}", file=sys.stderr)
        return 2
    if not any(e["part"] == "mixture" for e in devset["examples"]):
        print(f"bench parts: {folder} has no mixtures to split", file=sys.stderr)
        return 2
    results = []
    for model in model_list(args):
        if model in peers.PEERS:
            print(
                f"bench parts: --model {model}: a peer's output is not a mask over our STFT; it cannot be split",
                file=sys.stderr,
            )
            return 2
        try:
            results.append(decompose_devset(model, folder, devset, args.strength_db, args.provider))
        except (ModelLoadError, DevsetError) as exc:
            print(f"bench parts: --model {model}: {exc}", file=sys.stderr)
            return 2
    text = (
        "music SDR after the mask / noise left (dB), means over the mixtures of "
        f"{folder} ({sum(e['part'] == 'mixture' for e in devset['examples'])})\n\n" + table(results)
    )
    print(text, end="")
    args.json.write_text(
        json.dumps(
            {"devset": str(folder), "per_cell": args.per_cell, "strength_db": args.strength_db, "models": results},
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {args.json}")
    if args.markdown is not None:
        args.markdown.write_text("# Music kept and noise left\n\n" + text, encoding="utf-8")
        print(f"wrote {args.markdown}")
    return 0
