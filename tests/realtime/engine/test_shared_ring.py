"""SharedRing: the newest items survive a slow reader, in order, across processes; skipped work is skipped."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import time

import numpy as np

from livedenoise.realtime.engine.shared_ring import READER_IDLE_NS, SharedRing


def items(start: int, stop: int) -> list[np.ndarray]:
    return [np.full((2, 3), i, dtype=np.float32) for i in range(start, stop)]


def test_a_reader_gets_every_item_in_order_across_the_wrap():
    ring = SharedRing.create((2, 3), capacity=8)
    try:
        got = []
        for k in range(0, 40, 5):
            for item in items(k, k + 5):
                ring.put(item)
            got.extend(ring.read()[:, 0, 0].tolist())
        assert got == list(range(40))
        assert ring.n_dropped == 0
    finally:
        ring.close()


def test_a_slow_reader_keeps_the_newest_items_and_counts_the_rest():
    ring = SharedRing.create((2, 3), capacity=8)
    try:
        for item in items(0, 20):
            ring.put(item)
        np.testing.assert_array_equal(ring.read()[:, 0, 0], np.arange(12, 20))
        assert ring.n_dropped == 12
        for item in items(20, 23):
            ring.put(item)
        assert ring.latest()[0, 0] == 22  # the newest, skipping 20 and 21
        assert ring.latest() is None and ring.read().shape == (0, 2, 3)
    finally:
        ring.close()


def test_max_items_takes_the_oldest_and_leaves_the_rest_for_the_next_read():
    ring = SharedRing.create((1,), capacity=16)
    try:
        for i in range(10):
            ring.put(np.array([i], np.float32))
        assert ring.read(max_items=4)[:, 0].tolist() == [0, 1, 2, 3]
        assert ring.read()[:, 0].tolist() == [4, 5, 6, 7, 8, 9]
    finally:
        ring.close()


def test_the_writer_sees_whether_anyone_reads():
    ring = SharedRing.create((1,), capacity=4)
    try:
        now = time.perf_counter_ns()
        assert not ring.wanted(now)
        ring.read()
        assert ring.wanted(time.perf_counter_ns())
        assert not ring.wanted(time.perf_counter_ns() + READER_IDLE_NS)
        ring.forget_reader()
        assert not ring.wanted(time.perf_counter_ns())
    finally:
        ring.close()


def _write_in_child(spec, n_items: int) -> None:
    ring = SharedRing.attach(spec)
    for i in range(n_items):
        slot = ring.slot()
        slot[...] = i  # written in place, then published
        ring.commit()
    ring.close()


def test_items_written_by_another_process_arrive_whole_and_in_order():
    ring = SharedRing.create((64,), capacity=32)
    try:
        ring.touch()
        child = multiprocessing.get_context("spawn").Process(target=_write_in_child, args=(ring.spec, 5000))
        child.start()
        got = []
        while child.is_alive():
            got.extend(ring.read())
        child.join()
        got.extend(ring.read())
        assert child.exitcode == 0
        values = np.array([item[0] for item in got])
        assert all((item == item[0]).all() for item in got), "an item was read half-written"
        assert (np.diff(values) > 0).all() and values[-1] == 4999
        assert len(got) + ring.n_dropped == 5000
    finally:
        ring.close()


def test_a_ring_dropped_without_closing_leaves_no_error_behind():
    """The engine process attaches the rings and may exit on an error without closing them: its
    exit must stay quiet (the header's view would otherwise keep the block from being unmapped)."""
    code = (
        "from livedenoise.realtime.engine.shared_ring import SharedRing\n"
        "owner = SharedRing.create((4,), 2)\n"
        "reader = SharedRing.attach(owner.spec)\n"
        "reader.touch()\n"
        "assert owner.wanted(reader._header[1])\n"
        "del reader\n"
        "owner.close()\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stderr == "", result.stderr
