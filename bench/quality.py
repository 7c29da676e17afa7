"""``livedenoise bench quality``: how well each model denoises the dev set, through the streaming path.

Every dev-set example runs through a fresh ``StreamingDenoiser`` exactly as file mode runs a file
(``bench/front_end.py``), so the output lines up with the input sample for sample. The peers a user
might try instead (``bench/peers.py``: RNNoise, DeepFilterNet, noisereduce) are taken by name in
``--model`` beside our models, their outputs aligned the same way. Per part of the dev set (see
``training/devset.py``):

- mixtures: SI-SDR of input and output against the clean music, its improvement, and
  log-spectral distance, per noise type, per SNR and overall. The headline is the SI-SDR
  improvement averaged over the inputs at -5..10 dB SNR.
- clean music: transparency (SI-SDR of the output against the input) and its LSD.
- noise alone: attenuation in dB.
- guitar notes: tuner hit rate of the clean notes, the noisy input and the output (frames pooled
  over examples).

``--print none,given,lead-in,mismatched,oracle`` (one or several; ``bench/print_modes.py``) runs
every model once per noise-print mode: blind, with the example's own print, after a lead-in of its
noise that the print is learned from live (scored on the music part only), with another example's
print, or with a print of the very noise mixed in (an upper bound no user has). It needs a dev set
with prints (format 4). Our models take a print as ``open_runtime`` sets them up (``dsp`` on the
print's PSD, a blind model joined with the print-Wiener); noisereduce learns from the print's audio
(``y_noise``); peers that take no print run only blind. Every row says which
print it used, and the report compares the lead-in's figure with the given print's. With the probe,
a print of the probe's own noise (another seed) is given as well.

``--oracle`` adds the oracle gains (``bench/oracle.py``) beside the models: the ideal gain per bin
of the real-time STFT, the best a gain like our models' can do, and the same with the band below 200 or
500 Hz left alone, which says what that band is worth; with the probe, the ideal gain's row says
how much noise under the note any such gain can remove.

Without ``--set`` it reports all three figures: the unseen-source dev set (format 4, the
headline), the in-distribution dev set (format 2), both under the data root, and the noise probe
(``bench/probe.py``: band-limited Gaussian noise, alone and under a sustained note). ``--probe``
alone runs only the probe; ``--set`` names dev sets (the first is the headline) and adds the probe
with ``--probe``.

Figures are printed and written as JSON; ``--markdown`` and ``--plot`` add a report and a chart.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
from tqdm import tqdm

from livedenoise.bench import peers
from livedenoise.bench.front_end import open_front_end
from livedenoise.bench.metrics import (
    TunerScore,
    log_spectral_distance,
    noise_attenuation_db,
    si_sdr,
    transparency_db,
    tuner_score,
)
from livedenoise.bench.print_modes import (
    DEVSET_PRINT_FORMAT,
    PRINT_MODES,
    ExamplePrints,
    GivenPrint,
    has_prints,
    parse_print_modes,
    print_files,
)
from livedenoise.models.errors import LivedenoiseError
from livedenoise.realtime import __version__
from livedenoise.realtime.cli.arg_types import int_in_range
from livedenoise.realtime.cli.model_flags import add_model_arguments, model_list
from livedenoise.realtime.output_files import output_path
from livedenoise.realtime.runtimes.protocol import ModelLoadError

DEVSET_FILE = "devset.json"
# Dev-set folders under the data root that a plain run reports, headline first.
DEFAULT_SETS = ("devset-unseen", "devset")
HEADLINE_SNR_DB = (-5.0, 10.0)
MIXTURE_METRICS = ("si_sdr_in_db", "si_sdr_out_db", "si_sdri_db", "lsd_in_db", "lsd_out_db")
# What an example of each part must name; anything else in the manifest is optional.
REQUIRED_KEYS = {
    "mixture": ("id", "input", "clean"),
    "tuner": ("id", "input", "clean", "notes"),
    "clean": ("id", "input"),
    "noise_only": ("id", "input"),
}


class DevsetError(LivedenoiseError, ValueError):
    """The dev-set folder cannot be used; the message says why and how to build one."""


def load_devset(folder: str | Path, per_cell: int | None = None) -> dict[str, Any]:
    """Read ``folder/devset.json`` and check that every file it names is there; with ``per_cell``,
    keep only the first that many examples of each cell (``first_per_cell``)."""
    folder = Path(folder)
    path = folder / DEVSET_FILE
    if not path.is_file():
        raise DevsetError(f"no {DEVSET_FILE} in {folder}; build one with `livedenoise data devset`")
    try:
        devset = json.loads(path.read_text(encoding="utf-8"))
        examples = devset["examples"]
        sample_rate = int(devset["sample_rate"])
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise DevsetError(
            f"{path} is not a dev-set manifest ({type(exc).__name__}: {exc}); rebuild it with `livedenoise data devset`"
        ) from exc
    for n, example in enumerate(examples):
        part = example.get("part") if isinstance(example, dict) else None
        if part not in REQUIRED_KEYS:
            raise DevsetError(
                f"{path}: example {n} has no known part (one of {', '.join(REQUIRED_KEYS)}); rebuild it "
                "with `livedenoise data devset`"
            )
        missing = [key for key in REQUIRED_KEYS[part] if key not in example]
        if missing:
            raise DevsetError(
                f"{path}: example {n} ({part}) lacks {', '.join(missing)}; rebuild it with `livedenoise data devset`"
            )
        try:
            named = [example[key] for key in ("input", "clean", "noise") if key in example] + print_files(example)
        except (KeyError, TypeError) as exc:
            raise DevsetError(
                f"{path}: example {example['id']} has a damaged print record ({exc}); rebuild it with "
                "`livedenoise data devset`"
            ) from exc
        for relative in named:
            if not (folder / relative).is_file():
                raise DevsetError(f"{path}: example {example['id']} names {relative}, which is missing")
    devset["sample_rate"] = sample_rate
    if per_cell is not None:
        devset["examples"] = first_per_cell(examples, per_cell)
    return devset


def first_per_cell(examples: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """The first ``n`` examples of each cell (same part, noise type and SNR), in the manifest's order."""
    seen: dict[tuple, int] = defaultdict(int)
    kept = []
    for example in examples:
        cell = (example["part"], example.get("noise_type"), example.get("snr_db"))
        if seen[cell] < n:
            kept.append(example)
        seen[cell] += 1
    return kept


