"""SpectrogramView: a scrolling spectrogram on a log-frequency axis labelled with note names.

Columns arrive one per hop in linear frequency, ``(n_new_columns, n_freqs)`` dB. Each is mapped onto
``N_ROWS`` log-spaced rows: a row narrower than a bin (the low end: 46.9 Hz bins) shows the bin at
its centre, a wider row the loudest bin it covers, so a tone lights the row that holds its
frequency. ``DECIMATION`` hops make one displayed column (their maximum), which keeps the image
small enough to redraw at the window's frame rate. The dB scale is fixed, so a quiet passage looks
quiet. The image is a fixed-size array shifted in place (pyqtgraph's scrolling-plot pattern); the
time before the first column is NaN, which pyqtgraph leaves transparent.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

from livedenoise.realtime.tuner.notes import midi_to_hz, midi_to_name

N_ROWS = 256
MIN_HZ = 40.0
MAX_HZ = 20000.0
DECIMATION = 3  # hops per displayed column
HISTORY_S = 5.0


class _CountingImageItem(pg.ImageItem):
    """An ImageItem that counts the times it is actually painted (the frame rate users see)."""

    n_paints = 0

    def paint(self, painter, *args) -> None:
        self.n_paints += 1
        super().paint(painter, *args)


class LogFrequencyMap:
    """Linear STFT bins -> log-spaced rows. ``rows(columns (n, n_freqs)) -> (n, N_ROWS)``."""

    def __init__(
        self, sample_rate: int, n_freqs: int, n_rows: int = N_ROWS, min_hz: float = MIN_HZ, max_hz: float = MAX_HZ
    ) -> None:
        self.n_rows = n_rows
        self.min_hz = min_hz
        self.max_hz = min(max_hz, sample_rate / 2.0)
        bin_hz = sample_rate / (2.0 * (n_freqs - 1))
        edges_hz = self.hz_at_row(np.arange(n_rows + 1))
        centres_hz = self.hz_at_row(np.arange(n_rows) + 0.5)
        narrow = np.diff(edges_hz) < bin_hz
        starts = np.where(narrow, np.round(centres_hz / bin_hz), np.round(edges_hz[:-1] / bin_hz))
        self._starts = np.clip(starts.astype(np.intp), 0, n_freqs - 1)
        self._end = int(min(n_freqs, max(self._starts[-1] + 1, round(edges_hz[-1] / bin_hz))))

    def hz_at_row(self, row) -> np.ndarray:
        """Frequency at (fractional) ``row``: row 0's lower edge is ``min_hz``."""
        return self.min_hz * (self.max_hz / self.min_hz) ** (np.asarray(row, dtype=np.float64) / self.n_rows)

    def row_at_hz(self, hz: float) -> float:
        """Fractional row position of ``hz`` (its integer part is the row that shows it)."""
        return self.n_rows * math.log(hz / self.min_hz) / math.log(self.max_hz / self.min_hz)

    def rows(self, columns: np.ndarray) -> np.ndarray:
        return np.maximum.reduceat(columns[:, : self._end], self._starts, axis=1)


def note_ticks(freq_map: LogFrequencyMap) -> list[list[tuple[float, str]]]:
    """Axis ticks: every C (major, "C4") and every E and A (minor), within the map's range."""
    major, minor = [], []
    for midi in range(0, 128):
        hz = midi_to_hz(midi)
        if not freq_map.min_hz <= hz <= freq_map.max_hz:
            continue
        name = midi_to_name(midi)
        if name.startswith("C") and "#" not in name:
            major.append((freq_map.row_at_hz(hz), name))
        elif name[0] in "EA" and "#" not in name:
            minor.append((freq_map.row_at_hz(hz), name))
    return [major, minor]


class SpectrogramView(pg.PlotWidget):
    """Scrolling ``title`` spectrogram; ``levels_db`` is the fixed colour scale (low, high)."""

    def __init__(
        self,
        title: str,
        sample_rate: int,
        hop_samples: int,
        n_freqs: int,
        levels_db: tuple[float, float],
        colormap: str = "inferno",
        parent=None,
    ) -> None:
        super().__init__(parent=parent)
        self.freq_map = LogFrequencyMap(sample_rate, n_freqs)
        self.levels_db = levels_db
        columns_per_s = sample_rate / (hop_samples * DECIMATION)
        self.n_columns = int(round(HISTORY_S * columns_per_s))
        self.image = np.full(
            (self.n_columns, self.freq_map.n_rows), np.nan, dtype=np.float32
        )  # NaN: no data yet, drawn empty
        self._pending = np.zeros((0, self.freq_map.n_rows), dtype=np.float32)
        self.item = _CountingImageItem(self.image, levels=levels_db)
        self.item.setColorMap(pg.colormap.get(colormap))
        self.item.setRect(-HISTORY_S, 0.0, HISTORY_S, float(self.freq_map.n_rows))
        self.addItem(self.item)
        self.setTitle(title)
        self.setToolTip(f"{title}: colour from {levels_db[0]:g} dB (dark) to {levels_db[1]:g} dB (bright), fixed")
        plot = self.getPlotItem()
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        plot.setMenuEnabled(False)
        plot.setXRange(-HISTORY_S, 0.0, padding=0.0)
        plot.setYRange(0.0, float(self.freq_map.n_rows), padding=0.0)
        plot.getAxis("left").setTicks(note_ticks(self.freq_map))
        plot.getAxis("left").setWidth(36)
        plot.getAxis("bottom").setLabel("seconds")

    @property
    def n_paints(self) -> int:
        return self.item.n_paints

    def push(self, columns_db: np.ndarray) -> None:
        """Append ``(n_new_columns, n_freqs)`` dB columns (one per hop) and scroll."""
        if columns_db.shape[0] == 0:
            return
        rows = self.freq_map.rows(columns_db)
        if self._pending.shape[0]:
            rows = np.concatenate([self._pending, rows])
        n_shown = rows.shape[0] // DECIMATION
        self._pending = rows[n_shown * DECIMATION :]
        if n_shown == 0:
            return
        shown = rows[: n_shown * DECIMATION].reshape(n_shown, DECIMATION, -1).max(axis=1)[-self.n_columns :]
        n = shown.shape[0]
        self.image[:-n] = self.image[n:]
        self.image[-n:] = shown
        self.item.setImage(self.image, autoLevels=False, levels=self.levels_db)

    def clear(self) -> None:
        self.image[:] = np.nan
        self._pending = self._pending[:0]
        self.item.setImage(self.image, autoLevels=False, levels=self.levels_db)
