"""Level gate against mask gate on synthesized plucks in noise: false opens and open delay.

``python -m livedenoise.realtime.gate_figures [--model default] [--seconds 20]`` prints one row per
noise: for the mask gate at its default threshold, its false opens per minute on the noise alone,
its median delay from pluck to open, the plucks it missed and the note tail it clipped at close;
then the level gate whose threshold opens on the plucks as fast (median delay no longer, no more
missed), with the fewest false opens (then the least time open on noise) such a threshold gives. Plucks: six guitar-like notes from E2
to E4, each peaking at the noise's RMS level. The model runs once per signal; every gate is then
run over its recorded hops, exactly as the engine would.
"""

from __future__ import annotations

import argparse

import numpy as np

from livedenoise.realtime.denoiser import StreamingDenoiser
from livedenoise.realtime.gate import GateSettings, NoiseGate
from livedenoise.realtime.model_choice import open_runtime

SAMPLE_RATE = 48000
NOTES_HZ = (82.41, 110.0, 146.83, 196.0, 246.94, 329.63)
PLUCK_S = 2.0
MAX_DELAY_MS = 200.0  # a gate later than this missed the pluck
TAIL_FLOOR_DB = -40.0  # a note ends where it has decayed this far below its peak
WARM_UP_S = 0.5  # the model's first hops, from a fresh state, are not the room
LEVEL_THRESHOLDS_DB = np.arange(-90.0, 1.0, 1.0)


