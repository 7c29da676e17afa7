"""Takes on a Dask distributed cluster: the same task as on local workers, sent to its scheduler.

``DaskPool(address)`` connects to a running scheduler (``tcp://host:8786``) or to a cluster object
(a ``LocalCluster``); the scheduler places each take on a worker, and retries a take whose worker
died, as it does for any task. The workers read the inputs and write the outputs themselves, at the
same paths as this machine sees them: the folders must be shared (NFS, a cluster file system) and
mounted at the same place. A worker runs one take per thread, each thread with its own runtime:
start workers with ``--nthreads 1`` for one single-threaded ONNX session per process.

``stop()`` cancels the takes not yet started. A take already running on a worker cannot be cut
short from here; it finishes on its own, its output still written whole or not at all.
"""

from __future__ import annotations

from livedenoise.realtime.batch.takes import Take
from livedenoise.realtime.batch.task import FAILED, INTERRUPTED, TakeOptions, TakeResult, denoise_take


class DaskPool:
    """``with DaskPool(address) as pool``: the ``LocalPool`` interface over a Dask client."""

    def __init__(self, address) -> None:
        try:
            from distributed import Client
        except ImportError as exc:
            raise RuntimeError("--dask needs the cluster extra: pip install 'livedenoise[cluster]'") from exc
        try:
            self._client = Client(address, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise RuntimeError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
        self.n_workers = sum(self._client.nthreads().values())
        self._address = self._client.scheduler.address

    def describe(self) -> str:
        return f"Dask scheduler {self._address} ({self.n_workers} worker thread{'s' if self.n_workers != 1 else ''})"

    def submit(self, take: Take, options: TakeOptions):
        return self._client.submit(denoise_take, take, options, pure=False)

    def result(self, future, take: Take) -> TakeResult:
        if future.cancelled():
            return TakeResult(take, INTERRUPTED)
        try:
            return future.result()
        except Exception as exc:  # noqa: BLE001 - a worker lost for good (KilledWorker) fails this take alone
            return TakeResult(take, FAILED, error=f"on the cluster: {type(exc).__name__}: {exc}")

    def stop(self, futures: list) -> None:
        self._client.cancel(futures)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> DaskPool:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
