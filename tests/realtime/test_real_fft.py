"""The compiled real FFT equals numpy's, both ways, at every power-of-two length the STFT may use."""

from __future__ import annotations

import numpy as np
import pytest

from livedenoise.realtime.real_fft import RealFftTables, irfft, rfft, shared_tables, windowed_rfft_into


@pytest.mark.parametrize("n", [4, 8, 64, 256, 1024, 2048, 4096])
def test_forward_and_inverse_match_numpy(n):
    rng = np.random.default_rng(n)
    tables = RealFftTables(n)
    x = rng.standard_normal(n)
    np.testing.assert_allclose(rfft(x, tables), np.fft.rfft(x), atol=1e-12 * n)
    # Any spectrum, including imaginary parts at DC and Nyquist, which both inverses ignore.
    spectrum = rng.standard_normal(n // 2 + 1) + 1j * rng.standard_normal(n // 2 + 1)
    np.testing.assert_allclose(irfft(spectrum, tables), np.fft.irfft(spectrum, n), atol=1e-12 * n)


@pytest.mark.parametrize("n", [0, 2, 3, 1000, 1536])
def test_lengths_that_are_not_powers_of_two_from_four_are_refused(n):
    with pytest.raises(ValueError, match="power of two"):
        RealFftTables(n)


@pytest.mark.parametrize("n", [4, 16, 64])
def test_the_windowed_transform_of_a_circular_frame_matches_numpy_from_every_start(n):
    """Every start, odd ones too (a hop of one sample), so the pair across the wrap is covered."""
    rng = np.random.default_rng(n)
    tables = RealFftTables(n)
    frame = rng.standard_normal(n).astype(np.float32)
    window = rng.random(n).astype(np.float32)
    out = np.zeros(n // 2 + 1, dtype=np.complex128)
    for start in range(n):
        windowed_rfft_into(
            frame,
            start,
            window,
            out,
            tables.new_scratch(),
            tables.bit_reverse,
            tables.stage_twiddles,
            tables.split_twiddles,
        )
        want = np.fft.rfft(np.roll(frame, -start).astype(np.float64) * window)
        np.testing.assert_allclose(out, want, atol=1e-12 * n, err_msg=f"start {start}")


def test_one_table_set_per_length():
    assert shared_tables(1024) is shared_tables(1024)
    assert shared_tables(512).n == 512
