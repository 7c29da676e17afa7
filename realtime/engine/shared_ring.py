"""SharedRing: fixed-shape float32 items in shared memory, written by one process, read by another.

The audio process writes (spectrogram columns, levels, denoised hops); the parent reads. The writer
never waits and never looks at the reader: it overwrites the oldest slot, so a slow reader loses the
oldest items and always finds the newest. The write count lives in the shared block beside the
items; the writer stores it after the item, and the reader counts an item as valid only if its slot
was not reused while it copied (x86-64 keeps stores in order, so that check is sound there).

The reader also stamps the time of each read (CLOCK_MONOTONIC, the same clock in every process), so
the writer can skip work nobody reads: ``wanted(now_ns)``.

Real-time contract (writer side): ``slot()`` and ``commit()`` allocate nothing; the slot views are
made once, on attach.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from multiprocessing import shared_memory

import numpy as np

HEADER_BYTES = 64  # int64 counters, then the items, cache-line aligned
_N_WRITTEN = 0
_LAST_READ_NS = 1
READER_IDLE_NS = 1_000_000_000  # a reader silent this long is gone: stop producing for it
NEVER_READ_NS = -(2**62)


@dataclass(frozen=True)
class RingSpec:
    """What another process needs to attach: the shared block's name and the geometry."""

    name: str
    item_shape: tuple[int, ...]
    capacity: int

    @property
    def n_bytes(self) -> int:
        return HEADER_BYTES + 4 * self.n_slots * int(np.prod(self.item_shape, dtype=np.int64))

    @property
    def n_slots(self) -> int:
        # One spare: the slot the writer may be filling is never one of the newest ``capacity``.
        return self.capacity + 1


class SharedRing:
    """``capacity`` items of ``item_shape`` float32; the newest ``capacity`` are always readable."""

    def __init__(self, spec: RingSpec, memory: shared_memory.SharedMemory, owner: bool) -> None:
        self.spec = spec
        self.item_shape = spec.item_shape
        self.capacity = spec.capacity
        self._memory = memory
        self._owner = owner
        # A memoryview, not a numpy array: the writer reads and stores these counters from Python in
        # every audio callback, and numpy's item access there is cold (several microseconds each).
        header_bytes = memory.buf[:HEADER_BYTES]
        self._header = header_bytes.cast("q")
        header_bytes.release()
        self._n_slots = spec.n_slots
        self._items = np.ndarray(
            (spec.n_slots, *spec.item_shape), dtype=np.float32, buffer=memory.buf, offset=HEADER_BYTES
        )
        self._slots = [self._items[i] for i in range(spec.n_slots)]
        self._n_read = int(self._header[_N_WRITTEN])  # reader-owned: starts at what is there now
        self.n_dropped = 0

    @classmethod
    def create(cls, item_shape: tuple[int, ...], capacity: int) -> SharedRing:
        """A new ring in a new shared block; this side owns it and ``unlink``s it."""
        if capacity <= 0 or any(n <= 0 for n in item_shape):
            raise ValueError(f"capacity and item dimensions must be positive, got {capacity}, {item_shape}")
        n_bytes = RingSpec("", tuple(item_shape), capacity).n_bytes
        memory = shared_memory.SharedMemory(create=True, size=n_bytes)
        memory.buf[:HEADER_BYTES] = bytes(HEADER_BYTES)
        ring = cls(RingSpec(memory.name, tuple(item_shape), capacity), memory, owner=True)
        ring.forget_reader()
        return ring

    @classmethod
    def attach(cls, spec: RingSpec) -> SharedRing:
        """Open the ring another process created (same multiprocessing resource tracker)."""
        return cls(spec, shared_memory.SharedMemory(name=spec.name), owner=False)

    # ---- writer -----------------------------------------------------------------------------

    def wanted(self, now_ns: int) -> bool:
        """Whether a reader has read within ``READER_IDLE_NS`` of ``now_ns`` (``time.perf_counter_ns``)."""
        return now_ns - self._header[_LAST_READ_NS] < READER_IDLE_NS

    def slot(self) -> np.ndarray:
        """The slot the next ``commit`` publishes; write the item into it in place."""
        return self._slots[self._header[_N_WRITTEN] % self._n_slots]

    def commit(self) -> None:
        self._header[_N_WRITTEN] += 1

    def put(self, item: np.ndarray) -> None:
        self.slot()[...] = item
        self.commit()

    @property
    def n_written(self) -> int:
        return int(self._header[_N_WRITTEN])

    # ---- reader -----------------------------------------------------------------------------

    def read(self, max_items: int | None = None) -> np.ndarray:
        """Items written since the last read, oldest first, ``(n, *item_shape)`` (a copy).

        A reader that fell more than ``capacity`` behind gets the newest items; the skipped ones are
        counted in ``n_dropped``. ``max_items`` takes at most that many (the oldest), leaving the rest.
        """
        self.touch()
        n_written = int(self._header[_N_WRITTEN])
        start = max(self._n_read, n_written - self.capacity)
        stop = n_written if max_items is None else min(n_written, start + max_items)
        items = self._items[np.arange(start, stop) % self._n_slots]  # fancy indexing copies
        # Slots the writer reached while we copied hold newer data: drop those items.
        first_valid = int(self._header[_N_WRITTEN]) - self.capacity
        if first_valid > start:
            items = items[min(first_valid, stop) - start :]
            start = min(first_valid, stop)
        self.n_dropped += start - self._n_read
        self._n_read = stop
        return items

    def latest(self) -> np.ndarray | None:
        """The newest item (a copy), skipping all unread ones; None when nothing new was written."""
        self.touch()
        n_written = int(self._header[_N_WRITTEN])
        if n_written == self._n_read:
            return None
        item = self._items[(n_written - 1) % self._n_slots].copy()
        self._n_read = n_written
        return item

    def touch(self) -> None:
        """Tell the writer a reader is here (reading does this too)."""
        self._header[_LAST_READ_NS] = time.perf_counter_ns()

    def forget_reader(self) -> None:
        """Tell the writer nobody reads any more."""
        self._header[_LAST_READ_NS] = NEVER_READ_NS

    # ---- lifetime ---------------------------------------------------------------------------

    def __del__(self) -> None:
        # The header view pins the mapping: a ring dropped without close() (a process exiting on an
        # error) releases it first, or SharedMemory's own finaliser cannot unmap the block.
        header = getattr(self, "_header", None)
        if header is not None:
            header.release()

    def close(self) -> None:
        """Detach; the owner also removes the shared block."""
        self._slots = []
        self._header.release()
        del self._items
        self._memory.close()
        if self._owner:
            self._memory.unlink()