def read_mono(folder: Path, relative: str) -> np.ndarray:
    """A dev-set file ``(samples,)``, its channels averaged."""
    audio, _ = sf.read(folder / relative, dtype="float32", always_2d=True)
    return audio.mean(axis=1)


class _InputScores:
    """Model-independent figures (of the noisy input, of clean notes), computed once per example."""

    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = sample_rate
        self._cache: dict[tuple[str, str], Any] = {}

    def get(self, example: dict[str, Any], name: str, compute) -> Any:
        key = (example["id"], name)
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]


def score_example(
    example: dict[str, Any], folder: Path, denoise: Callable[[np.ndarray], np.ndarray], inputs: _InputScores
) -> dict[str, Any]:
    """One example's figures for one model; ``denoise`` maps mono ``(samples,)`` to its aligned output."""
    sample_rate = inputs.sample_rate
    noisy = read_mono(folder, example["input"])
    out = denoise(noisy)
    part = example["part"]
    row: dict[str, Any] = {"id": example["id"], "part": part}
    for key in ("noise_type", "snr_db"):
        if key in example:
            row[key] = example[key]
    if part in ("mixture", "tuner"):
        clean = read_mono(folder, example["clean"])
        row["si_sdr_in_db"] = inputs.get(example, "si_sdr_in", lambda: si_sdr(noisy, clean))
        row["si_sdr_out_db"] = si_sdr(out, clean)
        row["si_sdri_db"] = row["si_sdr_out_db"] - row["si_sdr_in_db"]
        row["lsd_in_db"] = inputs.get(example, "lsd_in", lambda: log_spectral_distance(noisy, clean, sample_rate))
        row["lsd_out_db"] = log_spectral_distance(out, clean, sample_rate)
        if part == "tuner":
            notes = example["notes"]
            for name, audio in (("clean", clean), ("in", noisy)):
                score = inputs.get(example, f"tuner_{name}", lambda a=audio: tuner_score(a, notes, sample_rate))
                row[f"tuner_{name}"] = asdict(score)
            row["tuner_out"] = asdict(tuner_score(out, notes, sample_rate))
    elif part == "clean":
        row["transparency_db"] = transparency_db(out, noisy)
        row["lsd_out_db"] = log_spectral_distance(out, noisy, sample_rate)
    elif part == "noise_only":
        row["attenuation_db"] = noise_attenuation_db(out, noisy)
    else:
        raise DevsetError(f"example {example['id']}: unknown part {part!r}")
    return row


