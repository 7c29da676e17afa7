"""Taps: what the audio process publishes for readers elsewhere, computed only while someone reads.

Three shared rings (``SharedRing``), each skipped in the callback unless its reader read within the
last second:
- ``spectra`` ``(3, n_freqs)`` per hop: input and output power in dB (channel mean), mask magnitude in dB;
- ``levels`` ``(4,)`` per hop: peak and RMS of the input, then of the output, in dBFS;
- ``denoised`` ``(hop_samples,)`` per hop: the denoised hop, channel mean.

Real-time contract: ``publish`` writes straight into preallocated shared slots with numba kernels
compiled in ``warm_up``; nothing is allocated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from livedenoise.realtime.engine.hop_layouts import hop_layouts
from livedenoise.realtime.engine.shared_ring import RingSpec, SharedRing

DB_FLOOR = -120.0
SPECTRA_CAPACITY = 512  # columns: 1.4 s at a 128-sample hop
LEVELS_CAPACITY = 512
DENOISED_CAPACITY = 1024  # hops: 2.7 s


@njit(cache=True, nogil=True)
def spectrum_db_into(input_spectrum, output_spectrum, mask, out):
    """Row 0/1: input/output power in dB (channel mean); row 2: mask magnitude in dB. ``out (3, n_freqs)``."""
    n_channels = input_spectrum.shape[0]
    floor = 10.0 ** (DB_FLOOR / 10.0)
    for k in range(input_spectrum.shape[1]):
        p_in = 0.0
        p_out = 0.0
        for c in range(n_channels):
            x = input_spectrum[c, k]
            y = output_spectrum[c, k]
            p_in += x.real * x.real + x.imag * x.imag
            p_out += y.real * y.real + y.imag * y.imag
        m = mask[0, k] * mask[0, k] + mask[1, k] * mask[1, k]
        out[0, k] = 10.0 * math.log10(max(p_in / n_channels, floor))
        out[1, k] = 10.0 * math.log10(max(p_out / n_channels, floor))
        out[2, k] = 10.0 * math.log10(max(m, floor)) if np.isfinite(m) else 0.0


@njit(cache=True, nogil=True)
def levels_into(hop_in, hop_out, out):
    """``out (4,)``: peak and RMS of ``hop_in`` then of ``hop_out``, in dBFS, over all channels.

    The two hops may differ in layout (a device buffer and one of ours)."""
    _level_into(hop_in, out, 0)
    _level_into(hop_out, out, 2)


@njit(cache=True, nogil=True)
def _level_into(hop, out, at):
    """Peak then RMS of ``hop`` in dBFS into ``out[at]``, ``out[at + 1]``."""
    floor = 10.0 ** (DB_FLOOR / 20.0)
    peak = 0.0
    energy = 0.0
    for c in range(hop.shape[0]):
        for i in range(hop.shape[1]):
            x = abs(hop[c, i])
            if not np.isfinite(x):
                continue
            peak = max(peak, x)
            energy += x * x
    rms = math.sqrt(energy / hop.size)
    out[at] = 20.0 * math.log10(max(peak, floor))
    out[at + 1] = 20.0 * math.log10(max(rms, floor))


@njit(cache=True, nogil=True)
def channel_mean_into(hop, out):
    """``hop (channels, samples)`` -> ``out (samples,)``, the mean over channels."""
    n_channels = hop.shape[0]
    for i in range(hop.shape[1]):
        total = 0.0
        for c in range(n_channels):
            total += hop[c, i]
        out[i] = total / n_channels


@dataclass(frozen=True)
class TapSpecs:
    """The three rings' specs: what the audio process attaches to."""

    spectra: RingSpec
    levels: RingSpec
    denoised: RingSpec


class Taps:
    """The three rings, on either side. ``create`` in the reading process, ``attach`` in the audio one."""

    def __init__(self, spectra: SharedRing, levels: SharedRing, denoised: SharedRing) -> None:
        self.spectra = spectra
        self.levels = levels
        self.denoised = denoised

    @classmethod
    def create(cls, n_freqs: int, hop_samples: int) -> Taps:
        return cls(
            SharedRing.create((3, n_freqs), SPECTRA_CAPACITY),
            SharedRing.create((4,), LEVELS_CAPACITY),
            SharedRing.create((hop_samples,), DENOISED_CAPACITY),
        )

    @classmethod
    def attach(cls, specs: TapSpecs) -> Taps:
        return cls(SharedRing.attach(specs.spectra), SharedRing.attach(specs.levels), SharedRing.attach(specs.denoised))

    @property
    def specs(self) -> TapSpecs:
        return TapSpecs(self.spectra.spec, self.levels.spec, self.denoised.spec)

    def publish(self, now_ns: int, hop_in, hop_out, input_spectrum, output_spectrum, mask) -> None:
        """One hop's taps, each only if its reader is there. Hops ``(channels, hop_samples)``."""
        if self.spectra.wanted(now_ns):
            spectrum_db_into(input_spectrum, output_spectrum, mask, self.spectra.slot())
            self.spectra.commit()
        if self.levels.wanted(now_ns):
            levels_into(hop_in, hop_out, self.levels.slot())
            self.levels.commit()
        if self.denoised.wanted(now_ns):
            channel_mean_into(hop_out, self.denoised.slot())
            self.denoised.commit()

    def warm_up(self, hop, spectrum, mask) -> None:
        """Compile the kernels on scratch arrays, for every hop layout, not in the first callback."""
        spectrum_db_into(spectrum, spectrum, mask, np.zeros((3, spectrum.shape[1]), dtype=np.float32))
        layouts = hop_layouts(*hop.shape)
        for hop_in in layouts:
            for hop_out in layouts:
                levels_into(hop_in, hop_out, np.zeros(4, dtype=np.float32))
            channel_mean_into(hop_in, np.zeros(hop.shape[1], dtype=np.float32))

    def close(self) -> None:
        for ring in (self.spectra, self.levels, self.denoised):
            ring.close()
