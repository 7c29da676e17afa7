"""The live commands' status line: redrawn in place on a terminal, a plain line now and then elsewhere."""

from __future__ import annotations

import io
import os

from livedenoise.realtime.cli.status_line import CLEAR_TO_END, StatusLine


def test_into_a_pipe_or_a_file_it_is_a_plain_line_a_period():
    out = io.StringIO()
    status = StatusLine(out, plain_period_s=3600.0)
    for k in range(10):
        status.show(f"load {k}%")
    status.end()
    assert out.getvalue() == "load 0%\n"  # the first at once, then one an hour: no carriage returns
    every_time = StatusLine(out := io.StringIO(), plain_period_s=0.0)
    every_time.show("a")
    every_time.show("b")
    assert out.getvalue() == "a\nb\n"


def test_on_a_terminal_it_is_redrawn_in_place_and_ended_before_other_lines():
    main_fd, terminal_fd = os.openpty()
    try:
        with open(terminal_fd, "w", closefd=False) as terminal:
            status = StatusLine(terminal)
            assert status.in_place
            status.show("load 1%")
            status.show("load 2%")
            status.end()
            status.end()  # nothing more: the line was ended once
        written = os.read(main_fd, 4096).decode()
    finally:
        os.close(main_fd)
        os.close(terminal_fd)
    assert written.replace("\r\n", "\n") == f"\rload 1%{CLEAR_TO_END}\rload 2%{CLEAR_TO_END}\n"
