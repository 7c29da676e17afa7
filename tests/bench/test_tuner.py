"""The tuner bench on a tiny synthetic set: plucked strings made here (``tests/realtime/plucks.py``)
and procedural noise, no data. Every figure comes out for the noisy input, the DSP baseline and an
installed peer; the figures move the right way; the outputs are written; bad flags are one line.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from components import require
from livedenoise.bench import peers
from livedenoise.bench.tuner import markdown_tables, matched_level_gate, open_front_ends, run_bench, write_report
from livedenoise.bench.tuner_notes import NOTE_RMS_DBFS, noise_alone, noisy_examples, plucked_note, rms_db
from livedenoise.bench.tuner_scores import false_open_scores, pluck_gate_scores, tuner_scores
from livedenoise.training.procedural_noise import procedural_noise
from plucks import SAMPLE_RATE, additive_pluck, karplus_strong, midi_hz

ONSET_S, SECONDS = 0.5, 2.5
SNRS_DB = [0.0, 10.0]
PEER = "rnnoise"


def _notes():
    e2, g3 = midi_hz(40), midi_hz(55)
    return [
        plucked_note(
            "ks E2",
            "karplus-strong",
            40,
            e2,
            karplus_strong(e2, SECONDS, onset_s=ONSET_S, decay_s=3.0, seed=1),
            ONSET_S,
        ),
        plucked_note(
            "add G3",
            "additive",
            55,
            g3,
            additive_pluck(g3, SECONDS, onset_s=ONSET_S, fundamental_db=-6.0, seed=2),
            ONSET_S,
        ),
    ]


def _stationary(seconds: float) -> np.ndarray:
    noise, _ = procedural_noise(int(seconds * SAMPLE_RATE), np.random.default_rng(3), family="stationary")
    return np.asarray(noise, dtype=np.float32)


def _peer_missing() -> str | None:
    """Why the peer cannot run here, or None when it can."""
    try:
        peers.open_peer(PEER)
    except peers.PeerUnavailable as exc:
        return str(exc)
    return None


def _front_end_names() -> list[str]:
    """The noisy input, the DSP baseline, and the peer where its wheel is installed (see
    ``test_the_peer_is_benched``: a missing one is no silent gap)."""
    return ["none", "dsp"] + ([PEER] if _peer_missing() is None else [])


@pytest.fixture(scope="module")
def report():
    notes = _notes()
    noises = {"stationary": _stationary(12.0)}
    examples = noisy_examples(notes, noises, SNRS_DB, seed=0)
    noise_only = noise_alone(noises, 2.0, SNRS_DB, seed=0)
    return run_bench(open_front_ends(_front_end_names(), 40.0), examples, noise_only, -50.0, SNRS_DB)


def test_every_figure_for_every_front_end(report):
    names = [s["front_end"] for s in report["summaries"]]
    assert names == _front_end_names()
    for s in report["summaries"]:
        assert s["latency_ms"] is not None and s["latency_ms"] >= 0.0
        for part in ("clean", "noisy", *(s["by_snr_db"][f"{snr:g}"] for snr in SNRS_DB)):
            figures = s[part] if isinstance(part, str) else part
            for key in ("hit_rate", "octave_error_rate", "locked"):
                assert figures[key] is not None and 0.0 <= figures[key] <= 1.0, (s["front_end"], key)
        assert s["clean"]["median_abs_cents"] is not None and s["clean"]["median_lock_ms"] is not None
        level = s["gates"]["level"]
        for key in ("false_opens_per_min", "open_on_noise", "missed"):
            assert level[key] is not None, (s["front_end"], key)
    by_name = {s["front_end"]: s for s in report["summaries"]}
    assert by_name["none"]["latency_ms"] == 0.0 and by_name["dsp"]["latency_ms"] > 0.0
    assert by_name["dsp"]["compute_per_hop_us"] > 0.0
    assert set(by_name["dsp"]["gates"]) == {"level", "mask", "level, as fast as mask"}
    assert "mask" not in by_name["none"]["gates"]


def test_the_peer_is_benched(report):
    """A peer whose wheel is missing is a recorded skip on a developer's machine and a failure in CI."""
    missing = _peer_missing()
    require(missing is None, f"{PEER} ({missing})")
    assert PEER in [s["front_end"] for s in report["summaries"]]


def test_clean_notes_read_true_and_lock_soon_after_the_pluck(report):
    none = next(s for s in report["summaries"] if s["front_end"] == "none")
    assert none["clean"]["median_abs_cents"] <= 1.0
    assert none["clean"]["hit_rate"] > 0.9
    assert none["clean"]["locked"] == 1.0
    # the tuner needs a frame of audio after the pluck, then a few steady readings: more than 0, under half a second
    assert 0.0 < none["clean"]["median_lock_ms"] < 500.0


