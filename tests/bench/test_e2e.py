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
    require(shutil.which("jackd") is not None and shutil.which("jack_simple_client") is not None,
            "jackd and jack_simple_client (Debian package jackd2)")
    out = tmp_path / "e2e.json"
    result = subprocess.run(
        [LIVEDENOISE, "bench", "e2e", "--baseline", "--run-cli", "--model", "identity", "--seconds", "3", "--json", str(out)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    figures = json.loads(out.read_text())
    baseline, engine, run_cli = figures["baseline"], figures["engine"], figures["run_cli"]
    assert baseline["client"] == "jack_simple_client" and engine["client"] == run_cli["client"] == "livedenoise"
    # `run` ran, streamed and stopped on the interrupt as from a terminal: its closing summary
    assert run_cli["summary"].startswith("ran ") and "xruns" in run_cli["summary"]
    for window in (baseline, engine, run_cli):
        assert window["n_unfinished"] >= 0 and window["n_server_xruns"] >= window["n_unfinished"]
    # identity: device buffering (2 periods), the probe's period, and the STFT's hop
    assert abs(sorted(engine["lags_samples"])[1] - 4 * 128) <= 128, engine["lags_samples"]
    assert 0 < engine["callback_p50_us"] <= engine["callback_p99_us"] <= engine["callback_max_us"]
    assert "jack_simple_client" in result.stdout and "engine / C client unfinished" in result.stdout
    assert "livedenoise run / C client unfinished" in result.stdout
