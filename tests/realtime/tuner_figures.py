"""The tuner's figures in docs/benchmarks.md, measured on plucked notes made here (``plucks.py``).

    .venv/bin/python tests/realtime/tuner_figures.py [--json OUT] [--aubio]

- clean sustained notes, E1 to C7 (every fifth semitone, detuned by up to 30 cents), Karplus-Strong
  and additive strings: the median absolute error of the tracker's settled frames, per note;
- pluck to stable reading: from the onset of a clean string E2..E4 to the first ``Tuner`` reading
  that is stable and within 5 cents;
- noisy notes: E2..E4 strings (Karplus-Strong, and additive ones with a fundamental 0-15 dB weak)
  under procedural noise (stationary, machine, babble, impulsive) at -5, 0, 5 and 10 dB SNR: the
  hit rate (tracker frames within 5 cents, from 0.1 s after the pluck) and the pluck-to-stable time,
  for the noisy input, the shipped model and the DSP baseline; times are in the denoised stream, so
  they include each denoiser's latency;
- ``--aubio``: the same clean and noisy-input figures for aubio's YIN and YIN-FFT (``pip install
  aubio``, which builds from source), the trackers ours was measured against.
"""

from __future__ import annotations

import argparse
import json
import math
import time

import numpy as np

from livedenoise.realtime.denoiser import StreamingDenoiser
from livedenoise.realtime.runtimes.model_choice import open_runtime
from livedenoise.realtime.tuner.pitch_tracker import HOP_SAMPLES, PitchTracker, cents_off
from livedenoise.realtime.tuner.tuner import IN_TUNE_CENTS, tune_signal
from livedenoise.training.procedural_noise import procedural_noise
from plucks import C7_MIDI, E1_MIDI, SAMPLE_RATE, additive_pluck, karplus_strong, midi_hz, mix_at_snr

STRINGS_MIDI = (40, 45, 50, 55, 59, 64)  # E2 A2 D3 G3 B3 E4
NOISES = ("stationary", "machine", "babble", "impulsive")
SNRS_DB = (-5.0, 0.0, 5.0, 10.0)
ONSET_S, NOTE_S, ATTACK_S = 0.2, 2.0, 0.1
AUBIO_BUFFER = 4096  # aubio's YIN looks at lags up to half its buffer: 4096 reaches E1


