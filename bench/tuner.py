"""``livedenoise bench tuner``: the tuner and the noise gate on plucked guitar notes, front ends side by side.

The set (``bench/tuner_notes.py``): the six strings of a guitar on nylon, steel and electric
programs, rendered alone by fluidsynth with FluidR3_GM, clean and mixed into every noise type of a
dev set's noise-only inputs (by default the unseen-source set) at -5, 0, 5 and 10 dB SNR.

Each front end (``bench/front_end.py``: the noisy input itself, ``none``; our models; the peers)
runs every example once; then, on its output (``bench/tuner_scores.py``):
- the tuner: pluck to the first stable reading within 5 cents, hit rate, octave errors, absolute
  cents error;
- the gate, ``NoiseGate`` as the engine runs it on that output: the level gate at
  ``--level-threshold-db`` on every front end; on our models, the mask gate at its default threshold
  and, for the comparison the mask gate is built for, the level gate matched to it: of the level
  thresholds (every ``LEVEL_STEP_DB`` dB) whose gate opens as fast (median delay no longer, no more
  plucks missed), the one open least on noise alone;
- latency: the front end's algorithmic latency and its compute per hop; live pluck-to-reading and
  pluck-to-open times add the latency to the times read in the aligned output.

``--print given`` (or ``none,given``) runs each front end that takes a noise print once more,
named ``<name> +given print``: every example in noise is denoised with a print of its noise type
learned from ``PRINT_S`` of noise from outside the noise-only inputs (``tuner_notes.room_prints``,
which needs the noise set in format 4), at the example's noise gain; clean notes run blind. Our
models take it as ``open_runtime`` sets them up (``dsp`` on the print's PSD, a blind model joined
with the print-Wiener), noisereduce as ``y_noise``; the noisy input and peers that take none run
only blind. The mask gate then decides on the print-driven mask.

Outputs: every figure as JSON, the tables as Markdown, and two plots: the live pluck-to-reading
times per front end, and the hit rate by SNR.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from livedenoise.bench import peers
from livedenoise.bench.front_end import FrontEnd, ModelFrontEnd, open_front_end
from livedenoise.bench.print_modes import GivenPrint
from livedenoise.bench.tuner_notes import (
    SAMPLE_RATE,
    NoisyExample,
    NoteSetError,
    noise_alone,
    noisy_examples,
    render_notes,
    room_noises,
    room_prints,
)
from livedenoise.bench.tuner_scores import false_open_scores, gate_decisions, pluck_gate_scores, tuner_scores
from livedenoise.realtime.cli.arg_types import int_in_range
from livedenoise.realtime.cli.model_flags import add_model_arguments, model_list
from livedenoise.realtime.gate import GateSettings
from livedenoise.realtime.latency import Latency
from livedenoise.realtime.noise_print import print_from_audio
from livedenoise.realtime.output_files import output_path
from livedenoise.realtime.runtimes.protocol import ModelLoadError

NOISY_INPUT = "none"
BASE_FRONT_ENDS = (NOISY_INPUT, "dsp", "default")
GATE_HOP_SAMPLES = 128  # the level gate's hop on outputs that are not our models' (2.7 ms)
LEVEL_STEP_DB = 2.0
LEVEL_RANGE_DB = (-80.0, -6.0)
NOISE_ALONE_S = 8.0
SOUNDFONT = "debian/fluid-soundfont-gm/usr/share/sounds/sf2/FluidR3_GM.sf2"
NOISE_SET = "devset-unseen"
PRINT_MODES = ("none", "given")


class NoisyInput:
    """The ``none`` front end: the input as it is, what a tuner hears without a denoiser."""

    name = NOISY_INPUT
    description = "the noisy input, not denoised"
    causal = True
    sample_rate = SAMPLE_RATE
    hop_samples = GATE_HOP_SAMPLES
    takes_noise_print = False

    def process_mono(self, audio: np.ndarray, sample_rate: int) -> np.ndarray:
        return np.asarray(audio, dtype=np.float32)

    def latency(self) -> Latency:
        return Latency(SAMPLE_RATE, 0, 0)

    def timing_stats(self) -> dict[str, Any]:
        return {}

    def describe(self) -> dict[str, Any]:
        return {"runtime": self.description, "latency": self.latency().to_dict()}


def open_front_ends(names: list[str], strength_db: float, provider: str = "cpu") -> dict[str, FrontEnd]:
    """Each named front end; ``ModelLoadError`` (a ``PeerUnavailable`` for a peer) when one cannot run."""
    return {
        name: NoisyInput() if name == NOISY_INPUT else open_front_end(name, strength_db, provider) for name in names
    }


def printed_name(name: str) -> str:
    return f"{name} +given print"


def open_printed_front_ends(names: list[str], strength_db: float, provider: str = "cpu") -> dict[str, FrontEnd]:
    """Another instance of each named front end that takes a noise print, by ``printed_name``."""
    fronts = {printed_name(n): open_front_end(n, strength_db, provider) for n in names if n != NOISY_INPUT}
    return {label: front for label, front in fronts.items() if front.takes_noise_print}


def _give_print(front_end: FrontEnd, example: NoisyExample) -> None:
    """The example's print, made from its print noise; none (blind) for a clean note."""
    audio = example.print_audio
    given = None if audio is None else GivenPrint(print_from_audio(audio, SAMPLE_RATE), audio, sample_rate=SAMPLE_RATE)
    front_end.set_noise_print(given)