def _mean(values: Iterable[float]) -> float:
    values = list(values)
    return float(np.mean(values)) if values else float("nan")


def _mixture_summary(rows: list[dict[str, Any]]) -> dict[str, float]:
    return {"n_examples": len(rows), **{m: _mean(r[m] for r in rows) for m in MIXTURE_METRICS}}


def _pooled(rows: list[dict[str, Any]], key: str) -> dict[str, float]:
    total = TunerScore(*(sum(r[key][f] for r in rows) for f in ("n_frames", "n_voiced", "n_hits")))
    return {"hit_rate": total.hit_rate, "voiced_rate": total.voiced_rate, "n_frames": total.n_frames}


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-model figures from the example rows: headline, overall, per noise type, per SNR, and the
    clean, noise-only and tuner parts."""
    mixtures = [r for r in rows if r["part"] == "mixture"]
    low, high = HEADLINE_SNR_DB
    headline = [r for r in mixtures if low <= r["snr_db"] <= high]
    by_type: dict[str, list] = defaultdict(list)
    by_snr: dict[float, list] = defaultdict(list)
    for r in mixtures:
        by_type[r["noise_type"]].append(r)
        by_snr[r["snr_db"]].append(r)
    clean = [r for r in rows if r["part"] == "clean"]
    noise_only = [r for r in rows if r["part"] == "noise_only"]
    noise_by_type: dict[str, list] = defaultdict(list)
    for r in noise_only:
        noise_by_type[r["noise_type"]].append(r["attenuation_db"])
    tuner = [r for r in rows if r["part"] == "tuner"]
    tuner_by_snr: dict[float, list] = defaultdict(list)
    for r in tuner:
        tuner_by_snr[r["snr_db"]].append(r)
    return {
        "headline": {
            "name": f"SI-SDR improvement averaged over inputs at {low:g}..{high:g} dB SNR",
            "si_sdri_db": _mean(r["si_sdri_db"] for r in headline),
            "n_examples": len(headline),
        },
        "overall": _mixture_summary(mixtures),
        "by_noise_type": {t: _mixture_summary(v) for t, v in by_type.items()},
        "by_snr_db": {f"{s:g}": _mixture_summary(by_snr[s]) for s in sorted(by_snr)},
        "transparency": {
            "si_sdr_db": _mean(r["transparency_db"] for r in clean),
            "min_si_sdr_db": float(min(r["transparency_db"] for r in clean)) if clean else float("nan"),
            "lsd_db": _mean(r["lsd_out_db"] for r in clean),
            "n_examples": len(clean),
        },
        "attenuation": {
            "mean_db": _mean(r["attenuation_db"] for r in noise_only),
            "by_noise_type": {t: _mean(v) for t, v in noise_by_type.items()},
            "n_examples": len(noise_only),
        },
        "tuner": {
            **{name: _pooled(tuner, f"tuner_{name}") for name in ("clean", "in", "out")},
            "by_snr_db": {
                f"{s:g}": {
                    name: _pooled(tuner_by_snr[s], f"tuner_{name}")["hit_rate"] for name in ("clean", "in", "out")
                }
                for s in sorted(tuner_by_snr)
            },
            "n_examples": len(tuner),
        }
        if tuner
        else None,
    }


class PrintUnsupported(ModelLoadError):
    """A peer that takes no noise print, asked to run with one."""


def result_name(model: str, print_mode: str = "none") -> str:
    """How a report names a model's run in a print mode: the model alone when blind."""
    return model if print_mode == "none" else f"{model} +{print_mode} print"


