"""``livedenoise bench batch``: throughput of ``livedenoise batch`` at 1 and N jobs, and on a Dask LocalCluster.

The same takes (made here: stereo 48 kHz tones in noise, ``--n-takes`` of ``--take-s`` seconds, or
the audio files of ``--set DIR``) are denoised three ways in one run, each into a folder of its own:
one local worker process, ``--jobs`` local worker processes, and a Dask ``LocalCluster`` of as many
single-threaded worker processes. Each pool first denoises two short takes per worker untimed, so
that the figures are the steady throughput of a long batch, not the seconds it takes to start
processes and load the model.

Figures: audio-hours per hour (audio denoised over wall time), the same per worker, and the speed-up
over one job. The load averages at the start and the end are printed beside them: other work on
the machine takes cores from the workers, and a load that changes during the run moves the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

from livedenoise.realtime.batch.local_pool import LocalPool
from livedenoise.realtime.batch.runner import run_batch
from livedenoise.realtime.batch.takes import find_takes
from livedenoise.realtime.batch.task import DONE, TakeOptions
from livedenoise.realtime.cli.arg_types import int_in_range, positive_float
from livedenoise.realtime.cli.model_flags import add_model_arguments
from livedenoise.realtime.output_files import output_path

SAMPLE_RATE = 48000
WARM_UP_S = 1.0
N_WARM_UP_PER_WORKER = 2


def configure(parser: argparse.ArgumentParser) -> None:
    add_model_arguments(parser)
    parser.add_argument(
        "--jobs",
        type=int_in_range(2, 256),
        default=max(2, len(os.sched_getaffinity(0))),
        metavar="N",
        help="workers of the parallel runs (default: the cores, at least 2)",
    )
    parser.add_argument(
        "--n-takes", type=int_in_range(1, 10000), default=8, metavar="N", help="takes to make (default 8)"
    )
    parser.add_argument(
        "--take-s", type=positive_float, default=60.0, metavar="S", help="seconds per take made (default 60)"
    )
    parser.add_argument("--set", type=Path, default=None, metavar="DIR", help="denoise these audio files instead")
    parser.add_argument("--no-dask", action="store_true", help="leave out the Dask LocalCluster")
    parser.add_argument("--json", type=output_path, default=None, metavar="PATH", help="also write the figures as JSON")


def make_takes(folder: Path, n_takes: int, take_s: float) -> None:
    """Stereo takes of a few held tones in white noise, each different."""
    n_frames = round(take_s * SAMPLE_RATE)
    t = np.arange(n_frames) / SAMPLE_RATE
    for index in range(n_takes):
        rng = np.random.default_rng(index)
        tones = sum(0.1 * np.sin(2 * np.pi * f * t) for f in rng.uniform(100.0, 3000.0, 3))
        audio = tones[:, None] + 0.02 * rng.standard_normal((n_frames, 2))
        sf.write(folder / f"take{index:03d}.wav", audio.astype(np.float32), SAMPLE_RATE, subtype="PCM_24")


def measure(name: str, pool, takes_folder: Path, work: Path, options: TakeOptions) -> dict:
    """Denoise every take of ``takes_folder`` on ``pool``, after untimed warm-up takes for every worker."""
    warm_up = work / f"{name}-warm-up-takes"
    warm_up.mkdir()
    for index in range(N_WARM_UP_PER_WORKER * pool.n_workers):
        sf.write(warm_up / f"{index}.wav", np.zeros((round(WARM_UP_S * SAMPLE_RATE), 1), np.float32), SAMPLE_RATE)
    warm_takes, _ = find_takes([str(warm_up)], work / f"{name}-warm-up")
    run_batch(warm_takes, [], options, pool, work / f"{name}-warm-up", force=True, progress=False)
    out = work / name
    takes, refusals = find_takes([str(takes_folder)], out)
    outcome = run_batch(takes, refusals, options, pool, out, force=True, progress=False)
    failed = [r for r in outcome.results if r.status != DONE]
    if failed:
        raise RuntimeError(f"bench batch: {failed[0].take.input_path}: {failed[0].error}")
    hours_per_hour = outcome.audio_done_s / outcome.elapsed_s
    return {
        "workers": pool.describe(),
        "n_workers": pool.n_workers,
        "audio_s": round(outcome.audio_done_s, 3),
        "elapsed_s": round(outcome.elapsed_s, 3),
        "audio_hours_per_hour": round(hours_per_hour, 3),
        "audio_hours_per_hour_per_worker": round(hours_per_hour / pool.n_workers, 3),
    }


def run(args: argparse.Namespace) -> int:
    options = TakeOptions(args.model, args.provider, args.strength_db)
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="livedenoise-bench-batch-") as tmp:
        work = Path(tmp)
        takes_folder = args.set
        if takes_folder is None:
            takes_folder = work / "takes"
            takes_folder.mkdir()
            make_takes(takes_folder, args.n_takes, args.take_s)
        rows = {}
        for jobs in (1, args.jobs):
            with LocalPool(jobs) as pool:
                rows[f"jobs {jobs}"] = measure(f"jobs{jobs}", pool, takes_folder, work, options)
        if not args.no_dask:
            from distributed import LocalCluster

            from livedenoise.realtime.batch.dask_pool import DaskPool

            with LocalCluster(
                n_workers=args.jobs, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster:
                with DaskPool(cluster) as pool:
                    rows[f"dask {args.jobs}"] = measure("dask", pool, takes_folder, work, options)
    one = rows["jobs 1"]["audio_hours_per_hour"]
    load_end = os.getloadavg()
    print(
        f"bench batch: model {args.model}, {rows['jobs 1']['audio_s'] / 60:.1f} min of audio; load average "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the start, {load_end[0]:.2f} {load_end[1]:.2f} "
        f"{load_end[2]:.2f} at the end, on {os.cpu_count()} cores"
    )
    print(f"{'run':<10} {'workers':>7} {'time s':>8} {'audio-h/h':>10} {'per worker':>10} {'vs 1 job':>8}")
    for name, row in rows.items():
        print(
            f"{name:<10} {row['n_workers']:>7} {row['elapsed_s']:>8.1f} {row['audio_hours_per_hour']:>10.1f} "
            f"{row['audio_hours_per_hour_per_worker']:>10.1f} {row['audio_hours_per_hour'] / one:>7.2f}x"
        )
    if args.json is not None:
        args.json.write_text(
            json.dumps({"model": args.model, "load_average": [load, load_end], "runs": rows}, indent=1) + "\n"
        )
    return 0
