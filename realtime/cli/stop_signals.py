"""Ctrl-C and SIGTERM as a flag for a command's status loop, not as an exception.

Python raises KeyboardInterrupt wherever the main thread happens to be when the signal lands; if
that is a finaliser, the exception is printed as "ignored" and lost, and a stream the user asked
to stop runs on. A handler that only notes the signal cannot be lost: the loop reads the note at
its next turn. The note is also an ``Event`` (``stop.event``), for a loop that waits on one and
for a timer that ends the command the same way (``request()``).
"""

from __future__ import annotations

import signal
import threading

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopSignals:
    """``with StopSignals() as stop:`` ... ``stop.requested``: whether SIGINT or SIGTERM came (or ``request()``)."""

    def __init__(self) -> None:
        self.signal_number: int | None = None
        self.event = threading.Event()
        self._previous: dict[int, object] = {}

    @property
    def requested(self) -> bool:
        return self.event.is_set()

    def request(self) -> None:
        """Stop as a signal would (a time limit reached)."""
        self.event.set()

    def _note(self, signal_number: int, _frame) -> None:
        self.signal_number = signal_number
        self.event.set()

    def __enter__(self) -> StopSignals:
        self._previous = {number: signal.signal(number, self._note) for number in STOP_SIGNALS}
        return self

    def __exit__(self, *exc_info) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)
