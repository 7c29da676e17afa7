"""One take of a batch, denoised where it runs: the task every worker runs, local or on a Dask cluster.

``denoise_take(take, options)`` never raises for a bad take: whatever goes wrong (an unreadable
file, a format that cannot hold the audio, a region the take lacks) comes back as a failed
``TakeResult`` with the reason, so the batch goes on. The output is written by ``denoise_file``,
to a temporary file renamed into place when complete, into a folder the task makes itself (a Dask
worker on another machine writes to the shared path directly).

Each process keeps the runtime it opened for the next take (one single-threaded ONNX session per
process; per thread where a Dask worker runs several), blind or with the print all takes share; a
take with a print of its own (its region, its lead) gets a runtime opened with that print.

``stop_current_take`` is for a worker's signal handler: the take running there ends at once with
its temporary file removed, and any take that would start after it comes back "interrupted"
without starting.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from livedenoise.realtime import __version__
from livedenoise.realtime.batch.take_print import PrintChoice, TakePrint
from livedenoise.realtime.batch.takes import Take
from livedenoise.realtime.file_mode import denoise_file
from livedenoise.realtime.gate import GateSettings
from livedenoise.realtime.noise_print import NoisePrint
from livedenoise.realtime.runtimes.model_choice import BUILTIN_MODELS, SHIPPED_MODEL, open_runtime
from livedenoise.realtime.runtimes.protocol import ModelRuntime

DONE, SKIPPED, FAILED, INTERRUPTED = "done", "skipped", "failed", "interrupted"


class TakeInterrupted(BaseException):
    """The batch was stopped while this take ran (a BaseException, like Ctrl-C, so nothing swallows it)."""


@dataclass(frozen=True)
class TakeOptions:
    """Everything besides the take itself that decides its output."""

    model: str = "default"
    provider: str = "cpu"
    strength_db: float = 40.0
    gate: GateSettings | None = None
    prints: PrintChoice = field(default_factory=PrintChoice)

    def identity(self) -> dict:
        """What makes two outputs of one input the same: the model's bytes, the settings, this version."""
        model_file = (
            SHIPPED_MODEL if self.model == "default" else None if self.model in BUILTIN_MODELS else Path(self.model)
        )
        return {
            "version": __version__,
            "model": self.model,
            "model_sha256": hashlib.sha256(model_file.read_bytes()).hexdigest() if model_file else None,
            "strength_db": self.strength_db,
            "gate": None if self.gate is None else asdict(self.gate),
            "print": self.prints.identity(),
        }


@dataclass(frozen=True)
class TakeResult:
    """What became of one take. ``duration_s`` is the take's audio; ``elapsed_s`` the time it took."""

    take: Take
    status: str
    duration_s: float = 0.0
    elapsed_s: float = 0.0
    noise_print: str | None = None
    warning: str | None = None
    error: str | None = None

    @property
    def real_time_factor(self) -> float | None:
        return self.elapsed_s / self.duration_s if self.status == DONE and self.duration_s else None

    def to_dict(self) -> dict:
        return {
            "input": str(self.take.input_path),
            "output": str(self.take.output_path) if self.take.name else None,
            "status": self.status,
            "duration_s": round(self.duration_s, 3),
            "elapsed_s": round(self.elapsed_s, 3),
            "real_time_factor": None if self.real_time_factor is None else round(self.real_time_factor, 4),
            "noise_print": self.noise_print,
            "warning": self.warning,
            "error": self.error,
        }


class _WorkerState(threading.local):
    def __init__(self) -> None:
        self.runtimes: dict[tuple, ModelRuntime] = {}
        self.busy = False


_worker = _WorkerState()
_stop = threading.Event()


def stop_current_take() -> None:
    """From a signal handler: end the take running on this thread now, and start no other."""
    _stop.set()
    if _worker.busy:
        raise TakeInterrupted


def _kept_runtime(options: TakeOptions, noise_print: NoisePrint | None = None) -> ModelRuntime:
    """The runtime this thread keeps for ``options`` (blind, or with the one print every take shares)."""
    key = (options.model, options.provider, None if noise_print is None else options.prints.noise_print_path)
    if key not in _worker.runtimes:
        _worker.runtimes[key] = open_runtime(options.model, provider=options.provider, noise_print=noise_print)
    return _worker.runtimes[key]


def _take_runtime(options: TakeOptions, take: Take) -> tuple[ModelRuntime, TakePrint]:
    """The runtime for ``take`` and the print it got; a print of the take's own opens a runtime for it alone."""
    card = _kept_runtime(options).card
    take_print = options.prints.for_take(take.input_path, card.sample_rate, card.n_fft, card.hop_samples)
    if take_print.noise_print is None:
        return _kept_runtime(options), take_print
    if options.prints.noise_print_path is not None:
        return _kept_runtime(options, take_print.noise_print), take_print
    return open_runtime(options.model, provider=options.provider, noise_print=take_print.noise_print), take_print


def denoise_take(take: Take, options: TakeOptions) -> TakeResult:
    """Denoise ``take``; a failure is returned with its reason, never raised."""
    if _stop.is_set():
        return TakeResult(take, INTERRUPTED)
    start_s = time.perf_counter()
    _worker.busy = True
    try:
        runtime, take_print = _take_runtime(options, take)
        take.output_path.parent.mkdir(parents=True, exist_ok=True)
        report = denoise_file(
            take.input_path,
            take.output_path,
            runtime,
            strength_db=options.strength_db,
            progress=False,
            gate=options.gate,
        )
    except TakeInterrupted:
        return TakeResult(take, INTERRUPTED, elapsed_s=time.perf_counter() - start_s)
    except Exception as exc:  # noqa: BLE001 - a bad take, whatever the cause, must not stop the batch
        reason = str(exc) if str(exc) else type(exc).__name__
        return TakeResult(take, FAILED, elapsed_s=time.perf_counter() - start_s, error=reason)
    finally:
        _worker.busy = False
    noise_print = None if take_print.noise_print is None else take_print.noise_print.describe()
    return TakeResult(take, DONE, report.duration_s, report.elapsed_s, noise_print, take_print.warning)
