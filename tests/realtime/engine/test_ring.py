import numpy as np

from livedenoise.realtime.engine.ring import RingBuffer


def test_blocks_come_out_in_order_across_the_wrap():
    ring = RingBuffer(2, 100)
    source = np.arange(2 * 1000, dtype=np.float32).reshape(2, 1000)
    out = np.zeros((2, 37), np.float32)
    got, pos = [], 0
    while pos < 1000:
        pos += ring.write(source[:, pos : pos + 29])
        while ring.n_readable >= 37:
            ring.read_into(out)
            got.append(out.copy())
    got = np.concatenate(got, axis=1)
    np.testing.assert_array_equal(got, source[:, : got.shape[1]])
    assert ring.overflow_samples == ring.underflow_samples == 0


def test_overflow_keeps_what_fits_and_counts_the_rest():
    ring = RingBuffer(1, 10)
    assert ring.write(np.ones((1, 15), np.float32)) == 10
    assert ring.overflow_samples == 5
    assert ring.n_writable == 0


def test_underflow_pads_with_zeros_and_counts():
    ring = RingBuffer(1, 10)
    ring.write(np.full((1, 3), 7.0, np.float32))
    out = np.full((1, 8), -1.0, np.float32)
    assert ring.read_into(out) == 3
    np.testing.assert_array_equal(out, [[7, 7, 7, 0, 0, 0, 0, 0]])
    assert ring.underflow_samples == 5


def test_clear_drops_readable():
    ring = RingBuffer(1, 10)
    ring.write(np.ones((1, 4), np.float32))
    ring.clear()
    assert ring.n_readable == 0 and ring.n_writable == 10