def test_denoising_raises_the_hit_rate_on_stationary_noise(report):
    by_name = {s["front_end"]: s for s in report["summaries"]}
    for snr in SNRS_DB:
        key = f"{snr:g}"
        assert by_name["dsp"]["by_snr_db"][key]["hit_rate"] >= by_name["none"]["by_snr_db"][key]["hit_rate"], key


def test_live_times_add_the_latency(report):
    for s in report["summaries"]:
        clean = s["clean"]
        assert clean["median_lock_live_ms"] == pytest.approx(clean["median_lock_ms"] + s["latency_ms"])


def test_outputs_are_written(report, tmp_path):
    json_path, markdown_path = tmp_path / "tuner.json", tmp_path / "tuner.md"
    write_report(report, json_path, markdown_path, tmp_path / "plots")
    saved = json.loads(json_path.read_text())
    assert [s["front_end"] for s in saved["summaries"]] == _front_end_names()
    assert saved["checks"] and all(isinstance(v, bool) for v in saved["checks"].values())
    text = markdown_path.read_text()
    assert text == markdown_tables(report)
    for name in _front_end_names():
        assert f"| {name} |" in text
    for png in ("tuner-lock.png", "tuner-hit-rate.png"):
        assert (tmp_path / "plots" / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_later_pluck_locks_as_long_after_it():
    hz = midi_hz(45)
    times = []
    for onset_s in (0.3, 0.9):
        note = plucked_note(
            "A2", "karplus-strong", 45, hz, karplus_strong(hz, onset_s + 2.0, onset_s=onset_s, decay_s=3.0), onset_s
        )
        times.append(tuner_scores(note.audio, note, SAMPLE_RATE)["lock_s"])
    assert all(math.isfinite(t) and t > 0.0 for t in times)
    assert times[0] == pytest.approx(times[1], abs=0.02)


def test_silence_never_locks_and_misses_every_frame():
    hz = midi_hz(50)
    note = plucked_note("D3", "karplus-strong", 50, hz, karplus_strong(hz, 2.0, onset_s=0.3), 0.3)
    scores = tuner_scores(np.zeros_like(note.audio), note, SAMPLE_RATE)
    assert math.isnan(scores["lock_s"]) and scores["hit_rate"] == 0.0 and scores["n_frames"] > 0


def test_an_octave_off_is_an_octave_error():
    hz = midi_hz(52)
    note = plucked_note("E3", "karplus-strong", 52, hz, karplus_strong(hz, 2.0, onset_s=0.3, decay_s=3.0), 0.3)
    octave_up = karplus_strong(2.0 * hz, 2.0, onset_s=0.3, decay_s=3.0)
    scores = tuner_scores(octave_up, note, SAMPLE_RATE)
    assert scores["hit_rate"] < 0.1 and scores["octave_error_rate"] > 0.8


def test_gate_scores_from_known_flags():
    hz = midi_hz(40)
    note = plucked_note("E2", "karplus-strong", 40, hz, karplus_strong(hz, 2.0, onset_s=0.5), 0.5)
    onset, end = int(note.onset_s * SAMPLE_RATE), int(note.end_s * SAMPLE_RATE)
    flags = np.zeros(note.audio.size, dtype=bool)
    flags[onset + 480 : end - 4800] = True  # opens 10 ms late, shuts 100 ms early
    scores = pluck_gate_scores(flags, note, SAMPLE_RATE)
    assert scores["open_delay_s"] == pytest.approx(0.010)
    assert scores["tail_clipped_s"] == pytest.approx(0.100)
    assert math.isnan(pluck_gate_scores(np.zeros_like(flags), note, SAMPLE_RATE)["open_delay_s"])
    noise_flags = np.zeros(SAMPLE_RATE * 61 // 2, dtype=bool)  # 30.5 s: 30 s after the warm-up
    for start_s in (5.0, 12.0, 20.0):
        noise_flags[int(start_s * SAMPLE_RATE) : int((start_s + 1.5) * SAMPLE_RATE)] = True
    opens = false_open_scores(noise_flags, SAMPLE_RATE)
    assert opens["n_opens"] == 3 and opens["minutes"] == pytest.approx(0.5)
    assert opens["open_share"] == pytest.approx(4.5 / 30.0, abs=1e-3)


def test_mixtures_are_at_their_snr_and_cells_take_notes_in_turn():
    notes = _notes()
    noise = {"stationary": _stationary(8.0)}
    examples = noisy_examples(notes, noise, [-5.0, 5.0], seed=4)
    assert [e.noise_type for e in examples[:2]] == [None, None]
    for e in examples[2:]:
        onset, end = int(e.note.onset_s * SAMPLE_RATE), int(e.note.end_s * SAMPLE_RATE)
        residual = e.audio - e.note.audio
        assert rms_db(e.note.audio[onset:end]) == pytest.approx(NOTE_RMS_DBFS, abs=0.01)
        assert rms_db(e.note.audio[onset:end]) - rms_db(residual) == pytest.approx(e.snr_db, abs=0.01)
    one_each = noisy_examples(notes, noise, [-5.0, 5.0], per_cell=1, seed=4)
    assert len(one_each) == 4 and {e.note.name for e in one_each[2:]} == {n.name for n in notes}
    again = noisy_examples(notes, noise, [-5.0, 5.0], per_cell=1, seed=4)
    assert all(np.array_equal(a.audio, b.audio) for a, b in zip(one_each, again, strict=True))


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--soundfont", "/nonexistent/font.sf2"], "--soundfont /nonexistent/font.sf2: no such file"),
        (["--per-cell", "0"], "--per-cell"),
    ],
)
def test_bad_flags_are_one_line(tmp_path, flags, message):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "livedenoise.realtime.cli.main",
            "bench",
            "tuner",
            *flags,
            "--json",
            str(tmp_path / "x.json"),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_the_matched_level_gate_is_the_highest_that_opens_as_fast():
    def gate(kind, threshold_db, delay_s, n_opens, open_share):
        return {
            "settings": {"kind": kind, "threshold_db": threshold_db},
            "pluck": {"open_delay_s": delay_s, "tail_clipped_s": 0.0},
            "noise": {"n_opens": n_opens, "minutes": 1.0, "open_share": open_share},
        }

    gates = {
        "mask": gate("mask", -10.0, 0.005, 4, 0.2),
        "level -40": gate("level", -40.0, 0.0, 1, 1.0),
        "level -20": gate("level", -20.0, 0.004, 9, 0.3),
        "level -10": gate("level", -10.0, 0.05, 0, 0.0),
    }
    result = {
        "latency_ms": 0.0,
        "gates": {name: g["settings"] for name, g in gates.items()},
        "notes": [{"gates": {name: g["pluck"] for name, g in gates.items()}}],
        "noise_alone": [{"gates": {name: g["noise"] for name, g in gates.items()}}],
    }
    matched = matched_level_gate(result)
    assert matched["threshold_db"] == -20.0 and matched["false_opens_per_min"] == 9.0


