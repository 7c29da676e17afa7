import json
import subprocess
import sys


def test_latency_bench_prints_and_writes_its_figures(tmp_path):
    out = tmp_path / "latency.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "livedenoise.realtime.cli.main",
            "bench",
            "latency",
            "--model",
            "dsp,identity",
            "--hops",
            "128,256",
            "--seconds",
            "0.5",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    rows = json.loads(out.read_text())["results"]
    assert [(r["runtime"], r["hop_samples"]) for r in rows] == [
        ("dsp-wiener", 128),
        ("dsp-wiener", 256),
        ("identity", 128),
        ("identity", 256),
    ]
    for row in rows:
        assert row["n_hops"] == int(0.5 * 48000) // row["hop_samples"]
        assert 0 < row["p50_us"] <= row["p99_us"] <= row["max_us"]
        assert row["latency"]["algorithmic_ms"] == 1e3 * 2 * row["hop_samples"] / 48000
        assert f"{row['p50_us']:.1f}" in result.stdout
        assert (
            f"hop {row['hop_samples']}: latency {row['latency']['algorithmic_ms']:.2f} ms algorithmic" in result.stdout
        )


def test_a_model_that_cannot_run_at_a_hop_is_skipped_with_the_reason(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "livedenoise.realtime.cli.main",
            "bench",
            "latency",
            "--models",
            "default",
            "--hops",
            "256",
            "--seconds",
            "0.2",
            "--json",
            str(tmp_path / "l.json"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "trained for a hop of 128" in result.stdout
