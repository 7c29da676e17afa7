"""``--dask``: the same takes on a Dask LocalCluster of two worker processes, the same outputs and report."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from batch_runs import assert_same_audio, files_under, livedenoise, write_take
from components import require
from livedenoise.realtime.batch.manifest import MANIFEST_NAME


@pytest.fixture(scope="module")
def cluster():
    require(importlib.util.find_spec("distributed") is not None, "Dask distributed (the cluster extra)")
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local_cluster:
        yield local_cluster


def test_the_dask_path_writes_and_reports_what_the_local_path_does(tmp_path, cluster):
    takes = tmp_path / "takes"
    for i in range(3):
        write_take(takes / f"{i}.wav", seed=50 + i, n_channels=1 + i % 2, subtype="FLOAT")
    write_take(takes / "six.flac", n_channels=6, seed=60)  # fails on the worker: MP3 holds two channels
    sf.write(takes / "empty.wav", np.zeros((0, 1), np.float32), 48000)  # fails before any worker sees it
    runs = {}
    for name, flags in (("local", ["--jobs", "2"]), ("dask", ["--dask", cluster.scheduler_address])):
        out, report = tmp_path / name, tmp_path / f"{name}.json"
        result = livedenoise(
            "batch",
            takes,
            "--out",
            out,
            "--format",
            "mp3",
            "--model",
            "dsp",
            "--no-progress",
            "--report",
            report,
            *flags,
        )
        assert result.returncode == 2, result.stderr
        runs[name] = json.loads(report.read_text())
        assert files_under(out) == {"0.mp3", "1.mp3", "2.mp3", MANIFEST_NAME}
    for i in range(3):
        assert_same_audio(tmp_path / "local" / f"{i}.mp3", tmp_path / "dask" / f"{i}.mp3")
    statuses = {
        name: {Path(t["input"]).name: (t["status"], t["error"]) for t in run["takes"]} for name, run in runs.items()
    }
    assert statuses["dask"] == statuses["local"]
    assert "MP3 holds at most 2 channels" in statuses["dask"]["six.flac"][1]
    assert runs["dask"]["workers"].startswith("Dask scheduler tcp://") and runs["dask"]["n_workers"] == 2