def test_given_a_print_the_same_examples_carry_it_and_the_mask_gate_stays_shut_on_the_noise():
    from livedenoise.bench.tuner import open_printed_front_ends
    from livedenoise.bench.tuner_notes import PRINT_S

    notes = _notes()
    rng = np.random.default_rng(7)
    # steady noise: the same level everywhere, so a print at the noise's gain is as loud as the noise
    noises = {"white": (0.1 * rng.standard_normal(12 * SAMPLE_RATE)).astype(np.float32)}
    prints = {"white": (0.1 * rng.standard_normal(4 * SAMPLE_RATE)).astype(np.float32)}
    examples = noisy_examples(notes, noises, SNRS_DB, seed=0, prints=prints)
    blind = noisy_examples(notes, noises, SNRS_DB, seed=0)
    assert all(np.array_equal(a.audio, b.audio) for a, b in zip(examples, blind, strict=True))
    for example in examples:
        if example.noise_type is None:
            assert example.print_audio is None
            continue
        assert example.print_audio.size == int(PRINT_S * SAMPLE_RATE)
        noise = example.audio - example.note.audio
        assert rms_db(example.print_audio) == pytest.approx(rms_db(noise), abs=0.2)  # at the noise's gain
    noise_only = noise_alone(noises, 2.0, SNRS_DB, seed=0, prints=prints)
    fronts = open_printed_front_ends(["none", "dsp"], 40.0)
    assert list(fronts) == ["dsp +given print"]  # the noisy input takes no print
    report = run_bench(
        {**open_front_ends(["dsp"], 40.0), **fronts}, examples, noise_only, -50.0, SNRS_DB, printed=set(fronts)
    )
    by_name = {s["front_end"]: s for s in report["summaries"]}
    assert [r["print"] for r in report["results"]] == ["none", "given"]
    given, blind_dsp = by_name["dsp +given print"]["gates"]["mask"], by_name["dsp"]["gates"]["mask"]
    assert given["open_on_noise"] == 0.0 and given["false_opens_per_min"] == 0.0
    assert blind_dsp["open_on_noise"] > 0.0
    assert given["missed"] < 1.0  # it still opens on plucks


def test_a_noise_set_without_prints_is_refused_for_given_prints_in_one_line(tmp_path):
    from test_quality import make_devset

    folder = make_devset(tmp_path / "devset")
    soundfont = tmp_path / "font.sf2"
    soundfont.write_bytes(b"")  # never read: the prints are checked first
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "livedenoise.realtime.cli.main",
            "bench",
            "tuner",
            "--print",
            "given",
            "--model",
            "dsp",
            "--soundfont",
            str(soundfont),
            "--noise-set",
            str(folder),
            "--json",
            str(tmp_path / "x.json"),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "format 4" in done.stderr and len(done.stderr.strip().splitlines()) == 1
