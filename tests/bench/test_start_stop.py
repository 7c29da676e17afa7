"""`bench e2e --starts N`: each start and each stop of the C client and of the engine process, counted on
the bench's own JACK server the same way."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from components import require

LIVEDENOISE = str(Path(sys.executable).parent / "livedenoise")


def test_bench_e2e_counts_starts_and_stops_side_by_side(tmp_path):
    require(
        shutil.which("jackd") is not None and shutil.which("jack_simple_client") is not None,
        "jackd and jack_simple_client (Debian package jackd2)",
    )
    out = tmp_path / "e2e.json"
    result = subprocess.run(
        [LIVEDENOISE, "bench", "e2e", "--model", "dsp", "--seconds", "1", "--starts", "2", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    starts = json.loads(out.read_text())["starts"]
    assert len(starts["rounds"]) == 2
    for both in starts["rounds"]:
        assert both["c_client"]["client"] == "jack_simple_client" and both["engine"]["client"] == "livedenoise"
        for result_ in both.values():
            for phase in ("start", "stop"):
                window = result_[phase]
                by_client = window["n_unfinished_by_client"]
                assert window["n_server_xruns"] == sum(by_client.values()) + window["n_driver_xruns"]
        # the engine streamed: its own account of its first second
        assert both["engine"]["engine_counts"]["n_callbacks"] > 0
    table = result.stdout[result.stdout.index("starts and stops") :].splitlines()
    assert table[1].split()[:3] == ["round", "C", "start"] and table[2].startswith("1 ") and table[3].startswith("2 ")
