"""ControlPanel: what to denoise, where to, with which model, how hard, the output (gain, mute, the safety
limit, recording), the noise gate, the noise print and a MIDI footswitch.

It holds no audio state: it shows a ``GuiSettings`` and emits ``changed(GuiSettings, name)`` when the
user changes one field; the window decides what that means for the running source. The print's
buttons are requests (``learn_clicked``, ``forget_clicked``): the window learns, keeps and shows it.
Mute is for the moment (``mute_toggled``), never remembered: an app that starts silent looks broken.
The MIDI port picker lists the ports there are when it opens, not before, through a child process
(``midi_port_list``: listing joins the MIDI system, on JACK as a client of the server, and a JACK client
made beside one left on a server that died crashes this process); with none it says why.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from livedenoise.realtime.cli.midi_flags import BINDING_HELP
from livedenoise.realtime.gui.gui_settings import (
    BLOCK_SIZES,
    GATE_RELEASE_RANGE_MS,
    GATE_THRESHOLD_RANGE_DB,
    OUTPUT_GAIN_RANGE_DB,
    GuiSettings,
)
from livedenoise.realtime.midi_footswitch import MidiError
from livedenoise.realtime.midi_port_list import list_input_ports
from livedenoise.realtime.runtimes.model_choice import BUILTIN_MODELS

if TYPE_CHECKING:  # importing sounddevice would make this process a client of the audio server
    from livedenoise.realtime.engine.devices import Device

MIDI_PORT_TIP = "the footswitch's MIDI input port (ALSA or JACK; a part of its name will do)"
MODE_LABELS = {
    "live": "Live: input device",
    "file": "File to the output device",
    "preview": "File preview (no audio device)",
}
MAX_STRENGTH_DB = 60
GATE_LABELS = {"off": "Off", "level": "Level", "mask": "Mask: music"}
GATE_THRESHOLD_UNITS = {"level": "dBFS", "mask": "dB"}
GATE_OPEN_STYLE = "background: #2e7d32; color: white; padding: 2px 6px; border-radius: 3px;"
GATE_SHUT_STYLE = "background: #555; color: #ddd; padding: 2px 6px; border-radius: 3px;"
DEFAULT_DEVICE_LABEL = "system default"
LEARN_LABEL = "Learn noise"
FORM_ROW_SPACING = 3
BINDING_FIELD_WIDTH = 84  # "note:60:hold" whole


class ControlPanel(QWidget):
    changed = Signal(object, str)  # (GuiSettings, name of the field that changed)
    start_stop_clicked = Signal()
    record_toggled = Signal(bool)
    mute_toggled = Signal(bool)
    learn_clicked = Signal()
    forget_clicked = Signal()

    def __init__(self, settings: GuiSettings, devices: list[Device], parent=None) -> None:
        super().__init__(parent)
        self._settings = settings
        self._updating = False
        self._running = False

        self.mode = QComboBox()
        for mode, label in MODE_LABELS.items():
            self.mode.addItem(label, mode)
        self.input_device = QComboBox()
        self.output_device = QComboBox()
        self.blocksize = QComboBox()
        for size in BLOCK_SIZES:
            self.blocksize.addItem(f"{size} samples", size)
        self.blocksize.setToolTip(
            "a larger block adds its length to the latency (the device's buffers grow with "
            "it); blocks of 256 and more step the model in the callback, each hop with a "
            "fresh mask"
        )
        self.reconnect = QCheckBox("Reconnect automatically")
        self.reconnect.setToolTip(
            "when the audio device or its server goes away, or the engine stops, wait for it to come back and resume"
        )
        self.file_path = QLineEdit()
        self.file_browse = QPushButton("…")
        self.file_browse.setToolTip("choose an audio file")
        self.model = QComboBox()
        for name in BUILTIN_MODELS:
            self.model.addItem(name, name)
        self.model_browse = QPushButton("…")
        self.model_browse.setToolTip("choose an exported .onnx model")
        self.strength = QSlider(Qt.Orientation.Horizontal)
        self.strength.setRange(0, MAX_STRENGTH_DB)
        self.strength_label = QLabel()
        self.strength_label.setMinimumWidth(44)
        self.bypass = QCheckBox("Bypass (B)")
        self.output_gain = QSlider(Qt.Orientation.Horizontal)
        self.output_gain.setRange(round(OUTPUT_GAIN_RANGE_DB[0]), round(OUTPUT_GAIN_RANGE_DB[1]))
        self.output_gain_label = QLabel()
        self.output_gain_label.setMinimumWidth(44)
        self.mute = QCheckBox("Mute (M)")
        self.mute.setToolTip("silence the output (while tuning, say); the meters and the tuner go on")
        self.limiter = QCheckBox("Safety limit")
        self.limiter.setToolTip(
            "nothing leaves above -0.1 dBFS: no latency added, the status bar counts what it turns down"
        )
        self.record = QPushButton("Record")
        self.record.setCheckable(True)
        self.record.setToolTip("write the denoised signal to a new file in the recordings folder beside the settings")
        self.show_mask = QCheckBox("Show mask")
        self.gate = QComboBox()
        for choice, label in GATE_LABELS.items():
            self.gate.addItem(label, choice)
        self.gate.setToolTip(
            "level: opens when the denoised signal is louder than the threshold; "
            "mask: opens when the model keeps more music than the threshold says, whatever the noise level"
        )
        self.gate_threshold = QSlider(Qt.Orientation.Horizontal)
        self.gate_threshold_label = QLabel()
        self.gate_threshold_label.setMinimumWidth(64)
        self.gate_release = QSlider(Qt.Orientation.Horizontal)
        self.gate_release.setRange(round(GATE_RELEASE_RANGE_MS[0]), round(GATE_RELEASE_RANGE_MS[1]))
        self.gate_release_label = QLabel()
        self.gate_release_label.setMinimumWidth(64)
        self.gate_indicator = QLabel()
        self.gate_indicator.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.learn = QPushButton(LEARN_LABEL)
        self.learn.setToolTip(
            "listen to the room alone for a few seconds (play nothing meanwhile), then remove "
            "what it heard; the print is kept for the next run"
        )
        self.forget = QPushButton("Forget")
        self.forget.setToolTip("run without a noise print")
        self.print_freeze = QRadioButton("Freeze")
        self.print_freeze.setToolTip("keep the print as it was learned")
        self.print_auto = QRadioButton("Auto")
        self.print_auto.setToolTip(
            "keep refining the print from moments that hold the room's noise alone (never from a note), within seconds"
        )
        self.print_line = QLabel()
        self.print_line.setWordWrap(True)
        self.midi_port = MidiPortPicker()
        self.midi_bypass = QLineEdit()
        self.midi_bypass.setPlaceholderText("cc:64")
        self.midi_mute = QLineEdit()
        self.midi_mute.setPlaceholderText("note:60")
        for binding in (self.midi_bypass, self.midi_mute):
            binding.setToolTip(BINDING_HELP)
            binding.setMaximumWidth(BINDING_FIELD_WIDTH)
        self.start_stop = QPushButton("Start (Space)")
        combos = (
            self.mode,
            self.input_device,
            self.output_device,
            self.blocksize,
            self.model,
            self.gate,
            self.midi_port,
        )
        for combo in combos:
            # long device names must not widen the panel: the full name is in the drop-down
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(10)
        for button in (self.file_browse, self.model_browse):
            button.setFixedWidth(32)
        self.set_devices(devices)

        source_box = QGroupBox("Source")
        source_form = _form(source_box)
        source_form.addRow("Mode", self.mode)
        source_form.addRow("Input", self.input_device)
        source_form.addRow("Output", self.output_device)
        source_form.addRow("Block", self.blocksize)
        source_form.addRow("File", _row(self.file_path, self.file_browse))
        source_form.addRow(self.reconnect)

        denoise_box = QGroupBox("Denoiser")
        denoise_form = _form(denoise_box)
        denoise_form.addRow("Model", _row(self.model, self.model_browse))
        denoise_form.addRow("Strength", _row(self.strength, self.strength_label))
        denoise_form.addRow(_row(self.bypass, self.show_mask, stretch_first=False))

        output_box = QGroupBox("Output")
        output_form = _form(output_box)
        output_form.addRow("Gain", _row(self.output_gain, self.output_gain_label))
        output_form.addRow(_row(self.mute, self.limiter, self.record, stretch_first=False))

        gate_box = QGroupBox("Noise gate")
        gate_form = _form(gate_box)
        gate_form.addRow("Gate", _row(self.gate, self.gate_indicator))
        gate_form.addRow("Threshold", _row(self.gate_threshold, self.gate_threshold_label))
        gate_form.addRow("Release", _row(self.gate_release, self.gate_release_label))

        print_box = QGroupBox("Noise print")
        print_form = _form(print_box)
        print_form.addRow(_row(self.learn, self.forget))
        print_form.addRow("Print", _row(self.print_freeze, self.print_auto, stretch_first=False))
        print_form.addRow(self.print_line)

        midi_box = QGroupBox("MIDI footswitch")
        midi_form = _form(midi_box)
        midi_form.addRow("Port", self.midi_port)
        midi_form.addRow("Bypass", _row(self.midi_bypass, QLabel("Mute"), self.midi_mute))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(source_box)
        layout.addWidget(denoise_box)
        layout.addWidget(output_box)
        layout.addWidget(gate_box)
        layout.addWidget(print_box)
        layout.addWidget(midi_box)
        layout.addWidget(self.start_stop)
        layout.addStretch(1)

        self.show_settings(settings)
        self.mode.currentIndexChanged.connect(lambda: self._emit("mode", self.mode.currentData()))
        self.input_device.currentIndexChanged.connect(
            lambda: self._emit("input_device", self.input_device.currentData())
        )
        self.output_device.currentIndexChanged.connect(
            lambda: self._emit("output_device", self.output_device.currentData())
        )
        self.blocksize.currentIndexChanged.connect(lambda: self._emit("blocksize", self.blocksize.currentData()))
        self.file_path.editingFinished.connect(lambda: self._emit("file_path", self.file_path.text().strip()))
        self.file_browse.clicked.connect(self._browse_file)
        self.model.currentIndexChanged.connect(lambda: self._emit("model", self.model.currentData()))
        self.model_browse.clicked.connect(self._browse_model)
        self.strength.valueChanged.connect(self._strength_moved)
        self.bypass.toggled.connect(lambda on: self._emit("bypass", on))
        self.reconnect.toggled.connect(lambda on: self._emit("reconnect", on))
        self.mute.toggled.connect(self.mute_toggled)
        self.output_gain.valueChanged.connect(self._output_gain_moved)
        self.limiter.toggled.connect(lambda on: self._emit("limiter", on))
        self.record.toggled.connect(self.record_toggled)
        self.show_mask.toggled.connect(lambda on: self._emit("show_mask", on))
        self.gate.currentIndexChanged.connect(self._gate_chosen)
        self.gate_threshold.valueChanged.connect(self._gate_threshold_moved)
        self.gate_release.valueChanged.connect(self._gate_release_moved)
        self.start_stop.clicked.connect(self.start_stop_clicked)
        self.learn.clicked.connect(self.learn_clicked)
        self.forget.clicked.connect(self.forget_clicked)
        self.print_auto.toggled.connect(lambda on: self._emit("print_mode", "auto" if on else "freeze"))
        # a port picked from the list opens afresh even when it is the one named already (it may have come back)
        self.midi_port.activated.connect(lambda: self._emit("midi_port", self.midi_port.currentText().strip()))
        self.midi_port.lineEdit().editingFinished.connect(
            lambda: self._emit_text("midi_port", self.midi_port.currentText())
        )
        self.midi_bypass.editingFinished.connect(lambda: self._emit_text("midi_bypass", self.midi_bypass.text()))
        self.midi_mute.editingFinished.connect(lambda: self._emit_text("midi_mute", self.midi_mute.text()))
        self.set_learning(None)

    @property
    def settings(self) -> GuiSettings:
        return self._settings

    def set_devices(self, devices: list[Device]) -> None:
        """Fill the pickers; each entry says its host API, since one card can appear under several."""
        self._updating = True
        for combo, kind in ((self.input_device, "input"), (self.output_device, "output")):
            combo.clear()
            combo.addItem(DEFAULT_DEVICE_LABEL, "")
            for device in devices:
                n_channels = device.n_input_channels if kind == "input" else device.n_output_channels
                if n_channels > 0:
                    combo.addItem(f"{device.name} ({device.host_api})", device.name)
                    combo.setItemData(combo.count() - 1, device.describe(), Qt.ItemDataRole.ToolTipRole)
        self._updating = False

    def show_settings(self, settings: GuiSettings) -> None:
        """Show ``settings`` without emitting ``changed``."""
        self._updating = True
        self._settings = settings
        self.mode.setCurrentIndex(max(0, self.mode.findData(settings.mode)))
        for combo, name in ((self.input_device, settings.input_device), (self.output_device, settings.output_device)):
            index = combo.findData(name)
            if index < 0:  # a remembered device that is absent now: keep it visible, marked
                combo.addItem(f"{name} (not found)", name)
                index = combo.count() - 1
            combo.setCurrentIndex(index)
        self.blocksize.setCurrentIndex(max(0, self.blocksize.findData(settings.blocksize)))
        self.file_path.setText(settings.file_path)
        if self.model.findData(settings.model) < 0:
            self.model.addItem(Path(settings.model).name, settings.model)
        self.model.setCurrentIndex(self.model.findData(settings.model))
        self.strength.setValue(round(min(settings.strength_db, MAX_STRENGTH_DB)))
        self.strength_label.setText(f"{settings.strength_db:.0f} dB")
        self.bypass.setChecked(settings.bypass)
        self.reconnect.setChecked(settings.reconnect)
        self.midi_port.setEditText(settings.midi_port)
        self.midi_bypass.setText(settings.midi_bypass)
        self.midi_mute.setText(settings.midi_mute)
        self.output_gain.setValue(round(settings.output_gain_db))
        self.output_gain_label.setText(f"{settings.output_gain_db:+.0f} dB")
        self.limiter.setChecked(settings.limiter)
        self.show_mask.setChecked(settings.show_mask)
        self.gate.setCurrentIndex(max(0, self.gate.findData(settings.gate)))
        self._show_gate(settings)
        self.print_auto.setChecked(settings.print_mode == "auto")
        self.print_freeze.setChecked(settings.print_mode != "auto")
        self._show_mode(settings.mode)
        self._updating = False

    def set_running(self, running: bool) -> None:
        self.start_stop.setText("Stop (Space)" if running else "Start (Space)")
        self._running = running
        self._enable_record()
        if self.learn.text() == LEARN_LABEL:
            self.learn.setEnabled(running)

    def set_recording(self, recording: bool) -> None:
        """The Record button as the window's recorder is (without asking for a change)."""
        blocked = self.record.blockSignals(True)
        self.record.setChecked(recording)
        self.record.setText("Stop recording" if recording else "Record")
        self.record.blockSignals(blocked)
        self._enable_record()

    def _enable_record(self) -> None:
        # a take starts while the audio runs; one held open while a lost device is awaited can still end
        self.record.setEnabled(self._running or self.record.isChecked())

    def set_learning(self, seconds_left: float | None) -> None:
        """The Learn button as a countdown while the room is learned; None: ready (while running)."""
        if seconds_left is None:
            self.learn.setText(LEARN_LABEL)
            self.learn.setEnabled(self._running)
        else:
            self.learn.setText(f"Quiet… {math.ceil(seconds_left)} s" if seconds_left > 0 else "Learning…")
            self.learn.setEnabled(False)

    def show_print(self, line: str, have_print: bool) -> None:
        """The print in use (or kept, when stopped) in one line; Forget only when there is one."""
        self.print_line.setText(line)
        self.print_line.setToolTip(line)
        self.forget.setEnabled(have_print)

    def set_gate_open(self, is_open: bool | None) -> None:
        """The indicator: what the running gate does now (None: no gate running)."""
        if is_open is None:
            self.gate_indicator.setText("")
            self.gate_indicator.setStyleSheet("")
        else:
            self.gate_indicator.setText("open" if is_open else "shut")
            self.gate_indicator.setStyleSheet(GATE_OPEN_STYLE if is_open else GATE_SHUT_STYLE)

    def _show_gate(self, settings: GuiSettings) -> None:
        """The threshold slider in the chosen kind's units and range; disabled while the gate is off."""
        kind = settings.gate if settings.gate in GATE_THRESHOLD_RANGE_DB else "level"
        low, high = GATE_THRESHOLD_RANGE_DB[kind]
        threshold_db = getattr(settings, f"gate_{kind}_threshold_db")
        updating, self._updating = self._updating, True
        self.gate_threshold.setRange(round(low), round(high))
        self.gate_threshold.setValue(round(threshold_db))
        self.gate_release.setValue(round(settings.gate_release_ms))
        self._updating = updating
        self.gate_threshold_label.setText(f"{threshold_db:.0f} {GATE_THRESHOLD_UNITS[kind]}")
        self.gate_release_label.setText(f"{settings.gate_release_ms:.0f} ms")
        on = settings.gate != "off"
        self.gate_threshold.setEnabled(on)
        self.gate_release.setEnabled(on)

    def _show_mode(self, mode: str) -> None:
        self.input_device.setEnabled(mode == "live")
        self.output_device.setEnabled(mode != "preview")
        self.output_gain.setEnabled(mode != "preview")  # a preview plays nothing
        self.mute.setEnabled(mode != "preview")
        self.reconnect.setEnabled(mode != "preview")  # no device to lose
        self.limiter.setEnabled(mode != "preview")
        self.blocksize.setEnabled(mode != "preview")
        self.file_path.setEnabled(mode != "live")
        self.file_browse.setEnabled(mode != "live")

    def _emit(self, name: str, value) -> None:
        if self._updating:
            return
        self._settings = self._settings.with_changes(**{name: value})
        if name == "mode":
            self._show_mode(value)
        self.changed.emit(self._settings, name)

    def _emit_text(self, name: str, text: str) -> None:
        """A text field's new value, only when it changed (focus leaving a field says it finished too)."""
        text = text.strip()
        if text != getattr(self._settings, name):
            self._emit(name, text)

    def _gate_chosen(self) -> None:
        if self._updating:
            return
        self._settings = self._settings.with_changes(gate=self.gate.currentData())
        self._show_gate(self._settings)
        self.changed.emit(self._settings, "gate")

    def _gate_threshold_moved(self, value: int) -> None:
        kind = self._settings.gate if self._settings.gate in GATE_THRESHOLD_RANGE_DB else "level"
        self.gate_threshold_label.setText(f"{value} {GATE_THRESHOLD_UNITS[kind]}")
        self._emit(f"gate_{kind}_threshold_db", float(value))

    def _gate_release_moved(self, value: int) -> None:
        self.gate_release_label.setText(f"{value} ms")
        self._emit("gate_release_ms", float(value))

    def _output_gain_moved(self, value: int) -> None:
        self.output_gain_label.setText(f"{value:+d} dB")
        self._emit("output_gain_db", float(value))

    def _strength_moved(self, value: int) -> None:
        self.strength_label.setText(f"{value} dB")
        self._emit("strength_db", float(value))

    def _browse_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Audio file", self.file_path.text(), "Audio (*.wav *.flac *.ogg *.opus *.aif *.aiff);;All files (*)"
        )
        if path:
            self.file_path.setText(path)
            self._emit("file_path", path)

    def _browse_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Model", "", "ONNX step model (*.onnx)")
        if path:
            if self.model.findData(path) < 0:
                self.model.addItem(Path(path).name, path)
            self.model.setCurrentIndex(self.model.findData(path))


