"""PrintView: the noise print drawn against the input's spectrum, on a log-frequency axis.

Two curves in the same dB as the spectrograms (the power of the unnormalised STFT, channel mean):
the input's spectrum now (the power of the last ``INPUT_AVERAGE_S`` of input columns, averaged) and
the print's noise power per bin (``NoisePrint.power_db``, the PSD the print-Wiener divides by).
Where the input stands above the print there is something to keep; where it lies on the print the
room is all there is. The view never runs audio: the window hands it the columns it read and the
print in use.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

from livedenoise.realtime.noise_print import NoisePrint

MIN_HZ = 40.0
INPUT_AVERAGE_S = 0.5
INPUT_PEN = pg.mkPen("#8fb3d9", width=1)
PRINT_PEN = pg.mkPen("#ffb000", width=2)
HZ_TICKS = (50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000)


class PrintView(pg.PlotWidget):
    """Input spectrum and print over frequency; ``levels_db``: the fixed dB range, as the spectrograms'."""

    def __init__(
        self, sample_rate: int, hop_samples: int, n_freqs: int, levels_db: tuple[float, float], parent=None
    ) -> None:
        super().__init__(parent=parent)
        bin_hz = sample_rate / (2.0 * (n_freqs - 1))
        self._first_bin = max(1, math.ceil(MIN_HZ / bin_hz))
        self._log_hz = np.log10(np.arange(self._first_bin, n_freqs) * bin_hz)
        self._smoothing = math.exp(-hop_samples / (INPUT_AVERAGE_S * sample_rate))
        self._input_power: np.ndarray | None = None
        self.noise_print: NoisePrint | None = None
        plot = self.getPlotItem()
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        plot.setMenuEnabled(False)
        plot.setXRange(self._log_hz[0], self._log_hz[-1], padding=0.0)
        plot.setYRange(*levels_db, padding=0.0)
        bottom = plot.getAxis("bottom")
        bottom.setTicks(
            [
                [
                    (math.log10(hz), f"{hz / 1000:g}k" if hz >= 1000 else f"{hz}")
                    for hz in HZ_TICKS
                    if self._log_hz[0] <= math.log10(hz) <= self._log_hz[-1]
                ]
            ]
        )
        bottom.setLabel("Hz")
        plot.getAxis("left").setWidth(36)
        plot.addLegend(offset=(-8, 4), labelTextSize="8pt")
        self.input_curve = plot.plot(name="input", pen=INPUT_PEN)
        self.print_curve = plot.plot(name="noise print", pen=PRINT_PEN)
        self.setTitle("Noise print against the input")
        self.setToolTip(
            "the input's spectrum (blue) and the noise print (amber), in the spectrograms' dB: "
            "where the input lies on the print, only the room is heard"
        )

    def push(self, columns_db: np.ndarray) -> None:
        """The input columns ``(n_new_columns, n_freqs)`` dB read since the last push."""
        if columns_db.shape[0] == 0:
            return
        power = np.power(10.0, columns_db[:, self._first_bin :].astype(np.float64) / 10.0)
        if self._input_power is None:
            self._input_power = power.mean(axis=0)
        else:
            weight = self._smoothing ** power.shape[0]
            self._input_power = weight * self._input_power + (1.0 - weight) * power.mean(axis=0)
        self.input_curve.setData(self._log_hz, 10.0 * np.log10(np.maximum(self._input_power, 1e-30)))

    def show_print(self, noise_print: NoisePrint | None) -> None:
        """Draw ``noise_print`` (None: no curve); a print of another STFT is not drawn."""
        self.noise_print = noise_print
        if noise_print is None or noise_print.n_freqs != self._log_hz.size + self._first_bin:
            self.print_curve.setData([], [])
            return
        self.print_curve.setData(self._log_hz, noise_print.power_db[self._first_bin :])

    def clear_input(self) -> None:
        self._input_power = None
        self.input_curve.setData([], [])
