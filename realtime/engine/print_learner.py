"""PrintLearner: learns the room from the first seconds of the live input, inside the audio callback.

The owner arms it for S seconds (``learn``) and hangs it on the engine's callback; the callback hands
it each hop's input spectrum (``observe``). It averages the channels' magnitudes, as the denoiser
does for its model, and adds the frame to a ``PrintAccumulator``, until the frames span S seconds;
then it ignores what follows and says it is ``done``. The owner makes the print (``take_print``)
off the callback. The frames at a stream's start that still hold the zeros before the signal are
skipped (``n_skip``), as ``print_from_audio`` skips them, so a print learned live from some audio
equals the one made offline from the same audio.

Real-time contract: ``observe`` allocates nothing, does no I/O and takes no lock; the accumulator
is preallocated and its kernels compiled in the constructor.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from livedenoise.realtime.noise_print import MIN_SECONDS, NoisePrint, PrintAccumulator

MAX_SECONDS = 60.0  # longer than anyone keeps quiet; a print's statistics settle within seconds


@njit(cache=True, nogil=True)
def channel_magnitude_into(spectrum, out):
    """Complex ``(channels, n_freqs)`` -> ``out`` ``(2, n_freqs)``: the channels' mean magnitude, imaginary 0."""
    n_channels = spectrum.shape[0]
    for k in range(spectrum.shape[1]):
        total = 0.0
        for c in range(n_channels):
            total += abs(spectrum[c, k])
        out[0, k] = total / n_channels
        out[1, k] = 0.0


class PrintLearner:
    """Gathers S seconds of input spectra ``(channels, n_freqs)`` complex64 into a print."""

    def __init__(self, sample_rate: int, n_fft: int, hop_samples: int, n_channels: int) -> None:
        self.sample_rate = sample_rate
        self.n_fft = n_fft
        self.hop_samples = hop_samples
        self._accumulator = PrintAccumulator(sample_rate, n_fft, hop_samples)
        self._frame = np.zeros((2, self._accumulator.config.n_freqs), dtype=np.float32)
        self.n_wanted = 0
        self.n_added = 0  # a plain int: reading the accumulator's count from the callback would make a numpy scalar
        self.n_skip = 0
        self.seconds = 0.0
        spectrum = np.ones((n_channels, self._accumulator.config.n_freqs), dtype=np.complex64)
        channel_magnitude_into(spectrum, self._frame)  # compiled now, not in a callback
        self._accumulator.add(self._frame)
        self._accumulator.reset()

    # ---- owner side -------------------------------------------------------------------------

    def learn(self, seconds: float, n_skip: int = 0) -> None:
        """Start over: gather frames spanning ``seconds`` after skipping ``n_skip`` hops. Call it while
        the learner is not on the callback."""
        if not MIN_SECONDS <= seconds <= MAX_SECONDS:
            raise ValueError(f"learning takes {MIN_SECONDS:g} to {MAX_SECONDS:g} s, got {seconds:g}")
        self._accumulator.reset()
        self.n_added = 0
        self.seconds = float(seconds)
        # one window, then a hop per further frame: the fewest frames that span ``seconds``
        self.n_wanted = 1 + max(0, math.ceil((seconds * self.sample_rate - self.n_fft) / self.hop_samples - 1e-9))
        self.n_skip = max(0, int(n_skip))

    @property
    def done(self) -> bool:
        return self.n_wanted > 0 and self.n_added >= self.n_wanted

    @property
    def seconds_left(self) -> float:
        """What remains to hear, in seconds (the skipped frames count as the window's first hops)."""
        n_left = self.n_wanted - self.n_added + self.n_skip
        return max(0, n_left) * self.hop_samples / self.sample_rate

    def take_print(self, source: str = "") -> NoisePrint:
        """The print of what was gathered; ``NoisePrintError`` when silent. Allocates: not in a callback."""
        return self._accumulator.to_print(source)

    # ---- audio side -------------------------------------------------------------------------

    def observe(self, spectrum: np.ndarray) -> None:
        """One hop's input spectrum ``(channels, n_freqs)`` complex64."""
        if self.n_skip > 0:
            self.n_skip -= 1
            return
        if self.n_added >= self.n_wanted:
            return
        channel_magnitude_into(spectrum, self._frame)
        self._accumulator.add(self._frame)
        self.n_added += 1
