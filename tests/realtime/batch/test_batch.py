"""``livedenoise batch`` as a user runs it: a folder of good and bad takes, resume, jobs, Ctrl-C."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from batch_runs import assert_same_audio, files_under, livedenoise, music_in_noise, read, write_take
from livedenoise.realtime.batch.manifest import MANIFEST_NAME


def test_good_takes_are_written_as_file_writes_them_and_bad_ones_reported(tmp_path):
    takes = tmp_path / "takes"
    write_take(takes / "a.wav", seed=1)
    write_take(takes / "sub" / "b.flac", sample_rate=44100, n_channels=2, seed=2)
    write_take(takes / "six.wav", n_channels=6, seed=3)  # MP3 holds two channels at most
    (takes / "unreadable.wav").write_bytes(b"RIFF but not a wave file")
    sf.write(takes / "empty.wav", np.zeros((0, 1), np.float32), 48000)
    out, report = tmp_path / "clean", tmp_path / "summary.json"
    done = livedenoise(
        "batch",
        takes,
        "--out",
        out,
        "--format",
        "mp3",
        "--model",
        "dsp",
        "--jobs",
        "2",
        "--report",
        report,
        "--no-progress",
    )
    assert done.returncode == 3, done.stderr
    assert files_under(out) == {"a.mp3", "sub/b.mp3", MANIFEST_NAME}  # no partial file of any kind
    failed = {Path(line.split(": ")[2]).name: line for line in done.stderr.splitlines() if ": failed: " in line}
    assert set(failed) == {"six.wav", "unreadable.wav", "empty.wav"}
    assert "MP3 holds at most 2 channels" in failed["six.wav"] and "no audio frames" in failed["empty.wav"]
    assert "cannot read" in failed["unreadable.wav"]
    summary = json.loads(report.read_text())
    assert (summary["n_done"], summary["n_failed"], summary["n_takes"]) == (2, 3, 5)
    by_name = {Path(t["input"]).name: t for t in summary["takes"]}
    assert by_name["a.wav"]["duration_s"] == 1.5 and by_name["a.wav"]["real_time_factor"] > 0
    assert by_name["six.wav"]["status"] == "failed" and "MP3 holds" in by_name["six.wav"]["error"]
    for name in ("a", "sub/b"):
        source = next(takes.glob(f"{name}.*"))
        reference = tmp_path / "ref" / f"{name}.mp3"
        reference.parent.mkdir(parents=True, exist_ok=True)
        assert livedenoise("file", source, reference, "--model", "dsp").returncode == 0
        assert_same_audio(out / f"{name}.mp3", reference)


def test_with_the_default_model_every_take_equals_file_sample_for_sample(tmp_path):
    takes = tmp_path / "takes"
    write_take(takes / "a.wav", seconds=1.0, seed=4, subtype="FLOAT")
    write_take(takes / "b.flac", seconds=1.0, sample_rate=44100, n_channels=2, seed=5)
    out = tmp_path / "clean"
    assert livedenoise("batch", takes, "--out", out, "--jobs", "2", "--no-progress").returncode == 0
    for name in ("a.wav", "b.flac"):
        reference = tmp_path / f"ref-{name}"
        assert livedenoise("file", takes / name, reference).returncode == 0
        assert_same_audio(out / name, reference)


def test_two_jobs_write_what_one_job_writes(tmp_path):
    takes = tmp_path / "takes"
    for i in range(4):
        write_take(takes / f"{i}.wav", seed=10 + i, n_channels=1 + i % 2, subtype="FLOAT")
    for jobs in (1, 2):
        result = livedenoise(
            "batch", takes, "--out", tmp_path / f"jobs{jobs}", "--model", "dsp", "--jobs", jobs, "--no-progress"
        )
        assert result.returncode == 0, result.stderr
    for i in range(4):
        assert_same_audio(tmp_path / "jobs1" / f"{i}.wav", tmp_path / "jobs2" / f"{i}.wav")


def test_a_second_run_skips_finished_takes_and_redoes_changed_ones(tmp_path):
    takes, out, report = tmp_path / "takes", tmp_path / "clean", tmp_path / "summary.json"
    for i in range(3):
        write_take(takes / f"{i}.wav", seed=20 + i)

    def batch(*extra):
        result = livedenoise(
            "batch",
            takes,
            "--out",
            out,
            "--model",
            "identity",
            "--jobs",
            "1",
            "--no-progress",
            "--report",
            report,
            *extra,
        )
        assert result.returncode == 0, result.stderr
        return {Path(t["input"]).name: t["status"] for t in json.loads(report.read_text())["takes"]}

    assert batch() == {"0.wav": "done", "1.wav": "done", "2.wav": "done"}
    stamps = {p: (out / p).stat().st_mtime_ns for p in ("0.wav", "1.wav", "2.wav")}
    assert batch() == {"0.wav": "skipped", "1.wav": "skipped", "2.wav": "skipped"}
    assert stamps == {p: (out / p).stat().st_mtime_ns for p in stamps}
    write_take(takes / "1.wav", seconds=2.0, seed=30)  # the input changed
    (out / "2.wav").unlink()  # the output went
    assert batch() == {"0.wav": "skipped", "1.wav": "done", "2.wav": "done"}
    assert read(out / "1.wav").shape == (96000, 1)
    assert batch("--strength-db", "20") == {"0.wav": "done", "1.wav": "done", "2.wav": "done"}  # other options
    assert batch("--strength-db", "20", "--force") == {"0.wav": "done", "1.wav": "done", "2.wav": "done"}


def test_ctrl_c_mid_batch_leaves_only_complete_outputs_and_a_rerun_finishes(tmp_path):
    takes, out = tmp_path / "takes", tmp_path / "clean"
    names = [f"{i}.wav" for i in range(6)]
    for i, name in enumerate(names):
        write_take(takes / name, seconds=8.0, n_channels=2, seed=40 + i)
    command = [
        sys.executable,
        "-m",
        "livedenoise.realtime.cli.main",
        "batch",
        str(takes),
        "--out",
        str(out),
        "--jobs",
        "2",
        "--no-progress",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    manifest = out / MANIFEST_NAME
    while process.poll() is None and not (manifest.exists() and manifest.read_text()):
        time.sleep(0.05)  # until the first take is finished: the others are then under way or waiting
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 128 + signal.SIGINT, stderr
    written = files_under(out) - {MANIFEST_NAME}
    assert 0 < len(written) < len(names), "the batch was stopped part way"
    recorded = {json.loads(line)["output"] for line in manifest.read_text().splitlines()}
    assert recorded and recorded <= written  # one stopped as it renamed its output is whole, and redone next time
    for name in written:
        assert read(out / name).shape == (8 * 48000, 2)
    again = livedenoise("batch", takes, "--out", out, "--jobs", "2", "--no-progress")
    assert again.returncode == 0, again.stderr
    assert f"{len(recorded)} take" in again.stderr and "already done, skipped" in again.stderr
    assert files_under(out) == {*names, MANIFEST_NAME}


@pytest.mark.parametrize(
    "flags", [["--jobs", "2", "--dask", "tcp://127.0.0.1:1"], ["--print", "lead", "--print-lead-s", "0"]]
)
def test_usage_mistakes_are_one_line(tmp_path, flags):
    write_take(tmp_path / "a.wav")
    result = livedenoise("batch", tmp_path / "a.wav", "--out", tmp_path / "out", *flags)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_a_model_that_does_not_load_stops_the_batch_before_it_starts(tmp_path):
    write_take(tmp_path / "a.wav")
    result = livedenoise("batch", tmp_path / "a.wav", "--out", tmp_path / "out", "--model", tmp_path / "none.onnx")
    assert result.returncode == 125 and result.stderr.startswith("livedenoise batch: error:"), result.stderr
    assert not (tmp_path / "out" / "a.wav").exists()


def write_lead_take(path, music_from_s, seed):
    """1.5 s of music in hiss whose music starts ``music_from_s`` in: before it, the hiss alone."""
    x = music_in_noise(3.0, 48000, 1, seed)
    hiss = 0.003 * np.random.default_rng(seed + 100).standard_normal((3 * 48000, 1))
    start = round(music_from_s * 48000)
    x[:start] = hiss[:start]
    x[start:] += hiss[start:]
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, x.astype(np.float32), 48000, subtype="FLOAT")


def test_a_print_per_take_is_the_print_file_makes_from_the_same_seconds(tmp_path):
    takes, report = tmp_path / "takes", tmp_path / "summary.json"
    write_lead_take(takes / "quiet-lead.wav", 1.2, seed=70)
    write_lead_take(takes / "music-at-once.wav", 0.0, seed=71)
    sf.write(takes / "short.wav", music_in_noise(0.5, 48000, 1, 72), 48000, subtype="FLOAT")

    def batch(name, *flags):
        result = livedenoise(
            "batch", takes, "--out", tmp_path / name, "--model", "dsp", "--no-progress", "--report", report, *flags
        )
        takes_report = {Path(t["input"]).name: t for t in json.loads(report.read_text())["takes"]}
        return result, takes_report

    result, by_name = batch("lead", "--print", "lead", "--print-lead-s", "1")
    assert result.returncode == 0, result.stderr
    assert by_name["quiet-lead.wav"]["noise_print"].endswith("from quiet-lead.wav 0-1 s")
    assert by_name["music-at-once.wav"]["noise_print"] is None
    assert "denoised blind" in by_name["music-at-once.wav"]["warning"]
    assert "warning: " in result.stderr and "music-at-once.wav" in result.stderr
    for name, flags in (("quiet-lead.wav", ["--print-from", "0:1"]), ("music-at-once.wav", [])):
        reference = tmp_path / f"ref-{name}"
        assert livedenoise("file", takes / name, reference, "--model", "dsp", *flags).returncode == 0
        assert_same_audio(tmp_path / "lead" / name, reference)

    result, by_name = batch("region", "--print-from", "1:2")
    assert result.returncode == 1, result.stderr  # short.wav ends before second 1
    assert by_name["short.wav"]["status"] == "failed" and "lasts 0.50 s" in by_name["short.wav"]["error"]
    reference = tmp_path / "ref-region.wav"
    assert (
        livedenoise("file", takes / "music-at-once.wav", reference, "--model", "dsp", "--print-from", "1:2").returncode
        == 0
    )
    assert_same_audio(tmp_path / "region" / "music-at-once.wav", reference)

    noise = tmp_path / "room.wav"
    sf.write(noise, 0.003 * np.random.default_rng(9).standard_normal(48000 * 2).astype(np.float32), 48000)
    result, by_name = batch("one-print", "--noise-print", noise)
    assert result.returncode == 0, result.stderr
    assert {t["noise_print"].split(" from ")[1] for t in by_name.values()} == {"room.wav"}
    reference = tmp_path / "ref-one-print.wav"
    assert livedenoise("file", takes / "short.wav", reference, "--model", "dsp", "--noise-print", noise).returncode == 0
    assert_same_audio(tmp_path / "one-print" / "short.wav", reference)