def ours(audio: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Frame end times (s) and Hz of our tracker."""
    tracker = PitchTracker()
    _, hz, _ = tracker.track(audio)
    return (np.arange(hz.size) + 1) * HOP_SAMPLES / SAMPLE_RATE, hz


def aubio_tracker(method: str):
    import aubio

    def track(audio: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pitch = aubio.pitch(method, AUBIO_BUFFER, HOP_SAMPLES, SAMPLE_RATE)
        pitch.set_unit("Hz")
        pitch.set_silence(-70.0)
        audio = audio.astype(np.float32)
        hz = np.array(
            [pitch(audio[k * HOP_SAMPLES : (k + 1) * HOP_SAMPLES])[0] for k in range(audio.size // HOP_SAMPLES)]
        )
        return (np.arange(hz.size) + 1) * HOP_SAMPLES / SAMPLE_RATE, np.where(hz > 0, hz, np.nan)

    return track


def settled_errors(times_s, hz, truth_hz, onset_s, end_s, frame_s):
    """Cents off ``truth_hz`` of frames whose whole analysis frame lies in the note after its attack."""
    inside = (times_s - frame_s >= onset_s + ATTACK_S) & (times_s <= end_s)
    return cents_off(hz[inside], truth_hz)


def time_to_stable_s(audio, truth_hz, onset_s):
    """From the onset to the first stable reading within 5 cents (NaN: never)."""
    for reading in tune_signal(audio):
        if (
            reading.time_s > onset_s
            and reading.stable
            and reading.voiced
            and abs(cents_off(reading.hz, truth_hz)) <= IN_TUNE_CENTS
        ):
            return reading.time_s - onset_s
    return math.nan


def clean_figures(trackers) -> dict:
    notes = []
    for midi in range(E1_MIDI, C7_MIDI + 1, 5):
        hz = midi_hz(midi) * 2 ** (30 * math.sin(midi) / 1200)
        for synth, audio in (
            ("karplus_strong", karplus_strong(hz, 1.5, decay_s=3.0)),
            ("additive", additive_pluck(hz, 1.5)),
        ):
            row = {"midi": midi, "synth": synth}
            for name, (track, frame_s) in trackers.items():
                errors = settled_errors(*track(audio), hz, 0.0, 1.5, frame_s)
                row[name] = float(np.median(np.abs(np.nan_to_num(errors, nan=1200.0))))
            notes.append(row)
    summary = {}
    for name in trackers:
        for label, low in (("from_e1", E1_MIDI), ("from_e2", 40)):
            values = [n[name] for n in notes if n["midi"] >= low]
            summary[f"{name}_{label}"] = {
                "median_cents": float(np.median(values)),
                "worst_note_median_cents": float(np.max(values)),
            }
    return {"notes": notes, "summary": summary}


def lock_times(front_end=lambda audio: audio) -> list[float]:
    times = []
    for i, midi in enumerate(STRINGS_MIDI):
        hz = midi_hz(midi)
        for audio in (
            karplus_strong(hz, NOTE_S, onset_s=ONSET_S, seed=i),
            additive_pluck(hz, NOTE_S, onset_s=ONSET_S, seed=i),
        ):
            times.append(time_to_stable_s(front_end(audio), hz, ONSET_S))
    return times


def denoise(model: str):
    runtime = open_runtime(model)

    def run(audio: np.ndarray) -> np.ndarray:
        denoiser = StreamingDenoiser(runtime, n_channels=1)
        out = np.concatenate([denoiser.process(audio[None, :]), denoiser.flush()], axis=1)[0]
        return out[: audio.size]  # the live stream: delayed by the latency, which the times then include

    return run


def noisy_figures(front_ends, trackers) -> dict:
    rng = np.random.default_rng(0)
    rows = []
    for i, midi in enumerate(STRINGS_MIDI):
        for synth in ("karplus_strong", "additive"):
            hz = midi_hz(midi) * 2 ** (rng.uniform(-30, 30) / 1200)
            clean = (
                karplus_strong(hz, NOTE_S, onset_s=ONSET_S, decay_s=3.0, seed=i)
                if synth == "karplus_strong"
                else additive_pluck(hz, NOTE_S, onset_s=ONSET_S, fundamental_db=-rng.uniform(0, 15), seed=i)
            )
            for family in NOISES:
                noise, _ = procedural_noise(clean.size, rng, family=family)
                for snr_db in SNRS_DB:
                    noisy = mix_at_snr(clean, noise, snr_db)
                    row = {"midi": midi, "synth": synth, "noise": family, "snr_db": snr_db}
                    for name, front_end in front_ends.items():
                        audio = front_end(noisy)
                        errors = settled_errors(
                            *ours(audio), hz, ONSET_S, NOTE_S, PitchTracker().frame_samples / SAMPLE_RATE
                        )
                        row[f"hit_{name}"] = float(np.mean(np.abs(np.nan_to_num(errors, nan=1200.0)) <= IN_TUNE_CENTS))
                        row[f"lock_s_{name}"] = time_to_stable_s(audio, hz, ONSET_S)
                    for name, (track, frame_s) in trackers.items():
                        errors = settled_errors(*track(noisy), hz, ONSET_S, NOTE_S, frame_s)
                        row[f"hit_noisy_{name}"] = float(
                            np.mean(np.abs(np.nan_to_num(errors, nan=1200.0)) <= IN_TUNE_CENTS)
                        )
                    rows.append(row)
    summary = {}
    for key in [k for k in rows[0] if k.startswith(("hit_", "lock_s_"))]:
        by_snr = {}
        for snr_db in SNRS_DB:
            values = np.array([r[key] for r in rows if r["snr_db"] == snr_db])
            if key.startswith("hit_"):
                by_snr[f"{snr_db:+g}"] = float(np.mean(values))
            else:  # median time of the notes that locked, and the share that did
                by_snr[f"{snr_db:+g}"] = {
                    "median_s": float(np.nanmedian(values)) if np.isfinite(values).any() else None,
                    "locked": float(np.mean(np.isfinite(values))),
                }
        summary[key] = by_snr
    return {"rows": rows, "summary": summary}


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{1000 * seconds:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", default=None, help="write every figure here")
    parser.add_argument("--aubio", action="store_true", help="compare with aubio's YIN and YIN-FFT")
    args = parser.parse_args()
    t0 = time.perf_counter()
    frame_s = PitchTracker().frame_samples / SAMPLE_RATE
    trackers = {"ours": (ours, frame_s)}
    other_trackers = {}
    if args.aubio:
        other_trackers = {f"aubio_{m}": (aubio_tracker(m), AUBIO_BUFFER / SAMPLE_RATE) for m in ("yin", "yinfft")}
    clean = clean_figures({**trackers, **other_trackers})
    for key, value in clean["summary"].items():
        print(
            f"clean notes, {key}: median {value['median_cents']:.2f} cents, "
            f"worst note {value['worst_note_median_cents']:.2f}"
        )
    locks = lock_times()
    print(
        f"pluck to stable reading, clean E2..E4: median {1000 * np.nanmedian(locks):.0f} ms, "
        f"max {1000 * np.nanmax(locks):.0f} ms, {np.isfinite(locks).sum()}/{len(locks)} locked"
    )
    front_ends = {"noisy": lambda audio: audio, "default": denoise("default"), "dsp": denoise("dsp")}
    noisy = noisy_figures(front_ends, other_trackers)
    for key, by_snr in noisy["summary"].items():
        cells = [
            f"{snr} dB {v:.1%}" if isinstance(v, float) else f"{snr} dB {_ms(v['median_s'])} ({v['locked']:.0%} locked)"
            for snr, v in by_snr.items()
        ]
        print(f"{key}: " + ", ".join(cells))
    print(f"({time.perf_counter() - t0:.0f} s)")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"clean": clean, "lock_s_clean": locks, "noisy": noisy}, out, indent=1)


if __name__ == "__main__":
    main()
