"""LevelMeter: a vertical peak meter in dBFS with a peak-hold line.

Sources report the peak of the newest hop (a few milliseconds), so the bar rises at once and falls
at ``FALL_DB_PER_S`` (a peak programme meter's ballistics), and the hold line holds for ``HOLD_S``
before it falls too: the eye can read a level that changes every frame.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QWidget

MIN_DB = -60.0
FALL_DB_PER_S = 20.0
HOLD_S = 1.5
ZONES = ((-12.0, QColor(60, 200, 90)), (-3.0, QColor(230, 200, 40)), (0.0, QColor(230, 60, 50)))
SCALE_DB = (0, -6, -12, -24, -36, -48)
SCALE_WIDTH = 26.0


class LevelMeter(QWidget):
    def __init__(self, label: str, parent=None, clock=time.monotonic) -> None:
        super().__init__(parent)
        self.label = label
        self._clock = clock
        self.level_db = MIN_DB
        self.hold_db = MIN_DB
        self._t = clock()
        self._hold_t = self._t
        self.setMinimumWidth(34)
        self.setToolTip(f"{label} peak level, dBFS")

    def sizeHint(self) -> QSize:
        return QSize(40, 200)

    def set_level(self, level_db: float) -> None:
        now = self._clock()
        fall_db = FALL_DB_PER_S * (now - self._t)
        self._t = now
        self.level_db = max(MIN_DB, min(0.0, max(level_db, self.level_db - fall_db)))
        if self.level_db >= self.hold_db:
            self.hold_db, self._hold_t = self.level_db, now
        elif now - self._hold_t > HOLD_S:
            self.hold_db = max(self.level_db, self.hold_db - fall_db)
        self.update()

    def _y(self, db: float, top: float, height: float) -> float:
        return top + height * (db / MIN_DB)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(20, 20, 24))
        top, bottom = 18.0, float(self.height() - 4)
        height = bottom - top
        bar = QRectF(SCALE_WIDTH, top, self.width() - SCALE_WIDTH - 6.0, height)
        painter.fillRect(bar, QColor(45, 45, 52))
        lower = MIN_DB
        for upper, colour in ZONES:  # each zone fills from its lower edge up to the level
            if self.level_db > lower:
                y_top = self._y(min(self.level_db, upper), top, height)
                y_bottom = self._y(lower, top, height)
                painter.fillRect(QRectF(bar.left(), y_top, bar.width(), y_bottom - y_top), colour)
            lower = upper
        painter.setPen(QColor(240, 240, 240))
        y_hold = self._y(self.hold_db, top, height)
        painter.drawLine(int(bar.left()), int(y_hold), int(bar.right()), int(y_hold))
        painter.drawText(QRectF(bar.left(), 0.0, bar.width(), top), Qt.AlignmentFlag.AlignCenter, self.label)
        painter.setPen(QColor(150, 150, 160))
        for db in SCALE_DB:
            y = self._y(db, top, height)
            painter.drawText(
                QRectF(0.0, y - 7.0, SCALE_WIDTH - 4.0, 14.0),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                str(db),
            )
        painter.end()
