"""Run a batch: every take through a pool of workers, one progress bar, a line per failure.

Takes whose input cannot be read, or is empty, fail here before any worker sees them; takes the
manifest already holds as complete are skipped (unless forced); the rest go to the pool (local
processes or a Dask cluster) and their results come back in the order they finish. The bar counts
the audio still to do: files, hours of audio, audio-seconds per second, time left. Each finished
take is recorded in the manifest at once.

Ctrl-C or SIGTERM stops the batch: no take starts after it, the running ones end with their
temporary files removed (on local workers), finished outputs stay and are recorded, and the
outcome says which signal came.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from livedenoise.realtime.batch.local_pool import WorkerDied
from livedenoise.realtime.batch.manifest import Manifest
from livedenoise.realtime.batch.takes import Refusal, Take
from livedenoise.realtime.batch.task import DONE, FAILED, INTERRUPTED, SKIPPED, TakeOptions, TakeResult
from livedenoise.realtime.cli.stop_signals import StopSignals
from livedenoise.realtime.file_mode import AudioFileError, check_input

POLL_S = 0.05
MAX_ATTEMPTS = 2  # a take whose worker died twice is reported, not tried again
SECONDS_PER_HOUR = 3600.0
BAR_FORMAT = "{desc} {percentage:3.0f}%|{bar}| [{elapsed}<{remaining}, {rate_fmt}]"


@dataclass(frozen=True)
class BatchOutcome:
    """Every take's result, in the order the takes were given, and how the batch ended."""

    results: list[TakeResult]
    elapsed_s: float
    n_workers: int
    signal_number: int | None = None  # the signal that stopped it, if one did

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def audio_done_s(self) -> float:
        return sum(r.duration_s for r in self.results if r.status == DONE)


def _say(line: str) -> None:
    tqdm.write(f"livedenoise batch: {line}", file=sys.stderr)


class _Bar:
    """The batch's one bar, over the seconds of audio to denoise."""

    def __init__(self, n_files: int, audio_s: float, show: bool) -> None:
        self._n_files, self._n_files_done = n_files, 0
        self._audio_h = audio_s / SECONDS_PER_HOUR
        self._bar = tqdm(
            total=audio_s,
            unit=" audio-s",
            unit_scale=True,
            disable=not show,
            bar_format=BAR_FORMAT,
            dynamic_ncols=True,
            file=sys.stderr,
        )
        self._show_counts()

    def _show_counts(self) -> None:
        done_h = self._bar.n / SECONDS_PER_HOUR
        self._bar.set_description_str(
            f"{self._n_files_done}/{self._n_files} files, {done_h:.2f}/{self._audio_h:.2f} h of audio", refresh=False
        )

    def advance(self, audio_s: float) -> None:
        self._n_files_done += 1
        self._bar.update(audio_s)
        self._show_counts()
        self._bar.refresh()

    def close(self) -> None:
        self._bar.close()


def _report_line(result: TakeResult) -> None:
    if result.status == FAILED:
        _say(f"failed: {result.take.input_path}: {result.error}")
    if result.warning:
        _say(f"warning: {result.take.input_path}: {result.warning}")


def run_batch(
    takes: list[Take],
    refusals: list[Refusal],
    options: TakeOptions,
    pool,
    out_dir: Path,
    force: bool = False,
    progress: bool = True,
) -> BatchOutcome:
    """Denoise ``takes`` on ``pool`` (a ``LocalPool`` or ``DaskPool``); ``refusals`` are reported as failed."""
    start_s = time.perf_counter()
    refused = [TakeResult(Take(r.input_path, Path(), ""), FAILED, error=r.reason) for r in refusals]
    for result in refused:
        _report_line(result)
    results: dict[int, TakeResult] = {}  # by the take's index
    manifest = Manifest(out_dir, options.identity())
    to_do: list[tuple[int, Take, float]] = []
    for index, take in enumerate(takes):
        try:
            info = check_input(take.input_path)
        except AudioFileError as exc:
            results[index] = TakeResult(take, FAILED, error=str(exc))
            _report_line(results[index])
            continue
        duration_s = info.frames / info.samplerate
        if not force and manifest.is_complete(take):
            results[index] = TakeResult(take, SKIPPED, duration_s, noise_print=manifest.noise_print(take))
        else:
            to_do.append((index, take, duration_s))
    n_skipped = sum(r.status == SKIPPED for r in results.values())
    if n_skipped:
        _say(f"{n_skipped} take{'s' if n_skipped != 1 else ''} already done, skipped (--force redoes them)")

    bar = _Bar(len(to_do), sum(d for _, _, d in to_do), progress)
    signal_number = None
    try:
        with StopSignals() as stop:
            pending = {pool.submit(take, options): (index, take, duration_s, 1) for index, take, duration_s in to_do}
            while pending and not stop.requested:
                done = [future for future in pending if future.done()]
                if not done:
                    time.sleep(POLL_S)
                for future in done:
                    index, take, duration_s, attempt = pending.pop(future)
                    try:
                        result = pool.result(future, take)
                    except WorkerDied as exc:
                        if attempt < MAX_ATTEMPTS:
                            pending[pool.submit(take, options)] = (index, take, duration_s, attempt + 1)
                            continue
                        result = TakeResult(take, FAILED, error=f"the worker process died on it twice ({exc})")
                    if result.status == DONE:
                        manifest.record(take, result.noise_print)
                    results[index] = result
                    _report_line(result)
                    bar.advance(duration_s)
            if stop.requested:
                signal_number = stop.signal_number
                _finish_stopped(pool, pending, results, manifest)
    finally:
        bar.close()
    return BatchOutcome(
        refused + [results[i] for i in range(len(takes))], time.perf_counter() - start_s, pool.n_workers, signal_number
    )


def _finish_stopped(pool, pending: dict, results: dict[int, TakeResult], manifest: Manifest) -> None:
    """After a stop signal: cancel and end what runs, keep and record what finished meanwhile."""
    while any(not future.done() for future in pending):
        pool.stop(list(pending))
        time.sleep(POLL_S)
    for future, (index, take, _duration_s, _attempt) in pending.items():
        try:
            result = pool.result(future, take)
        except WorkerDied:
            result = TakeResult(take, INTERRUPTED)
        if result.status == DONE:
            manifest.record(take, result.noise_print)
        results[index] = result
