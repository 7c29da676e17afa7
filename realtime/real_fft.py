"""Real FFT of a power-of-two length, compiled with numba, for the STFT's one-frame-per-hop path.

Why not ``np.fft``: in the audio callback every Python-level call is paid with cold caches (the
thread sleeps between callbacks while the machine runs other work). Measured on the dev VM with a
2.6 ms sleep between calls, one ``np.fft.rfft`` of 1024 samples took 145 us and a plain ``np.add``
18 us, against 33 and 1 us in a tight loop. A compiled kernel that does the windowing and the
transform in one call touches a few kilobytes of code and tables instead of numpy's Python layers.

Method: an ``n``-point real transform as an ``m = n/2``-point complex one (even samples as real
parts, odd as imaginary), then the usual split into even and odd spectra. The complex transform is
decimation in frequency, radix 4 (one radix-2 pass when ``log2(m)`` is odd), in place on separate
real and imaginary float64 arrays, so that every pass is a plain loop over contiguous memory:
natural order in, bit-reversed order out. Nothing is ever reordered: the forward split and the
inverse's output read through the bit-reversal table instead, which also lets a caller read only the
samples it needs. The inverse is the forward transform of the conjugate. Like ``np.fft.irfft``, it
ignores the imaginary parts of the DC and Nyquist bins.

Real-time contract: the kernels allocate nothing. ``RealFftTables`` makes the tables, which no
kernel writes (one set per length, shared by every user: ``shared_tables``), and each user's scratch.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from numba import njit


class RealFftTables:
    """Bit reversal and twiddles for real transforms of ``n`` samples (a power of two >= 4)."""

    def __init__(self, n: int) -> None:
        if n < 4 or n & (n - 1):
            raise ValueError(f"n must be a power of two >= 4, got {n}")
        m = n // 2
        self.n = n
        bits = m.bit_length() - 1
        reverse = np.zeros(m, dtype=np.int64)
        for bit in range(bits):
            reverse |= ((np.arange(m) >> bit) & 1) << (bits - 1 - bit)
        # uint16 halves the bytes a hop reads (int64 only for transforms past 2**17 samples).
        self.bit_reverse = reverse.astype(np.uint16 if m <= 1 << 16 else np.int64)
        # In the order the passes read them, each pass one run: w^j (w = exp(-2 pi i / m)) for j < m/2
        # for the radix-2 pass when log2(m) is odd, then per radix-4 pass of span 4h > 4: w^j, w^2j,
        # w^3j (w = exp(-2 pi i / 4h)) for j < h; real parts then imaginary parts.
        blocks, span = [], m
        if bits % 2:
            angle = -2 * np.pi * np.arange(m // 2) / m
            blocks += [np.cos(angle), np.sin(angle)]
            span //= 2
        while span > 4:
            h = span // 4
            angle = -2 * np.pi * np.arange(h) / span
            blocks += [f(r * angle) for r in (1, 2, 3) for f in (np.cos, np.sin)]
            span = h
        self.stage_twiddles = np.concatenate(blocks) if blocks else np.zeros(0)
        # exp(-2 pi i k / n) for k <= m/2: the split pairs bin k with bin m - k, which needs no other.
        angle = -2 * np.pi * np.arange(m // 2 + 1) / n
        self.split_twiddles = np.stack([np.cos(angle), np.sin(angle)])
        # The kernels never write the tables, yet they stay writeable: numba's dispatch of read-only
        # arrays was measured 0.3 us slower per call from Python.

    def new_scratch(self) -> np.ndarray:
        """Working memory ``(2, n/2)`` float64 (real, imaginary) for one user of the kernels."""
        return np.zeros((2, self.n // 2), dtype=np.float64)


@cache
def shared_tables(n: int) -> RealFftTables:
    """The one table set for length ``n``: analysers and synthesisers of one geometry share it."""
    return RealFftTables(n)


@njit(cache=True, nogil=True, inline="always")
def _sums_and_differences(zr, zi, i0, i1, i2, i3):
    """The first half of a 4-point butterfly: z0 + z2, z0 - z2, z1 + z3, z1 - z3 (real, imaginary)."""
    return (
        zr[i0] + zr[i2],
        zi[i0] + zi[i2],
        zr[i0] - zr[i2],
        zi[i0] - zi[i2],
        zr[i1] + zr[i3],
        zi[i1] + zi[i3],
        zr[i1] - zr[i3],
        zi[i1] - zi[i3],
    )


@njit(cache=True, nogil=True)
def _complex_fft_in_place(zr, zi, stage_twiddles):
    """Forward complex FFT of ``zr + i zi`` (length m, a power of two); the result is bit-reversed."""
    # Indices are unsigned so that numba emits no negative-index wraparound, which keeps LLVM from
    # vectorising the butterflies over j.
    m = np.uint64(zr.size)
    zero = np.uint64(0)
    span = m
    offset = zero
    remainder = m
    while remainder > np.uint64(2):
        remainder //= np.uint64(4)
    if remainder == np.uint64(2):  # log2(m) odd: one radix-2 pass first, where its span is widest
        h = m // np.uint64(2)
        for j in range(h):
            i1 = j + h
            ar = zr[j] - zr[i1]
            ai = zi[j] - zi[i1]
            zr[j] += zr[i1]
            zi[j] += zi[i1]
            wr = stage_twiddles[j]
            wi = stage_twiddles[h + j]
            zr[i1] = ar * wr - ai * wi
            zi[i1] = ar * wi + ai * wr
        offset = m
        span = h
    while span > np.uint64(4):
        h = span // np.uint64(4)
        for start in range(zero, m, span):
            for j in range(h):
                i0 = start + j
                i1 = i0 + h
                i2 = i1 + h
                i3 = i2 + h
                s02r, s02i, d02r, d02i, s13r, s13i, d13r, d13i = _sums_and_differences(zr, zi, i0, i1, i2, i3)
                # The 4-point DFT (y1 = d02 - i d13, y3 = d02 + i d13), then the twiddles; stored so
                # that the even outputs go to the first half, as two radix-2 passes would put them.
                y2r = s02r - s13r
                y2i = s02i - s13i
                y1r = d02r + d13i
                y1i = d02i - d13r
                y3r = d02r - d13i
                y3i = d02i + d13r
                k = offset + j
                w1r = stage_twiddles[k]
                w1i = stage_twiddles[k + h]
                w2r = stage_twiddles[k + np.uint64(2) * h]
                w2i = stage_twiddles[k + np.uint64(3) * h]
                w3r = stage_twiddles[k + np.uint64(4) * h]
                w3i = stage_twiddles[k + np.uint64(5) * h]
                zr[i0] = s02r + s13r
                zi[i0] = s02i + s13i
                zr[i1] = y2r * w2r - y2i * w2i
                zi[i1] = y2r * w2i + y2i * w2r
                zr[i2] = y1r * w1r - y1i * w1i
                zi[i2] = y1r * w1i + y1i * w1r
                zr[i3] = y3r * w3r - y3i * w3i
                zi[i3] = y3r * w3i + y3i * w3r
        offset += np.uint64(6) * h
        span = h
    if span == np.uint64(4):  # the last pass: span 4, every twiddle is one
        for i0 in range(zero, m, span):
            i1 = i0 + np.uint64(1)
            i2 = i0 + np.uint64(2)
            i3 = i0 + np.uint64(3)
            s02r, s02i, d02r, d02i, s13r, s13i, d13r, d13i = _sums_and_differences(zr, zi, i0, i1, i2, i3)
            zr[i0] = s02r + s13r
            zi[i0] = s02i + s13i
            zr[i1] = s02r - s13r
            zi[i1] = s02i - s13i
            zr[i2] = d02r + d13i
            zi[i2] = d02i - d13r
            zr[i3] = d02r - d13i
            zi[i3] = d02i + d13r


@njit(cache=True, nogil=True)
def windowed_rfft_into(frame, start, window, out, scratch, bit_reverse, stage_twiddles, split_twiddles):
    """``out`` ``(n/2 + 1,)`` = ``np.fft.rfft`` of ``frame[(start + t) % n] * window[t]``, t < n.

    ``frame`` is a circular buffer whose oldest sample is at ``start``; products in float64.
    """
    n = window.size
    m = n // 2
    zr = scratch[0]
    zi = scratch[1]
    # Pairs before the frame wraps, the pair across the wrap (only when ``n - start`` is odd), pairs
    # after it: plain loops, no modulo per sample.
    unwrapped = np.uint64((n - start) // 2)
    wrapped = np.uint64((n - start + 1) // 2)
    ahead = np.uint64(start)
    back = np.uint64(n - start)
    one = np.uint64(1)
    for i in range(unwrapped):
        t = np.uint64(2) * i
        zr[i] = np.float64(frame[ahead + t]) * np.float64(window[t])
        zi[i] = np.float64(frame[ahead + t + one]) * np.float64(window[t + one])
    if wrapped > unwrapped:
        t = np.uint64(2) * unwrapped
        zr[unwrapped] = np.float64(frame[n - 1]) * np.float64(window[t])
        zi[unwrapped] = np.float64(frame[0]) * np.float64(window[t + one])
    for i in range(wrapped, np.uint64(m)):
        t = np.uint64(2) * i
        zr[i] = np.float64(frame[t - back]) * np.float64(window[t])
        zi[i] = np.float64(frame[t + one - back]) * np.float64(window[t + one])
    _complex_fft_in_place(zr, zi, stage_twiddles)
    # Bins k and m - k from Z[k] and Z[m - k]: even part E, odd part O, X = E + w^k O.
    for k in range(m // 2 + 1):
        a = bit_reverse[k]
        b = bit_reverse[(m - k) & (m - 1)]
        er = 0.5 * (zr[a] + zr[b])
        ei = 0.5 * (zi[a] - zi[b])
        o_r = 0.5 * (zi[a] + zi[b])
        oi = 0.5 * (zr[b] - zr[a])
        wr = split_twiddles[0, k]
        wi = split_twiddles[1, k]
        tr = wr * o_r - wi * oi
        ti = wr * oi + wi * o_r
        out[m - k] = complex(er - tr, ti - ei)
        out[k] = complex(er + tr, ei + ti)


@njit(cache=True, nogil=True)
def irfft_in_place(spectrum, scratch, stage_twiddles, split_twiddles):
    """Inverse of ``spectrum`` ``(n/2 + 1,)`` into ``scratch``; read its samples with ``irfft_sample``."""
    m = scratch.shape[1]
    zr = scratch[0]
    zi = scratch[1]
    for k in range(m // 2 + 1):
        # DC and Nyquist (the pair at k = 0) lose their imaginary parts, as in np.fft.irfft.
        xkr = spectrum[k].real
        xcr = spectrum[m - k].real
        xki = spectrum[k].imag if k > 0 else 0.0
        xci = spectrum[m - k].imag if k > 0 else 0.0
        er = 0.5 * (xkr + xcr)
        ei = 0.5 * (xki - xci)
        dr = 0.5 * (xkr - xcr)
        di = 0.5 * (xki + xci)
        wr = split_twiddles[0, k]
        wi = split_twiddles[1, k]
        o_r = dr * wr + di * wi
        oi = di * wr - dr * wi
        # Z[k] = E + i O and Z[m - k] = conj(E) + i conj(O), stored conjugated for the forward pass.
        c = (m - k) & (m - 1)
        zr[c] = er + oi
        zi[c] = ei - o_r
        zr[k] = er - oi
        zi[k] = -(ei + o_r)
    _complex_fft_in_place(zr, zi, stage_twiddles)


@njit(cache=True, nogil=True)
def irfft_sample(scratch, bit_reverse, i, odd):
    """Sample ``2i + odd`` of the inverse that ``irfft_in_place`` left in ``scratch``."""
    p = bit_reverse[i]
    if odd:
        return -scratch[1, p] / scratch.shape[1]
    return scratch[0, p] / scratch.shape[1]


@njit(cache=True, nogil=True)
def _irfft_into(spectrum, out, scratch, bit_reverse, stage_twiddles, split_twiddles):
    irfft_in_place(spectrum, scratch, stage_twiddles, split_twiddles)
    for t in range(out.size):
        out[t] = irfft_sample(scratch, bit_reverse, t // 2, t % 2)


def rfft(x: np.ndarray, tables: RealFftTables) -> np.ndarray:
    """Convenience (allocates): the real FFT of ``x`` ``(n,)``."""
    out = np.zeros(tables.n // 2 + 1, dtype=np.complex128)
    windowed_rfft_into(
        np.asarray(x, dtype=np.float64),
        0,
        np.ones(tables.n),
        out,
        tables.new_scratch(),
        tables.bit_reverse,
        tables.stage_twiddles,
        tables.split_twiddles,
    )
    return out


def irfft(spectrum: np.ndarray, tables: RealFftTables) -> np.ndarray:
    """Convenience (allocates): the inverse real FFT, ``n`` samples."""
    out = np.zeros(tables.n, dtype=np.float64)
    _irfft_into(
        np.asarray(spectrum, dtype=np.complex128),
        out,
        tables.new_scratch(),
        tables.bit_reverse,
        tables.stage_twiddles,
        tables.split_twiddles,
    )
    return out