def installed_peers() -> list[str]:
    names = []
    for name in peers.PEERS:
        try:
            peers.open_peer(name)
        except peers.PeerUnavailable:
            continue
        names.append(name)
    return names


class _MaskRecorder:
    """The denoiser's hop hook: keeps each hop's output, mask and noisy spectrum, changes nothing."""

    def __init__(self) -> None:
        self.hops: list[np.ndarray] = []
        self.masks: list[np.ndarray] = []
        self.spectra: list[np.ndarray] = []

    def process_into(self, hop: np.ndarray, mask: np.ndarray, spectrum: np.ndarray) -> None:
        self.hops.append(hop[0].copy())
        self.masks.append(np.asarray(mask, dtype=np.float32).copy())
        self.spectra.append(spectrum[0].copy())

    def reset(self) -> None:
        """The denoiser resets at the end of its flush: what was recorded is the stream, so it stays."""


class _Output:
    """A front end's output on one example, and the stream its gates decide on: for our models the
    denoiser's own (delayed by ``shift`` samples, with the masks), else the aligned output."""

    def __init__(self, front_end: FrontEnd, audio: np.ndarray) -> None:
        self.masks = self.spectra = None
        if isinstance(front_end, ModelFrontEnd):
            recorder = _MaskRecorder()
            front_end.denoiser.hop_hook = recorder
            try:
                self.audio = front_end.process_mono(audio, SAMPLE_RATE)
            finally:
                front_end.denoiser.hop_hook = None
            self.stream = np.concatenate(recorder.hops)
            self.masks, self.spectra = np.stack(recorder.masks), np.stack(recorder.spectra)
            self.shift = front_end.denoiser.latency_samples
            self.hop_samples = front_end.hop_samples
        else:
            self.audio = front_end.process_mono(audio, SAMPLE_RATE)
            self.stream, self.shift, self.hop_samples = self.audio, 0, GATE_HOP_SAMPLES

    def gate(self, settings: GateSettings) -> np.ndarray:
        """Per-sample open flags aligned with the input."""
        flags = gate_decisions(self.stream, self.hop_samples, SAMPLE_RATE, settings, self.masks, self.spectra)
        n = self.audio.size
        aligned = flags[self.shift : self.shift + n]
        return np.pad(aligned, (0, n - aligned.size), mode="edge") if aligned.size else np.zeros(n, bool)


def level_thresholds_db() -> np.ndarray:
    return np.arange(LEVEL_RANGE_DB[0], LEVEL_RANGE_DB[1] + 1e-9, LEVEL_STEP_DB)


def _gate_settings(front_end: FrontEnd, level_threshold_db: float) -> dict[str, GateSettings]:
    gates = {"level": GateSettings(kind="level", threshold_db=level_threshold_db)}
    if isinstance(front_end, ModelFrontEnd):
        gates["mask"] = GateSettings(kind="mask")
        for threshold_db in level_thresholds_db():
            gates[f"level {threshold_db:g}"] = GateSettings(kind="level", threshold_db=float(threshold_db))
    return gates


