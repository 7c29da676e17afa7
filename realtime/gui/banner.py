"""Banner: a fault or a notice above the plots, in a line or two, the whole message on request.

What goes wrong when the app starts (a model that does not load, a device that refuses) often comes
with a library's whole report (ONNX Runtime's runs to paragraphs). The banner shows the first line,
cut at a clause where it runs long, and a "Details" button opens the whole message, which can be
selected and copied. ``text()`` is always the whole message. When the audio went away, a "Reconnect"
button asks for another try at once (``reconnect_clicked``).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout

SHORT_CHARS = 160
ERROR_STYLE = "background: #7a1f1f; color: white;"
NOTICE_STYLE = "background: #2d4a6b; color: white;"


def short_message(message: str, max_chars: int = SHORT_CHARS) -> str:
    """The first line, cut where a long one turns to a library's own report (a parenthesis), else at
    the last clause (``; `` or ``: ``) that ends within ``max_chars``."""
    first = message.strip().splitlines()[0] if message.strip() else ""
    if len(first) <= max_chars:
        return first
    report = first.find(" (")
    if max_chars // 3 < report <= max_chars:
        return first[:report] + " …"
    head = first[:max_chars]
    cut = max(head.rfind("; "), head.rfind(": "))
    return (head[:cut] if cut > max_chars // 3 else head.rstrip()) + " …"


class Banner(QFrame):
    reconnect_clicked = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._message = ""
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.reconnect_button = QToolButton()
        self.reconnect_button.setText("Reconnect")
        self.reconnect_button.setToolTip("try to open the audio device again now")
        self.reconnect_button.clicked.connect(self.reconnect_clicked)
        self.reconnect_button.hide()
        self.details_button = QToolButton()
        self.details_button.setText("Details")
        self.details_button.setCheckable(True)
        self.details_button.toggled.connect(self._show_details)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.hide()
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.summary, 1)
        top.addWidget(self.reconnect_button, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.details_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addLayout(top)
        layout.addWidget(self.details)
        self.hide()

    def text(self) -> str:
        """The whole message."""
        return self._message

    def show_message(self, message: str, notice: bool = False, reconnect: bool = False) -> None:
        """``message`` in red (a fault) or blue (``notice``); ``reconnect``: with the Reconnect button."""
        self._message = message
        self.reconnect_button.setVisible(reconnect)
        self.setStyleSheet(NOTICE_STYLE if notice else ERROR_STYLE)
        self.summary.setText(short_message(message))
        self.details.setText(message)
        more = message.strip() != self.summary.text()
        self.details_button.setVisible(more)
        self.details_button.setChecked(False)
        self.details.hide()
        self.show()

    def _show_details(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.details_button.setText("Hide details" if shown else "Details")
