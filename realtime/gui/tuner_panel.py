"""TunerPanel: note name, a cents needle (-50..+50), the frequency in Hz, and the reference pitch (A4)."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QLabel, QSpinBox, QVBoxLayout, QWidget

from livedenoise.realtime.tuner.notes import A4_HZ, MAX_REFERENCE_HZ, MIN_REFERENCE_HZ
from livedenoise.realtime.tuner.tuner import IN_TUNE_CENTS, TunerReading

NEEDLE_SPAN_DEG = 60.0  # the needle swings this far either side at +-50 cents


class CentsNeedle(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.cents: float | None = None
        self.stable = False
        self.setMinimumSize(160, 70)

    def sizeHint(self) -> QSize:
        return QSize(200, 90)

    def set_cents(self, cents: float | None, stable: bool = False) -> None:
        self.cents = cents
        self.stable = stable
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = float(self.width()), float(self.height())
        pivot = QPointF(w / 2.0, h - 6.0)
        radius = min(w / 2.0 - 8.0, h - 14.0)
        painter.setPen(QPen(QColor(120, 120, 130), 1.5))
        arc = QRectF(pivot.x() - radius, pivot.y() - radius, 2 * radius, 2 * radius)
        painter.drawArc(arc, int((90 - NEEDLE_SPAN_DEG) * 16), int(2 * NEEDLE_SPAN_DEG * 16))
        for cents in (-50, -25, 0, 25, 50):
            angle = math.radians(90.0 - cents / 50.0 * NEEDLE_SPAN_DEG)
            outer = QPointF(pivot.x() + radius * math.cos(angle), pivot.y() - radius * math.sin(angle))
            inner = QPointF(pivot.x() + (radius - 8) * math.cos(angle), pivot.y() - (radius - 8) * math.sin(angle))
            painter.drawLine(inner, outer)
        if self.cents is not None:
            # Green only once the reading is stable: a passing swing through zero is not "in tune".
            in_tune = self.stable and abs(self.cents) <= IN_TUNE_CENTS
            painter.setPen(QPen(QColor(70, 210, 100) if in_tune else QColor(240, 170, 40), 3.0))
            angle = math.radians(90.0 - max(-50.0, min(50.0, self.cents)) / 50.0 * NEEDLE_SPAN_DEG)
            tip = QPointF(pivot.x() + (radius - 4) * math.cos(angle), pivot.y() - (radius - 4) * math.sin(angle))
            painter.drawLine(pivot, tip)
        painter.end()


class TunerPanel(QWidget):
    reference_changed = Signal(float)  # A4 in Hz, set by the user

    def __init__(self, reference_hz: float = A4_HZ, parent=None) -> None:
        super().__init__(parent)
        self.note_label = QLabel("–")
        font = QFont()
        font.setPointSize(26)
        font.setBold(True)
        self.note_label.setFont(font)
        self.note_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.needle = CentsNeedle()
        self.detail_label = QLabel("no pitch")
        self.detail_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.reference = QSpinBox()
        self.reference.setRange(int(MIN_REFERENCE_HZ), int(MAX_REFERENCE_HZ))
        self.reference.setPrefix("A4 = ")
        self.reference.setSuffix(" Hz")
        self.reference.setValue(round(reference_hz))
        self.reference.setToolTip("the reference pitch the note names and cents are measured against")
        self.reference.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.reference.valueChanged.connect(lambda value: self.reference_changed.emit(float(value)))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.note_label)
        layout.addWidget(self.needle)
        layout.addWidget(self.detail_label)
        layout.addWidget(self.reference)

    def show_reading(self, reading: TunerReading | None) -> None:
        """Show ``reading``; None or a reading with no note clears the display."""
        if reading is None or reading.note is None:
            self.note_label.setText("–")
            self.needle.set_cents(None)
            self.detail_label.setText("no pitch")
            return
        self.note_label.setText(reading.note)
        self.needle.set_cents(reading.cents, reading.stable)
        hz = f"{reading.shown_hz:.1f} Hz" if reading.voiced else "– Hz"
        self.detail_label.setText(f"{hz}  {reading.cents:+.0f} cents")