def measure_front_end(
    front_end: FrontEnd,
    examples: list[NoisyExample],
    noise_only: list[NoisyExample],
    level_threshold_db: float,
    name: str | None = None,
    with_print: bool = False,
) -> dict[str, Any]:
    """Every example through ``front_end`` (given each example's print, ``with_print``); per-example
    tuner and gate figures, per-cell noise figures; ``name``: what the report calls it."""
    gates = _gate_settings(front_end, level_threshold_db)
    notes, noises = [], []
    for example in examples:
        if with_print:
            _give_print(front_end, example)
        output = _Output(front_end, example.audio)
        row = {
            "note": example.note.name,
            "instrument": example.note.instrument,
            "midi": example.note.midi,
            "noise_type": example.noise_type,
            "snr_db": example.snr_db,
            **tuner_scores(output.audio, example.note, SAMPLE_RATE),
            "gates": {name: pluck_gate_scores(output.gate(s), example.note, SAMPLE_RATE) for name, s in gates.items()},
        }
        notes.append(row)
    for example in noise_only:
        if with_print:
            _give_print(front_end, example)
        output = _Output(front_end, example.audio)
        noises.append(
            {
                "noise_type": example.noise_type,
                "snr_db": example.snr_db,
                "gates": {name: false_open_scores(output.gate(s), SAMPLE_RATE) for name, s in gates.items()},
            }
        )
    latency = front_end.latency()
    return {
        "front_end": name or front_end.name,
        "print": "given" if with_print else "none",
        "describe": front_end.describe(),
        "latency_ms": latency.algorithmic_ms,
        "timing": front_end.timing_stats(),
        "gates": {name: s.to_dict() for name, s in gates.items()},
        "notes": notes,
        "noise_alone": noises,
    }


def _median(values) -> float | None:
    values = [v for v in values if v is not None and math.isfinite(v)]
    return float(np.median(values)) if values else None


def tuner_summary(rows: list[dict[str, Any]], latency_ms: float) -> dict[str, Any]:
    locks = [r["lock_s"] for r in rows]
    median_lock = _median(locks)
    return {
        "n_notes": len(rows),
        "hit_rate": float(np.mean([r["hit_rate"] for r in rows])) if rows else None,
        "octave_error_rate": float(np.mean([r["octave_error_rate"] for r in rows])) if rows else None,
        "median_abs_cents": _median(np.concatenate([r["abs_cents"] for r in rows]) if rows else []),
        "locked": float(np.mean([math.isfinite(v) for v in locks])) if rows else None,
        "median_lock_ms": None if median_lock is None else 1000.0 * median_lock,
        "median_lock_live_ms": None if median_lock is None else 1000.0 * median_lock + latency_ms,
    }


def gate_summary(result: dict[str, Any], name: str) -> dict[str, Any]:
    latency_ms = result["latency_ms"]
    plucks = [r["gates"][name] for r in result["notes"]]
    delays = [p["open_delay_s"] for p in plucks]
    noise = [n["gates"][name] for n in result["noise_alone"]]
    minutes = sum(n["minutes"] for n in noise)
    delay = _median(delays)
    tail = _median([p["tail_clipped_s"] for p in plucks])
    return {
        "threshold_db": result["gates"][name]["threshold_db"],
        "kind": result["gates"][name]["kind"],
        "median_open_delay_ms": None if delay is None else 1000.0 * delay,
        "median_open_delay_live_ms": None if delay is None else 1000.0 * delay + latency_ms,
        "missed": float(np.mean([not math.isfinite(d) for d in delays])) if delays else None,
        "median_tail_clipped_ms": None if tail is None else 1000.0 * tail,
        "false_opens_per_min": sum(n["n_opens"] for n in noise) / minutes if minutes else None,
        "open_on_noise": float(np.mean([n["open_share"] for n in noise])) if noise else None,
    }


def matched_level_gate(result: dict[str, Any]) -> dict[str, Any] | None:
    """Of the swept level gates that open as fast as the mask gate, the one open least on noise alone
    (the highest threshold that still opens as fast; fewer false opens breaks a tie), None if none
    does. Fewest false opens alone would pick a gate that never shuts: one open per clip."""
    mask = gate_summary(result, "mask")
    best = None
    for name in result["gates"]:
        if not name.startswith("level "):
            continue
        level = gate_summary(result, name)
        if level["median_open_delay_ms"] is None or mask["median_open_delay_ms"] is None:
            continue
        as_fast = level["missed"] <= mask["missed"] and level["median_open_delay_ms"] <= mask["median_open_delay_ms"]
        key = (level["open_on_noise"], level["false_opens_per_min"])
        if as_fast and (best is None or key < (best["open_on_noise"], best["false_opens_per_min"])):
            best = level
    return best