class MidiPortPicker(QComboBox):
    """An editable picker of MIDI input ports, listed afresh each time it opens (ports come and go);
    empty: no footswitch. With no port to list, a greyed entry says why. ``listed(names)`` after each
    listing that worked: the window lets go of a footswitch whose port is gone."""

    listed = Signal(list)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.lineEdit().setPlaceholderText("none")
        self.setToolTip(MIDI_PORT_TIP)

    def showPopup(self) -> None:
        text = self.currentText()
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            listing = list_input_ports()
            names, why_none = list(listing.names), listing.why_none()
        except MidiError as exc:
            listing, names, why_none = None, [], str(exc)
        finally:
            QApplication.restoreOverrideCursor()
        blocked = self.blockSignals(True)
        self.clear()
        self.addItems(["", *names])
        if not names:
            self.addItem(f"no MIDI input port: {why_none}")
            self.model().item(1).setEnabled(False)
        self.setEditText(text)
        self.blockSignals(blocked)
        self.setToolTip(MIDI_PORT_TIP if names else f"{MIDI_PORT_TIP}\nno MIDI input port: {why_none}")
        if listing is not None:
            self.listed.emit(names)
        super().showPopup()


def _form(box: QGroupBox) -> QFormLayout:
    """The group's rows, packed a little closer than the style's default: every control fits at 760 px."""
    form = QFormLayout(box)
    form.setVerticalSpacing(FORM_ROW_SPACING)
    return form


def _row(*widgets, stretch_first: bool = True) -> QWidget:
    """``widgets`` side by side: the first takes the room left, or (``stretch_first`` False) none does."""
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget, 1 if stretch_first and widget is widgets[0] else 0)
    if not stretch_first:
        layout.addStretch(1)
    return row
