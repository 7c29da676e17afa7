"""Takes on this machine's cores: ``n_jobs`` worker processes, each running one take at a time.

Workers are spawned processes (nothing of the parent's threads or open files is copied into them);
each opens its runtime once, with a single-threaded ONNX session, and keeps it for the takes that
follow. A worker ignores Ctrl-C: the parent decides. ``stop()`` cancels the takes not yet started
and sends each worker SIGTERM, on which the take running there ends with its temporary file removed
(``stop_current_take``).

A worker that dies (a crash in a decoder, the kernel's OOM killer) breaks the whole process pool;
the takes it took down are handed back as ``WorkerDied`` so the caller can submit them again, and
the next ``submit`` starts a fresh pool.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from livedenoise.models.errors import LivedenoiseError
from livedenoise.realtime.batch.takes import Take
from livedenoise.realtime.batch.task import INTERRUPTED, TakeOptions, TakeResult, denoise_take, stop_current_take


class WorkerDied(LivedenoiseError, RuntimeError):
    """The process running (or holding) a take died; the take may be submitted again."""


def _start_worker(pids) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda _number, _frame: stop_current_take())
    pids.put(os.getpid())


class LocalPool:
    """``with LocalPool(n_jobs) as pool``: ``submit`` takes, ``result`` of each, ``stop`` on an interruption."""

    def __init__(self, n_jobs: int) -> None:
        self.n_workers = n_jobs
        self._context = multiprocessing.get_context("spawn")
        self._pids = self._context.SimpleQueue()
        self._executor: ProcessPoolExecutor | None = None

    def describe(self) -> str:
        return f"{self.n_workers} local worker process{'es' if self.n_workers != 1 else ''}"

    def submit(self, take: Take, options: TakeOptions) -> Future:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                self.n_workers, mp_context=self._context, initializer=_start_worker, initargs=(self._pids,)
            )
        return self._executor.submit(denoise_take, take, options)

    def result(self, future: Future, take: Take) -> TakeResult:
        """The finished ``future``'s result; ``WorkerDied`` where its process died."""
        try:
            return future.result()
        except CancelledError:
            return TakeResult(take, INTERRUPTED)
        except BrokenProcessPool as exc:
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None
            raise WorkerDied(str(exc) or "a worker process died") from exc

    def stop(self, futures: list[Future]) -> None:
        """Start no other take and end the running ones (their results come back "interrupted")."""
        for future in futures:
            future.cancel()
        while not self._pids.empty():
            pid = self._pids.get()
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> LocalPool:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