def summarize(result: dict[str, Any], snrs_db: list[float]) -> dict[str, Any]:
    rows = result["notes"]
    latency_ms = result["latency_ms"]
    clean = [r for r in rows if r["noise_type"] is None]
    noisy = [r for r in rows if r["noise_type"] is not None]
    gates = {"level": gate_summary(result, "level")}
    if "mask" in result["gates"]:
        gates["mask"] = gate_summary(result, "mask")
        gates["level, as fast as mask"] = matched_level_gate(result)
    timing = result["timing"]
    return {
        "front_end": result["front_end"],
        "latency_ms": latency_ms,
        "compute_per_hop_us": timing.get("mean_us"),
        "hop_ms": None if not timing else 1000.0 * result["describe"].get("hop_samples", 0) / SAMPLE_RATE,
        "real_time_factor": timing.get("real_time_factor"),
        "clean": tuner_summary(clean, latency_ms),
        "noisy": tuner_summary(noisy, latency_ms),
        "by_snr_db": {
            f"{snr:g}": tuner_summary([r for r in noisy if r["snr_db"] == snr], latency_ms) for snr in snrs_db
        },
        "gates": gates,
    }


def figure_checks(summaries: list[dict[str, Any]]) -> dict[str, Any]:
    """The issue's figures, each true or false, per front end where it applies."""
    by_name = {s["front_end"]: s for s in summaries}
    base = by_name.get(NOISY_INPUT)
    checks: dict[str, Any] = {}
    if base is not None:
        error = base["clean"]["median_abs_cents"]
        checks["clean_median_abs_cents_at_most_1"] = error is not None and error <= 1.0
    for s in summaries:
        name = s["front_end"]
        if name == NOISY_INPUT or base is None:
            continue
        checks[f"{name}: hit rate above the noisy input's at every SNR"] = all(
            s["by_snr_db"][snr]["hit_rate"] is not None
            and s["by_snr_db"][snr]["hit_rate"] > base["by_snr_db"][snr]["hit_rate"]
            for snr in s["by_snr_db"]
        )
        ours, theirs = s["noisy"]["median_lock_live_ms"], base["noisy"]["median_lock_live_ms"]
        checks[f"{name}: pluck-to-reading no slower than the noisy input's by more than its latency"] = (
            ours is not None and (theirs is None or ours <= theirs + s["latency_ms"])
        )  # None: never locked
        if "mask" in s["gates"]:
            mask, level = s["gates"]["mask"], s["gates"]["level, as fast as mask"]
            checks[f"{name}: mask gate fewer false opens than a level gate as fast"] = (
                level is None or mask["false_opens_per_min"] < level["false_opens_per_min"]
            )
    return checks


def run_bench(
    front_ends: dict[str, FrontEnd],
    examples: list[NoisyExample],
    noise_only: list[NoisyExample],
    level_threshold_db: float,
    snrs_db: list[float],
    progress=None,
    printed=frozenset(),
) -> dict[str, Any]:
    """Measure every front end on the same examples, those named in ``printed`` given each example's print;
    per-example rows, summaries and the checks."""
    results = []
    for name, front_end in front_ends.items():
        begin = time.perf_counter()
        results.append(measure_front_end(front_end, examples, noise_only, level_threshold_db, name, name in printed))
        if progress is not None:
            progress(f"{name}: {time.perf_counter() - begin:.0f} s")
    summaries = [summarize(r, snrs_db) for r in results]
    return {"summaries": summaries, "checks": figure_checks(summaries), "results": results}


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100.0 * value:.0f}%"