def evaluate(
    model: str,
    folder: Path,
    devset: dict[str, Any],
    strength_db: float,
    inputs: _InputScores,
    progress: bool = True,
    provider: str = "cpu",
    print_mode: str = "none",
) -> dict[str, Any]:
    """Run ``model`` (a model, or a peer by name) over the dev set with the prints of ``print_mode``
    (``bench/print_modes.py``); summary, timing and per-example rows."""
    front = open_front_end(model, strength_db, provider)
    if print_mode != "none" and not front.takes_noise_print:
        raise PrintUnsupported(f"{model} takes no noise print")
    sample_rate = devset["sample_rate"]
    prints = ExamplePrints(folder, devset["examples"], sample_rate) if print_mode != "none" else None

    def denoiser_with(given: GivenPrint | None) -> Callable[[np.ndarray], np.ndarray]:
        if given is not None and given.lead_in is not None:
            front.set_noise_print(None)
            return lambda audio: front.process_after_lead_in(given.lead_in, audio, sample_rate)
        front.set_noise_print(given)
        return lambda audio: front.process_mono(audio, sample_rate)

    rows = []
    for example in tqdm(devset["examples"], desc=result_name(model, print_mode), unit="example", disable=not progress):
        given = None if prints is None else prints.for_example(example, print_mode)
        rows.append(score_example(example, folder, denoiser_with(given), inputs))
        if given is not None:
            rows[-1]["print_from"] = given.source
    return {
        "model": model,
        "print": print_mode,
        **front.describe(),
        **summarize(rows),
        "real_time_factor": front.timing_stats().get("real_time_factor"),
        "examples": rows,
    }


def _clean_part(example: dict[str, Any], folder: Path, noisy: np.ndarray) -> np.ndarray:
    """What the oracle may keep of an example: its clean music (the input itself for clean music,
    silence for noise alone)."""
    if example["part"] == "clean":
        return noisy
    if example["part"] == "noise_only":
        return np.zeros_like(noisy)
    return read_mono(folder, example["clean"])


def evaluate_oracles(
    folder: Path, devset: dict[str, Any], strength_db: float, inputs: _InputScores, progress: bool = True
) -> list[dict[str, Any]]:
    """The oracle gains (``oracle.ORACLES``) over the dev set, one result per oracle, as ``evaluate``
    gives them for a model."""
    from livedenoise.bench import oracle

    sample_rate = devset["sample_rate"]
    rows: dict[str, list] = {name: [] for name in oracle.ORACLES}
    for example in tqdm(devset["examples"], desc="oracle", unit="example", disable=not progress):
        noisy = read_mono(folder, example["input"])
        outputs = oracle.oracle_outputs(
            noisy, _clean_part(example, folder, noisy), sample_rate, strength_db, list(oracle.ORACLES.values())
        )
        for name, out in zip(oracle.ORACLES, outputs, strict=True):
            rows[name].append(score_example(example, folder, lambda audio, out=out: out, inputs))
    return [
        {
            "model": name,
            "runtime": oracle.DESCRIPTION,
            "hop_samples": None,
            "causal": False,
            "pass_below_hz": hz,
            "max_attenuation_db": None if np.isinf(strength_db) else strength_db,
            "latency": None,
            **summarize(rows[name]),
            "real_time_factor": None,
            "examples": rows[name],
        }
        for name, hz in oracle.ORACLES.items()
    ]


