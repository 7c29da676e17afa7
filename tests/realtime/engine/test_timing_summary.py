"""The callback's timing figures, computed with the GIL released, are numpy's."""

from __future__ import annotations

import numpy as np
import pytest

from livedenoise.realtime.engine.timing_summary import timing_summary


@pytest.mark.parametrize("n", [1, 2, 7, 8192])
def test_the_summary_is_numpys_median_p99_max_and_mean(n):
    values = np.random.default_rng(n).integers(40_000, 3_000_000, 8192).astype(np.int64)
    p50, p99, peak, mean = timing_summary(values, n)
    head = values[:n].astype(np.float64)
    assert p50 == pytest.approx(np.percentile(head, 50))
    assert p99 == pytest.approx(np.percentile(head, 99))
    assert peak == head.max() and mean == pytest.approx(head.mean())


def test_no_timings_give_zeros():
    assert timing_summary(np.zeros(16, dtype=np.int64), 0) == (0.0, 0.0, 0.0, 0.0)