def _cents(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def markdown_tables(report: dict[str, Any]) -> str:
    summaries = report["summaries"]
    snrs = list(summaries[0]["by_snr_db"]) if summaries else []
    lines = [
        "## Tuner",
        "",
        "| front end | latency ms | compute per hop µs (hop ms) | clean: median abs cents | clean: pluck to reading ms "
        + "".join(f"| hit rate {snr} dB " for snr in snrs)
        + "| octave errors | median abs cents | locked | pluck to reading ms | live, with latency ms |",
        "|" + "---|" * (10 + len(snrs)),
    ]
    for s in summaries:
        compute = "-" if s["compute_per_hop_us"] is None else f"{s['compute_per_hop_us']:.0f} ({s['hop_ms']:.2f})"
        noisy = s["noisy"]
        lines.append(
            f"| {s['front_end']} | {s['latency_ms']:.1f} | {compute} | {_cents(s['clean']['median_abs_cents'])} | "
            f"{_ms(s['clean']['median_lock_ms'])} "
            + "".join(f"| {_pct(s['by_snr_db'][snr]['hit_rate'])} " for snr in snrs)
            + f"| {_pct(noisy['octave_error_rate'])} | {_cents(noisy['median_abs_cents'])} | {_pct(noisy['locked'])} | "
            f"{_ms(noisy['median_lock_ms'])} | {_ms(noisy['median_lock_live_ms'])} |"
        )
    lines += [
        "",
        "## Gate",
        "",
        "| front end | gate | threshold dB | pluck to open ms (live) | missed | tail clipped ms | "
        "false opens per min | open on noise alone |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in summaries:
        for name, g in s["gates"].items():
            if g is None:
                lines.append(f"| {s['front_end']} | {name} | none as fast | | | | | |")
                continue
            lines.append(
                f"| {s['front_end']} | {name} | {g['threshold_db']:g} | {_ms(g['median_open_delay_ms'])} "
                f"({_ms(g['median_open_delay_live_ms'])}) | {_pct(g['missed'])} | {_ms(g['median_tail_clipped_ms'])} | "
                f"{g['false_opens_per_min']:.1f} | {_pct(g['open_on_noise'])} |"
            )
    lines += ["", "## Checks", ""] + [f"- {'yes' if ok else 'NO'}: {name}" for name, ok in report["checks"].items()]
    return "\n".join(lines) + "\n"


def plot(report: dict[str, Any], folder: Path) -> list[Path]:
    """Two PNGs in ``folder``: live pluck-to-reading times per front end, and hit rate by SNR."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    results = report["results"]
    names = [r["front_end"] for r in results]
    locks = []
    for r in results:
        times = [
            1000.0 * n["lock_s"] + r["latency_ms"]
            for n in r["notes"]
            if n["noise_type"] is not None and math.isfinite(n["lock_s"])
        ]
        locks.append(times or [math.nan])
    fig, ax = plt.subplots(figsize=(1.4 * len(names) + 2, 4))
    ax.boxplot(locks, showfliers=True)
    ax.set_xticks(np.arange(1, len(names) + 1), names)
    ax.set_ylabel("pluck to stable reading, live (ms)")
    ax.set_title("Time to lock, notes in noise (those that locked)")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    lock_png = folder / "tuner-lock.png"
    fig.savefig(lock_png, dpi=110)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(6, 4))
    for s in report["summaries"]:
        snrs = list(s["by_snr_db"])
        ax.plot(
            [float(v) for v in snrs],
            [100.0 * (s["by_snr_db"][v]["hit_rate"] or 0.0) for v in snrs],
            "o-",
            label=s["front_end"],
        )
    ax.set_xlabel("input SNR (dB)")
    ax.set_ylabel("tuner hit rate, frames within 5 cents (%)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    hit_png = folder / "tuner-hit-rate.png"
    fig.savefig(hit_png, dpi=110)
    plt.close(fig)
    return [lock_png, hit_png]


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return _json_safe(value.tolist())
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def write_report(report: dict[str, Any], json_path: Path, markdown_path: Path | None, plots: Path | None) -> None:
    if plots is not None:
        report["plots"] = [str(p) for p in plot(report, plots)]
    json_path.write_text(json.dumps(_json_safe(report), indent=1), encoding="utf-8")
    if markdown_path is not None:
        markdown_path.write_text(markdown_tables(report), encoding="utf-8")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--soundfont",
        type=Path,
        default=None,
        help=f"the SoundFont the notes are rendered with (default: <data root>/{SOUNDFONT})",
    )
    parser.add_argument(
        "--noise-set",
        type=Path,
        default=None,
        help=f"dev-set folder whose noise-only inputs are the noise (default: <data root>/{NOISE_SET})",
    )
    parser.add_argument(
        "--per-cell",
        type=int_in_range(1, 10_000),
        default=None,
        metavar="N",
        help="only N notes per noise type and SNR, taken in turn: a quicker run (default: all 18)",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seeds the notes chosen and the noise stretches (default 0)"
    )
    parser.add_argument(
        "--level-threshold-db",
        type=float,
        default=GateSettings(kind="level").threshold_db,
        help="the level gate's threshold on every front end, dBFS peak (default %(default)g)",
    )
    add_model_arguments(
        parser,
        several=BASE_FRONT_ENDS,
        also=(
            f"none for the noisy input itself, or a peer: {', '.join(peers.PEERS)}; "
            "by default also every peer installed"
        ),
    )
    parser.set_defaults(model=None)
    parser.add_argument(
        "--print",
        dest="print_modes",
        type=_print_modes,
        default=["none"],
        metavar="MODES",
        help="none (blind, the default), given (each example given a print of its noise; needs the "
        "noise set in format 4), or none,given for both side by side",
    )
    parser.add_argument("--json", type=output_path, default=Path("bench-tuner.json"), help="where to write the figures")
    parser.add_argument("--markdown", type=output_path, default=None, help="also write the tables as Markdown")
    parser.add_argument(
        "--plots",
        type=Path,
        default=None,
        metavar="DIR",
        help="also draw tuner-lock.png and tuner-hit-rate.png into DIR (needs matplotlib)",
    )


def _print_modes(text: str) -> list[str]:
    modes = list(dict.fromkeys(m.strip() for m in text.split(",") if m.strip()))
    if not modes or any(m not in PRINT_MODES for m in modes):
        raise argparse.ArgumentTypeError(f"--print takes {' or '.join(PRINT_MODES)} (or both, comma-separated)")
    return modes


def _fail(message: str) -> int:
    print(f"bench tuner: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    from livedenoise.bench.tuner_notes import SNRS_DB
    from livedenoise.training.fetch import default_data_root

    root = default_data_root()
    soundfont = args.soundfont or root / SOUNDFONT
    noise_set = args.noise_set or root / NOISE_SET
    if not Path(soundfont).is_file():
        return _fail(f"--soundfont {soundfont}: no such file")
    if not (Path(noise_set) / "devset.json").is_file():
        return _fail(f"--noise-set {noise_set}: no devset.json there")
    names = model_list(args) if args.model is not None else [*BASE_FRONT_ENDS, *installed_peers()]
    print_modes = getattr(args, "print_modes", ["none"])
    try:
        front_ends = open_front_ends(names, args.strength_db, args.provider) if "none" in print_modes else {}
        printed = open_printed_front_ends(names, args.strength_db, args.provider) if "given" in print_modes else {}
    except ModelLoadError as exc:
        return _fail(f"--model: {exc}")
    if not args.json.parent.is_dir():
        return _fail(f"--json {args.json}: no folder {args.json.parent}")
    try:
        prints = room_prints(Path(noise_set)) if printed else None
        notes = render_notes(Path(soundfont))
        noises = room_noises(Path(noise_set))
    except NoteSetError as exc:
        return _fail(str(exc))
    examples = noisy_examples(notes, noises, SNRS_DB, args.per_cell, args.seed, prints)
    noise_only = noise_alone(noises, NOISE_ALONE_S, SNRS_DB, args.seed, prints)
    front_ends = {**front_ends, **printed}
    print(
        f"bench tuner: {len(notes)} notes, {len(examples)} examples, "
        f"{len(noise_only)} x {NOISE_ALONE_S:g} s of noise alone; "
        f"front ends: {', '.join(front_ends)}",
        file=sys.stderr,
    )
    report = run_bench(
        front_ends,
        examples,
        noise_only,
        args.level_threshold_db,
        list(SNRS_DB),
        progress=lambda line: print(f"bench tuner: {line}", file=sys.stderr),
        printed=set(printed),
    )
    report["set"] = {
        "soundfont": str(soundfont),
        "noise_set": str(noise_set),
        "per_cell": args.per_cell,
        "seed": args.seed,
        "notes": [
            {"name": n.name, "hz": n.hz, "nominal_hz": n.nominal_hz, "onset_s": n.onset_s, "end_s": n.end_s}
            for n in notes
        ],
    }
    try:
        write_report(report, args.json, args.markdown, args.plots)
    except OSError as exc:
        return _fail(f"cannot write the report: {exc}")
    print(markdown_tables(report), end="")
    return 0