def noises(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Unit-RMS noises of ``n`` samples: white, pink, a fan (hum and its harmonics over brownish noise)."""
    white = rng.standard_normal(n)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    k = np.maximum(np.arange(spectrum.size), 1)
    pink = np.fft.irfft(spectrum / np.sqrt(k), n)
    brown = np.fft.irfft(spectrum / k, n)
    t = np.arange(n) / SAMPLE_RATE
    hum = sum(np.sin(2 * np.pi * 50.0 * h * t + h) / h for h in range(1, 8))
    fan = brown / brown.std() + 0.5 * hum / hum.std()
    return {name: (x / x.std()).astype(np.float32) for name, x in (("white", white), ("pink", pink), ("fan", fan))}


def pluck(hz: float, seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    note = sum(np.sin(2 * np.pi * hz * k * t) / k for k in range(1, 8)) * np.exp(-2.5 * t)
    return (note / np.abs(note).max()).astype(np.float32)


def record_hops(runtime, signal: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    denoiser = StreamingDenoiser(runtime)
    h = denoiser.hop_samples
    out = np.zeros((1, h), np.float32)
    hops = []
    for k in range(signal.size // h):
        denoiser.process_into(signal[None, k * h : (k + 1) * h], out)
        hops.append((out.copy(), denoiser.mask.copy(), denoiser.input_spectrum.copy()))
    return hops


def open_flags(hops, settings: GateSettings) -> np.ndarray:
    """Per hop: is the gate open. The denoiser's latency is one hop: flag k covers input hop k - 1."""
    hop, mask, _ = hops[0]
    gate = NoiseGate(SAMPLE_RATE, hop.shape[1], 1, mask.shape[1], settings)
    flags = np.zeros(len(hops), dtype=bool)
    for k, (hop, mask, spectrum) in enumerate(hops):
        gate.process_into(hop.copy(), mask, spectrum)
        flags[k] = gate.is_open
    return np.concatenate([flags[1:], flags[-1:]])


def gate_figures(noise_hops, pluck_hops, onsets_hop: list[int], ends_hop: list[int], hop_ms: float,
                 settings: GateSettings) -> dict:
    noise_flags = open_flags(noise_hops, settings)[int(WARM_UP_S * 1000 / hop_ms):]
    n_false = int(np.diff(noise_flags.astype(int), prepend=0).clip(0).sum())  # open at the start counts as one
    minutes = noise_flags.size * hop_ms / 60000.0
    flags = open_flags(pluck_hops, settings)
    delays, tails = [], []
    for onset, end in zip(onsets_hop, ends_hop):
        window = flags[onset : onset + int(MAX_DELAY_MS / hop_ms) + 1]
        if window.any():
            delays.append(np.argmax(window) * hop_ms)
            shut = np.flatnonzero(~flags[onset + int(np.argmax(window)) : end])
            tails.append(0.0 if shut.size == 0 else (end - onset - np.argmax(window) - shut[0]) * hop_ms)
    return {
        "false_opens_per_min": n_false / minutes,
        "open_on_noise": float(noise_flags.mean()),
        "median_delay_ms": float(np.median(delays)) if delays else float("inf"),
        "n_missed": len(onsets_hop) - len(delays),
        "median_tail_clipped_ms": float(np.median(tails)) if tails else float("nan"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m livedenoise.realtime.gate_figures", description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default", help="default, dsp or a model file (default: default)")
    parser.add_argument("--seconds", type=float, default=20.0, help="noise alone per noise type (default 20)")
    parser.add_argument("--noise-dbfs", type=float, default=-30.0, help="noise RMS level (default -30)")
    args = parser.parse_args(argv)
    runtime = open_runtime(args.model)
    hop = runtime.card.hop_samples
    hop_ms = 1000.0 * hop / SAMPLE_RATE
    rng = np.random.default_rng(0)
    n_noise = int(args.seconds * SAMPLE_RATE) // hop * hop
    n_plucks = len(NOTES_HZ) * int(PLUCK_S * SAMPLE_RATE)
    level = 10 ** (args.noise_dbfs / 20)
    mask_settings = GateSettings(kind="mask")
    print(f"model {args.model}; noise {args.noise_dbfs:g} dBFS RMS; plucks peak at the noise's RMS; hop {hop_ms:.2f} ms")
    print("| noise | gate | threshold | false opens/min | open on noise alone | median pluck-to-open ms | missed | "
          "median tail clipped ms |")
    print("|---|---|---|---|---|---|---|---|")
    for name, noise in noises(n_noise + n_plucks, rng).items():
        noise_alone = level * noise[:n_noise]
        track = level * noise[n_noise:].copy()
        onsets, ends = [], []
        for i, hz in enumerate(NOTES_HZ):
            note = pluck(hz, PLUCK_S - 0.5)
            start = i * int(PLUCK_S * SAMPLE_RATE) + int(0.25 * SAMPLE_RATE)
            track[start : start + note.size] += level * note
            decayed = np.flatnonzero(np.abs(note) >= 10 ** (TAIL_FLOOR_DB / 20))[-1]
            onsets.append(start // hop)
            ends.append((start + decayed) // hop)
        noise_hops = record_hops(runtime, noise_alone)
        pluck_hops = record_hops(runtime, track)
        mask = gate_figures(noise_hops, pluck_hops, onsets, ends, hop_ms, mask_settings)
        best = None
        for threshold_db in LEVEL_THRESHOLDS_DB:
            figures = gate_figures(noise_hops, pluck_hops, onsets, ends, hop_ms,
                                   GateSettings(kind="level", threshold_db=float(threshold_db)))
            as_fast = figures["n_missed"] <= mask["n_missed"] and figures["median_delay_ms"] <= mask["median_delay_ms"]
            key = (figures["false_opens_per_min"], figures["open_on_noise"])
            if as_fast and (best is None or key < (best[1]["false_opens_per_min"], best[1]["open_on_noise"])):
                best = (threshold_db, figures)
        rows = [("mask", f"{mask_settings.threshold_db:g} dB", mask)]
        rows.append(("level", "none as fast", None) if best is None else ("level", f"{best[0]:g} dBFS", best[1]))
        for gate, threshold, f in rows:
            if f is None:
                print(f"| {name} | {gate} | {threshold} | | | | | |")
            else:
                print(f"| {name} | {gate} | {threshold} | {f['false_opens_per_min']:.1f} | {100 * f['open_on_noise']:.0f}% | "
                      f"{f['median_delay_ms']:.1f} | "
                      f"{f['n_missed']}/{len(NOTES_HZ)} | {f['median_tail_clipped_ms']:.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
