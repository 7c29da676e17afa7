"""The compiled real FFT equals numpy's, both ways, at every power-of-two length the STFT may use."""

from __future__ import annotations

import numpy as np
import pytest

from livedenoise.realtime.real_fft import RealFftTables, irfft, rfft


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