def _json_safe(value: Any) -> Any:
    """NaN (no examples of a kind) becomes null, so the file is strict JSON."""
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def _fmt(value: float | None, spec: str = "6.2f") -> str:
    return "-" if value is None or not np.isfinite(value) else format(value, spec)


def _tuner_cell(result: dict[str, Any], name: str) -> str:
    tuner = result["tuner"]
    return "-" if tuner is None else f"{tuner[name]['hit_rate']:.1%}"


def _latency_cell(result: dict[str, Any]) -> str:
    """Algorithmic latency as a live effect; a peer that needs the whole clip has none."""
    if result["latency"] is None:
        return "-"
    return _fmt(result["latency"]["algorithmic_ms"], ".1f") if result["causal"] else "offline"


def tables(results: list[dict[str, Any]], markdown: bool) -> str:
    """Summary, per noise type and per SNR tables, as plain text or Markdown."""

    def table(header: list[str], rows: list[list[str]]) -> list[str]:
        if markdown:
            return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + [
                "| " + " | ".join(r) + " |" for r in rows
            ]
        widths = [max(len(c) for c in column) for column in zip(header, *rows, strict=True)]

        def line(cells: list[str]) -> str:
            return "  ".join(
                c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            )

        return [line(header)] + [line(r) for r in rows]

    out: list[str] = []
    heading = (lambda text: ["", f"## {text}", ""]) if markdown else (lambda text: ["", text])
    if results:
        out += heading(results[0]["headline"]["name"])
    out += table(
        [
            "model",
            "print",
            "SI-SDRi dB",
            "SI-SDR in",
            "SI-SDR out",
            "LSD in",
            "LSD out",
            "transparency dB",
            "attenuation dB",
            "tuner clean",
            "tuner in",
            "tuner out",
            "latency ms",
            "RTF",
        ],
        [
            [
                r["model"],
                r.get("print", "none"),
                _fmt(r["headline"]["si_sdri_db"]),
                _fmt(r["overall"]["si_sdr_in_db"]),
                _fmt(r["overall"]["si_sdr_out_db"]),
                _fmt(r["overall"]["lsd_in_db"]),
                _fmt(r["overall"]["lsd_out_db"]),
                _fmt(r["transparency"]["si_sdr_db"]),
                _fmt(r["attenuation"]["mean_db"]),
                _tuner_cell(r, "clean"),
                _tuner_cell(r, "in"),
                _tuner_cell(r, "out"),
                _latency_cell(r),
                _fmt(r["real_time_factor"], ".3f"),
            ]
            for r in results
        ],
    )
    models = [result_name(r["model"], r.get("print", "none")) for r in results]
    for title, key in (
        ("SI-SDR improvement (dB) by noise type", "by_noise_type"),
        ("SI-SDR improvement (dB) by input SNR", "by_snr_db"),
    ):
        groups = list(results[0][key]) if results else []
        out += heading(title)
        out += table(
            ["noise type" if key == "by_noise_type" else "SNR dB", "SI-SDR in"] + models,
            [
                [g, _fmt(results[0][key][g]["si_sdr_in_db"])] + [_fmt(r[key][g]["si_sdri_db"]) for r in results]
                for g in groups
            ],
        )
    types = list(results[0]["attenuation"]["by_noise_type"]) if results else []
    out += heading("Attenuation of noise alone (dB)")
    out += table(
        ["noise type"] + models, [[t] + [_fmt(r["attenuation"]["by_noise_type"][t]) for r in results] for t in types]
    )
    return "\n".join(out) + "\n"


