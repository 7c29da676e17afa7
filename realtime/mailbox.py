"""Mailbox: a preallocated single-producer/single-consumer lossy queue of fixed-shape arrays.

The audio thread publishes with ``put`` (a copy into a preallocated slot; nothing allocated, never
waits); a reader (GUI timer, tuner, API user) takes what is new with ``get``, ``drain`` or
``latest``. When the reader falls behind and every slot is unread, ``put`` drops the new item and
counts it: the audio path never waits for a reader. As in ``RingBuffer``, each side advances only
its own counter after its copy is done, so no lock is needed under the GIL.
"""

from __future__ import annotations

import numpy as np


class Mailbox:
    """Up to ``capacity`` unread items of ``item_shape`` and ``dtype``."""

    def __init__(self, item_shape: tuple[int, ...], dtype=np.float32, capacity: int = 64) -> None:
        if capacity <= 0:
            raise ValueError("capacity must be positive")
        self.item_shape = tuple(item_shape)
        self.capacity = capacity
        self._slots = np.zeros((capacity, *self.item_shape), dtype=dtype)
        self._n_put = 0  # writer-owned
        self._n_got = 0  # reader-owned
        self.n_dropped = 0

    @property
    def n_unread(self) -> int:
        return self._n_put - self._n_got

    def put(self, item: np.ndarray) -> bool:
        """Copy ``item`` in; return False (and count it) when the mailbox is full."""
        if self._n_put - self._n_got >= self.capacity:
            self.n_dropped += 1
            return False
        self._slots[self._n_put % self.capacity] = item
        self._n_put += 1
        return True

    def get(self) -> np.ndarray | None:
        """The oldest unread item (a copy), or None."""
        if self._n_put == self._n_got:
            return None
        item = self._slots[self._n_got % self.capacity].copy()
        self._n_got += 1
        return item

    def drain(self) -> np.ndarray:
        """All unread items, oldest first: ``(n, *item_shape)`` (``n`` may be 0)."""
        n_put = self._n_put
        index = np.arange(self._n_got, n_put) % self.capacity
        items = self._slots[index]  # fancy indexing copies
        self._n_got = n_put
        return items

    def latest(self) -> np.ndarray | None:
        """The newest unread item (a copy), skipping older ones; None when nothing is new."""
        n_put = self._n_put
        if n_put == self._n_got:
            return None
        item = self._slots[(n_put - 1) % self.capacity].copy()
        self._n_got = n_put
        return item
