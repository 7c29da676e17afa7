"""The batch's summary as JSON (``--report summary.json``): the run's figures, then one entry per take.

Per take: input, output, status (done, skipped, failed, interrupted), duration of its audio, the
time it took, its real-time factor (time over duration, on one worker), the print it was denoised
with, and any warning or error. Written to a temporary file and renamed into place.
"""

from __future__ import annotations

import json
from pathlib import Path

from livedenoise.realtime.batch.runner import BatchOutcome
from livedenoise.realtime.batch.task import DONE, FAILED, INTERRUPTED, SKIPPED
from livedenoise.realtime.output_files import write_text_atomically

SECONDS_PER_HOUR = 3600.0


def summary(outcome: BatchOutcome, options_identity: dict, workers: str) -> dict:
    hours_per_hour = outcome.audio_done_s / outcome.elapsed_s if outcome.elapsed_s else 0.0
    return {
        "workers": workers,
        "n_workers": outcome.n_workers,
        "options": options_identity,
        "n_takes": len(outcome.results),
        "n_done": outcome.count(DONE),
        "n_skipped": outcome.count(SKIPPED),
        "n_failed": outcome.count(FAILED),
        "n_interrupted": outcome.count(INTERRUPTED),
        "interrupted_by_signal": outcome.signal_number,
        "audio_done_h": round(outcome.audio_done_s / SECONDS_PER_HOUR, 5),
        "elapsed_s": round(outcome.elapsed_s, 3),
        "audio_hours_per_hour": round(hours_per_hour, 3),
        "takes": [result.to_dict() for result in outcome.results],
    }


def write_report(path: Path, data: dict) -> None:
    """Write ``data`` to ``path`` atomically; an ``OSError`` says what failed."""
    write_text_atomically(Path(path), json.dumps(data, indent=1) + "\n")
