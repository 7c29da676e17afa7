"""`bench e2e --baseline --run-cli` on its own JACK server: a C client, the engine process and `livedenoise
run`, counted the same way."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from components import require

LIVEDENOISE = str(Path(sys.executable).parent / "livedenoise")


def test_bench_e2e_measures_the_engine_and_run_beside_a_c_client(tmp_path):
    require(
        shutil.which("jackd") is not None and shutil.which("jack_simple_client") is not None,
        "jackd and jack_simple_client (Debian package jackd2)",
    )
    out = tmp_path / "e2e.json"
    result = subprocess.run(
        [
            LIVEDENOISE,
            "bench",
            "e2e",
            "--baseline",
            "--run-cli",
            "--model",
            "identity",
            "--seconds",
            "3",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    figures = json.loads(out.read_text())
    baseline, engine, run_cli = figures["baseline"], figures["engine"], figures["run_cli"]
    assert baseline["client"] == "jack_simple_client" and engine["client"] == run_cli["client"] == "livedenoise"
    # `run` ran, streamed and stopped on the interrupt as from a terminal: its closing summary
    assert run_cli["summary"].startswith("ran ") and "xruns" in run_cli["summary"]
    for window in (baseline, engine, run_cli):
        # each window's figures are the server log's, client by client, plus the driver's own xruns
        by_client = window["n_unfinished_by_client"]
        assert window["n_unfinished"] == by_client.get(window["client"], 0), window
        assert window["n_server_xruns"] == sum(by_client.values()) + window["n_driver_xruns"], window
    # identity: device buffering (2 periods), the probe's period, and the STFT's hop, to the sample
    # (the median of three bursts holds even if an xrun disturbs one)
    assert sorted(engine["lags_samples"])[1] == 4 * 128, engine["lags_samples"]
    assert 0 < engine["callback_p50_us"] <= engine["callback_p99_us"] <= engine["callback_max_us"]
    assert "jack_simple_client" in result.stdout and "engine / C client unfinished" in result.stdout
    assert "livedenoise run / C client unfinished" in result.stdout


def test_bench_e2e_swaps_the_noise_print_beside_a_c_client(tmp_path):
    require(
        shutil.which("jackd") is not None and shutil.which("jack_simple_client") is not None,
        "jackd and jack_simple_client (Debian package jackd2)",
    )
    out = tmp_path / "e2e.json"
    result = subprocess.run(
        [LIVEDENOISE, "bench", "e2e", "--model", "dsp", "--seconds", "2", "--print-swaps", "4", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    swaps = json.loads(out.read_text())["engine"]["print_swaps"]
    # every swap reached the engine and was taken; the unfinished cycles around them are counted
    assert swaps["n_swaps"] == swaps["n_confirmed"] == 4 and swaps["errors"] == [], swaps
    assert swaps["window_s"] == 0.5 and all(
        swaps[k] >= 0
        for k in ("n_unfinished", "n_c_client_unfinished", "n_unfinished_without", "n_c_client_unfinished_without")
    )
    assert "print swaps: 4 of 4 confirmed by the engine" in result.stdout