def plot(results: list[dict[str, Any]], path: Path) -> None:
    """SI-SDR improvement by noise type (bars) and by input SNR (lines), one colour per model."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (by_type, by_snr) = plt.subplots(1, 2, figsize=(12, 4), gridspec_kw={"width_ratios": [2, 1]})
    types = list(results[0]["by_noise_type"])
    width = 0.8 / len(results)
    for i, r in enumerate(results):
        x = np.arange(len(types)) + (i - (len(results) - 1) / 2) * width
        label = result_name(r["model"], r.get("print", "none"))
        by_type.bar(x, [r["by_noise_type"][t]["si_sdri_db"] for t in types], width, label=label)
        snrs = list(r["by_snr_db"])
        by_snr.plot([float(s) for s in snrs], [r["by_snr_db"][s]["si_sdri_db"] for s in snrs], "o-", label=label)
    by_type.set_xticks(np.arange(len(types)), types)
    by_type.set_ylabel("SI-SDR improvement (dB)")
    by_type.axhline(0.0, color="black", linewidth=0.8)
    by_type.legend()
    by_snr.set_xlabel("input SNR (dB)")
    by_snr.axhline(0.0, color="black", linewidth=0.8)
    by_snr.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set",
        dest="devset",
        type=Path,
        action="append",
        default=None,
        help="dev-set folder with devset.json, repeatable, the first is the headline (default: "
        + " and ".join(f"<data root>/{name}" for name in DEFAULT_SETS)
        + ", and the probe)",
    )
    parser.add_argument("--probe", action="store_true", help="the noise probe: alone, or with the --set dev sets")
    parser.add_argument(
        "--oracle",
        action="store_true",
        help="also score the oracle gains: the ideal gain per STFT bin (knows the clean music), "
        "and the same leaving the band below 200 or 500 Hz alone; with the probe, the ideal gain there",
    )
    parser.add_argument(
        "--per-cell",
        type=int_in_range(1, 10_000),
        default=None,
        metavar="N",
        help="only the first N examples of each cell (part, noise type, SNR) of each dev set: a quicker, smaller run "
        "(default: all)",
    )
    add_model_arguments(
        parser,
        several=("default", "dsp"),
        also=(
            f"or a peer: {', '.join(peers.PEERS)} "
            f"(needs the [{peers.EXTRA}] extra: pip install 'livedenoise[{peers.EXTRA}]')"
        ),
    )
    parser.add_argument(
        "--print",
        dest="print_modes",
        type=_print_modes,
        default=["none"],
        metavar="MODES",
        help="noise-print modes, comma-separated: " + ", ".join(PRINT_MODES) + " (default: none, blind); all but none "
        "need a dev set with prints (format 4) and run the models and noisereduce, which take a print",
    )
    parser.add_argument(
        "--json", type=output_path, default=Path("bench-quality.json"), help="where to write the figures"
    )
    parser.add_argument("--markdown", type=output_path, default=None, help="also write the tables as Markdown")
    parser.add_argument(
        "--plot", type=output_path, default=None, help="also draw SI-SDR improvement to this PNG (needs matplotlib)"
    )


def _print_modes(text: str) -> list[str]:
    try:
        return parse_print_modes(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def default_sets() -> list[Path]:
    """The dev sets a plain run reports: those built under the data root, headline first."""
    from livedenoise.training.fetch import default_data_root

    root = default_data_root()
    return [root / name for name in DEFAULT_SETS if (root / name / DEVSET_FILE).is_file()]


def evaluate_probe(model: str, strength_db: float, provider: str = "cpu", with_print: bool = False) -> dict[str, Any]:
    """The noise probe through ``model`` (a model, or a peer by name); ``with_print``: each band's noise is
    given a print of its own (``probe.run_probe``)."""
    from livedenoise.bench import probe

    front = open_front_end(model, strength_db, provider)
    if with_print and not front.takes_noise_print:
        raise PrintUnsupported(f"{model} takes no noise print")
    mode = "given" if with_print else "none"
    return {"model": model, "print": mode, **probe.run_probe(front, with_print=with_print)}


def evaluate_oracle_probe(strength_db: float) -> dict[str, Any]:
    """The noise probe through the oracle gain: the most a gain per bin removes under the note."""
    from livedenoise.bench import probe

    return {"model": "oracle", **probe.run_oracle_probe(strength_db)}


def probe_table(results: list[dict[str, Any]], markdown: bool) -> str:
    """Noise removed per band: stationary, modulated, under a note, and the note's gain."""
    from livedenoise.bench import probe

    header = ["band"] + [
        f"{result_name(r['model'], r.get('print', 'none'))} {column}"
        for r in results
        for column in ("stat", "mod", "note-noise", "note dB")
    ]
    rows = [
        [band]
        + [
            _fmt(r["by_band"][band][key], "6.1f")
            for r in results
            for key in ("stationary_db", "modulated_db", "note_noise_removed_db", "note_gain_db")
        ]
        for band in (results[0]["by_band"] if results else ())
    ]
    title = (
        f"Noise probe: dB removed over the last {probe.MEASURE_S:g} s of {probe.PROBE_S:g} s; "
        "note dB: gain of a sustained note on top (0 = kept)"
    )
    if markdown:
        lines = ["", f"## {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
    else:
        widths = [max(len(c) for c in column) for column in zip(header, *rows, strict=True)]
        lines = ["", title] + [
            "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))
            for cells in [header, *rows]
        ]
    return "\n".join(lines) + "\n"


def _skip(skipped: list[dict[str, str]], name: str, exc: Exception) -> None:
    """Note once that ``name`` could not run, and why."""
    if not any(s["model"] == name for s in skipped):
        skipped.append({"model": name, "reason": str(exc)})


def lead_in_vs_given(results: list[dict[str, Any]]) -> dict[str, float]:
    """Per model run both ways: headline SI-SDR improvement with the print learned from the lead-in,
    less that with the given print (dB)."""
    by_mode = {(r["model"], r.get("print", "none")): r["headline"]["si_sdri_db"] for r in results}
    return {
        model: by_mode[(model, "lead-in")] - by_mode[(model, "given")]
        for model, mode in by_mode
        if mode == "lead-in" and (model, "given") in by_mode
    }


def _set_name(devset: dict[str, Any], folder: Path) -> str:
    sources = devset.get("sources") or ("seen" if devset.get("format") == 2 else None)
    label = {"unseen": "unseen sources", "seen": "in-distribution"}.get(sources, "dev set")
    return f"{label} (format {devset.get('format', '?')}): {folder}"


def run(args: argparse.Namespace) -> int:
    folders = list(args.devset or [])
    with_probe = args.probe or not folders
    if not folders and not args.probe:
        folders = default_sets()
        if not folders:
            print(
                "bench quality: no dev set under the data root; build them with `livedenoise data devset` "
                "or pass --set (--probe runs the probe alone)",
                file=sys.stderr,
            )
            return 2
    print_modes = args.print_modes
    devsets = []
    for folder in folders:
        try:
            devset = load_devset(folder, args.per_cell)
        except DevsetError as exc:
            print(f"bench quality: {exc}", file=sys.stderr)
            return 2
        if print_modes != ["none"] and not has_prints(devset):
            print(
                f"bench quality: --print {','.join(print_modes)} needs a dev set with noise prints (format "
                f"{DEVSET_PRINT_FORMAT}); {folder} is format {devset.get('format', '?')}: rebuild it with "
                "`livedenoise data devset --sources unseen --overwrite`",
                file=sys.stderr,
            )
            return 2
        devsets.append((folder, devset))
    models = model_list(args)
    for model in models:
        if model in peers.PEERS:
            try:
                peers.open_peer(model)
            except peers.PeerUnavailable as exc:
                print(f"bench quality: --model {model}: {exc}", file=sys.stderr)
                return 2
    sets, skipped, markdown = [], [], []
    for folder, devset in devsets:
        inputs = _InputScores(devset["sample_rate"])
        results = []
        for print_mode in print_modes:
            for model in models:
                try:
                    results.append(
                        evaluate(
                            model,
                            folder,
                            devset,
                            args.strength_db,
                            inputs,
                            provider=args.provider,
                            print_mode=print_mode,
                        )
                    )
                except ModelLoadError as exc:
                    _skip(skipped, result_name(model, print_mode), exc)
        if args.oracle:
            results += evaluate_oracles(folder, devset, args.strength_db, inputs)
        name = _set_name(devset, folder)
        print(f"\n== {name}", end="")
        print(tables(results, markdown=False), end="")
        for model, difference in lead_in_vs_given(results).items():
            print(
                f"{model}: the print learned from the lead-in scores {difference:+.2f} dB SI-SDRi against the "
                "given print"
            )
        for s in devset.get("skipped", []):
            print(f"dev set lacks {s['part']}{' ' + s['noise_type'] if 'noise_type' in s else ''}: {s['reason']}")
        markdown.append(f"\n# {name}\n" + tables(results, markdown=True))
        sets.append(
            {
                "name": name,
                "devset": {
                    "path": str(folder),
                    "format": devset.get("format"),
                    "sources": devset.get("sources"),
                    "n_examples": len(devset["examples"]),
                    "per_cell": args.per_cell,
                    "manifest": devset.get("manifest"),
                    "seed": devset.get("seed"),
                    "skipped": devset.get("skipped", []),
                    "stationary_noise_types": devset.get("stationary_noise_types", []),
                },
                "models": {result_name(r["model"], r.get("print", "none")): r for r in results},
                "lead_in_vs_given": lead_in_vs_given(results),
            }
        )
    probe_results = []
    if with_probe:
        # Blind when asked to run blind; with a print of the probe's own noise when asked for any print.
        probe_prints = [
            with_print
            for with_print in (False, True)
            if (print_modes != ["none"]) == with_print or (not with_print and "none" in print_modes)
        ]
        for with_print in probe_prints:
            for model in models:
                try:
                    probe_results.append(evaluate_probe(model, args.strength_db, args.provider, with_print))
                except ModelLoadError as exc:
                    _skip(skipped, result_name(model, "given" if with_print else "none"), exc)
        if args.oracle:
            probe_results.append(evaluate_oracle_probe(args.strength_db))
        print(probe_table(probe_results, markdown=False), end="")
        markdown.append(probe_table(probe_results, markdown=True))
    for s in skipped:
        print(f"{s['model']}: skipped ({s['reason']})")
    headline = sets[0] if sets else {"devset": None, "models": {}}
    report = {
        "livedenoise": __version__,
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "devset": headline["devset"],
        "strength_db": args.strength_db,
        "models": headline["models"],
        "sets": sets,
        "print_modes": print_modes,
        "probe": {result_name(r["model"], r.get("print", "none")): r for r in probe_results} if with_probe else None,
        "skipped": skipped,
    }
    args.json.write_text(json.dumps(_json_safe(report), indent=1, allow_nan=False) + "\n", encoding="utf-8")
    print(f"wrote {args.json}")
    if args.markdown is not None:
        args.markdown.write_text("# Quality\n" + "".join(markdown), encoding="utf-8")
        print(f"wrote {args.markdown}")
    first = list(headline["models"].values())
    if args.plot is not None and first:
        try:
            plot(first, args.plot)
            print(f"wrote {args.plot}")
        except ImportError:
            print("no plot: matplotlib is not installed (pip install 'livedenoise[bench]')")
    return 0 if first or probe_results else 1
