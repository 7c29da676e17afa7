"""Low-latency dual-window STFT: a long analysis window, a short synthesis window.

The analysis window spans ``n_fft`` samples (fine frequency resolution: 46.9 Hz bins at 1024 and
48 kHz, enough to separate a low E string's harmonics). The synthesis window is non-zero only on
the last ``2 * hop`` samples of the frame, and the pair is designed so that their product there is a
periodic Hann window of length ``2 * hop``, which overlap-adds to one at that hop: analysis followed
by synthesis reconstructs the input exactly, delayed by ``hop`` samples. Latency is set by the hop,
not by the analysis window (Mauler & Martin 2007; Wang et al. 2022). The geometry and the window
pair are the model's (``models.stft_geometry``); this module runs them one frame per hop.

Each of ``analyze_into`` and ``synthesize_into`` is one compiled call (``real_fft`` says why).

Real-time contract: after construction, ``analyze_into`` and ``synthesize_into`` allocate nothing.
Spectra are ``(channels, n_freqs)`` complex64, hops ``(channels, hop_samples)`` float32.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from livedenoise.models.stft_geometry import StftConfig, dual_windows
from livedenoise.realtime.real_fft import irfft_in_place, irfft_sample, shared_tables, windowed_rfft_into

# The geometry is the model's; callers of the streaming STFT find it here too.
__all__ = ["StftAnalyzer", "StftConfig", "StftSynthesizer", "analyze_frame", "dual_windows", "synthesize_frame"]


class StftAnalyzer:
    """Keeps the last ``n_fft`` input samples and turns each new hop into one spectrum."""

    def __init__(self, config: StftConfig, n_channels: int) -> None:
        self.config = config
        self.n_channels = n_channels
        self._window = dual_windows(config.n_fft, config.hop_samples)[0]
        # A circular buffer: each hop overwrites the oldest one instead of moving the rest.
        self._frame = np.zeros((n_channels, config.n_fft), dtype=np.float32)
        self._oldest = np.zeros(1, dtype=np.int64)
        t = shared_tables(config.n_fft)
        # What ``analyze_frame`` needs besides the hop and the spectrum, for callers that fuse it
        # into a larger compiled step: this analyser's memory, then the transform's scratch and tables
        # (a caller that runs analysis and synthesis in turn may pass one set to both).
        self.memory = (self._frame, self._oldest, self._window)
        self.transform = (t.new_scratch(), t.bit_reverse, t.stage_twiddles, t.split_twiddles)
        self.buffers = self.memory + self.transform

    def reset(self) -> None:
        self._frame.fill(0.0)

    def continue_from(self, other: StftAnalyzer) -> None:
        """Take over ``other``'s memory of past input (same geometry), so a switch needs no refill."""
        self._frame[...] = other._frame
        self._oldest[...] = other._oldest

    def analyze_into(self, hop: np.ndarray, spectrum: np.ndarray) -> None:
        """Push ``hop`` ``(channels, hop_samples)``; write the frame's spectrum ``(channels, n_freqs)``."""
        analyze_frame(hop, spectrum, *self.buffers)


class StftSynthesizer:
    """Turns one spectrum per hop into one hop of output by short-window overlap-add."""

    def __init__(self, config: StftConfig, n_channels: int) -> None:
        self.config = config
        self.n_channels = n_channels
        _, window = dual_windows(config.n_fft, config.hop_samples)
        self._window_tail = np.ascontiguousarray(window[-2 * config.hop_samples :])
        self._overlap = np.zeros((n_channels, config.hop_samples), dtype=np.float32)
        t = shared_tables(config.n_fft)
        self.memory = (self._window_tail, self._overlap)
        self.transform = (t.new_scratch(), t.bit_reverse, t.stage_twiddles, t.split_twiddles)
        self.buffers = self.memory + self.transform

    def reset(self) -> None:
        self._overlap.fill(0.0)

    def continue_from(self, other: StftSynthesizer) -> None:
        """Take over ``other``'s pending overlap (same geometry), so the output runs on without a seam."""
        self._overlap[...] = other._overlap

    def synthesize_into(self, spectrum: np.ndarray, hop: np.ndarray) -> None:
        """Inverse-transform ``spectrum`` ``(channels, n_freqs)``; write one hop ``(channels, hop_samples)``."""
        synthesize_frame(spectrum, hop, *self.buffers)


@njit(cache=True, nogil=True)
def analyze_frame(hop, spectrum, frame, oldest, window, scratch, bit_reverse, stage_twiddles, split_twiddles):
    """Per channel: ``hop`` over the oldest samples of ``frame``, then the windowed real FFT into ``spectrum``."""
    n = frame.shape[1]
    h = hop.shape[1]
    write_at = oldest[0]
    start = (write_at + h) & (n - 1)
    for c in range(frame.shape[0]):
        for i in range(h):
            frame[c, write_at + i] = hop[c, i]
        windowed_rfft_into(frame[c], start, window, spectrum[c], scratch, bit_reverse, stage_twiddles, split_twiddles)
    oldest[0] = start


@njit(cache=True, nogil=True)
def synthesize_frame(spectrum, hop, window_tail, overlap, scratch, bit_reverse, stage_twiddles, split_twiddles):
    """Per channel: inverse FFT, synthesis window on the last 2*hop samples, overlap-add into ``hop``.

    Only those last ``2 * hop`` samples of the inverse are read out: the window is zero elsewhere.
    """
    m = scratch.shape[1]
    h = hop.shape[1]
    for c in range(spectrum.shape[0]):
        irfft_in_place(spectrum[c], scratch, stage_twiddles, split_twiddles)
        # Tail sample u (of 2*hop) is sample n - 2*hop + u of the inverse; in increasing u, each
        # overlap sample is added to the hop before the new one replaces it.
        for u in range(2 * h):
            sample = irfft_sample(scratch, bit_reverse, m - h + u // 2, u % 2)
            if u < h:
                hop[c, u] = overlap[c, u] + sample * np.float64(window_tail[u])
            else:
                overlap[c, u - h] = sample * np.float64(window_tail[u])
