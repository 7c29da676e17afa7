"""Scheduling class of the calling thread: real-time where the system allows it, or ordinary."""

from __future__ import annotations

import os


def set_realtime(priority: int) -> bool:
    """SCHED_FIFO for the calling thread, where the system allows it (root, or an rtprio limit)."""
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(priority))
    except (PermissionError, OSError, AttributeError):
        return False
    return True


def set_ordinary() -> None:
    try:
        os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
    except (PermissionError, OSError, AttributeError):
        pass
