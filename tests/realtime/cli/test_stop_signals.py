"""Ctrl-C and SIGTERM are noted for the status loop to read, never raised where they land."""

from __future__ import annotations

import os
import signal
import time

import pytest

from livedenoise.realtime.cli.stop_signals import StopSignals


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_signal_is_noted_not_raised_and_the_handlers_come_back(number):
    before = {n: signal.getsignal(n) for n in (signal.SIGINT, signal.SIGTERM)}
    with StopSignals() as stop:
        assert not stop.requested
        os.kill(os.getpid(), number)
        for _ in range(100):  # the handler runs in the main thread at its next turn
            if stop.requested:
                break
            time.sleep(0.001)
        assert stop.requested and stop.signal_number == number
    assert {n: signal.getsignal(n) for n in before} == before
