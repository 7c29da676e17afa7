import importlib.util
import json
import subprocess
import sys

from components import require


def test_batch_bench_prints_and_writes_one_job_two_jobs_and_the_dask_cluster(tmp_path):
    require(importlib.util.find_spec("distributed") is not None, "Dask distributed (the cluster extra)")
    out = tmp_path / "batch.json"
    command = ["bench", "batch", "--model", "identity", "--n-takes", "3", "--take-s", "1", "--jobs", "2", "--json", out]
    result = subprocess.run(
        [sys.executable, "-m", "livedenoise.realtime.cli.main", *map(str, command)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(out.read_text())
    assert list(figures["runs"]) == ["jobs 1", "jobs 2", "dask 2"]
    for name, run in figures["runs"].items():
        assert run["audio_s"] == 3.0 and run["n_workers"] == int(name.split()[1])
        assert run["audio_hours_per_hour"] > 0
        per_worker = run["audio_hours_per_hour"] / run["n_workers"]
        assert abs(run["audio_hours_per_hour_per_worker"] - per_worker) <= 0.001
        assert f"{name:<10} {run['n_workers']:>7} {run['elapsed_s']:>8.1f}" in result.stdout
