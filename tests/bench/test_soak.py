"""`bench soak`: the engine beside a C client on the bench's own JACK server, counted period by period,
with both processes' memory at the start and the end."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from components import require

LIVEDENOISE = str(Path(sys.executable).parent / "livedenoise")


def test_bench_soak_counts_each_period_and_the_whole_beside_a_c_client(tmp_path):
    require(
        shutil.which("jackd") is not None and shutil.which("jack_simple_client") is not None,
        "jackd and jack_simple_client (Debian package jackd2)",
    )
    out = tmp_path / "soak.json"
    result = subprocess.run(
        [LIVEDENOISE, "bench", "soak", "--minutes", "0.2", "--period-minutes", "0.1", "--model", "dsp", "--json", out],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    figures = json.loads(out.read_text())
    periods, whole = figures["periods"], figures["whole"]
    assert len(periods) == 2 and whole["seconds"] == pytest.approx(12.0)
    for key in ("n_unfinished", "n_c_client_unfinished", "n_xruns", "n_late_masks", "n_overloads", "n_hops"):
        assert whole[key] == sum(p[key] for p in periods)
    # 12 s of 128-sample hops at 48 kHz, less what a busy machine's scheduler delays
    assert 0.9 * 12 * 48000 / 128 < whole["n_hops"] <= 12 * 48000 / 128 + 2
    floor = 3 * 12.0 / 30
    assert whole["ratio"] == pytest.approx(whole["n_unfinished"] / max(whole["n_c_client_unfinished"], floor))
    for when in ("rss_mb_start", "rss_mb_end"):
        assert figures[when]["engine"] > 20 and figures[when]["c_client"] > 0
    assert "whole window: engine" in result.stdout and "memory (RSS): engine" in result.stdout
