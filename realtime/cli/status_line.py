"""A live command's status line: redrawn in place on a terminal, a plain line now and then anywhere else.

A ``\\r`` line rewritten four times a second is what a terminal shows well; in a pipe or a log file
it is a stream of overwrites nobody can read. There, one plain line every ``PLAIN_PERIOD_S``.
"""

from __future__ import annotations

import time
from typing import TextIO

PLAIN_PERIOD_S = 5.0
CLEAR_TO_END = "\033[K"


class StatusLine:
    """``show(text)`` as often as the state changes; ``end()`` before anything else is printed."""

    def __init__(self, stream: TextIO, plain_period_s: float = PLAIN_PERIOD_S) -> None:
        self.stream = stream
        self.in_place = stream.isatty()
        self.plain_period_s = plain_period_s
        self._shown = False  # a line drawn in place waits for its newline
        self._last_plain_s = -float("inf")

    def show(self, text: str) -> None:
        if self.in_place:
            self.stream.write("\r" + text + CLEAR_TO_END)
            self.stream.flush()
            self._shown = True
            return
        now = time.monotonic()
        if now - self._last_plain_s >= self.plain_period_s:
            self._last_plain_s = now
            print(text, file=self.stream, flush=True)

    def end(self) -> None:
        """Finish a line drawn in place, so that what follows starts on a line of its own."""
        if self._shown:
            print(file=self.stream, flush=True)
            self._shown = False
