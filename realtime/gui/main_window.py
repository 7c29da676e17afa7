"""MainWindow: controls, two scrolling spectrograms (and the mask), level meters, the tuner, a status bar.

The window never runs audio. It owns one ``TapSource`` (the engine process, or the in-window file
preview) and polls it from a ``QTimer``: new spectrogram columns, levels and denoised audio each
frame, the source's state a few times a second. Faults (no device, device lost, the engine process
gone, a model that does not load) appear in a banner above the spectrograms; the window keeps
running and Start tries again.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication, QHBoxLayout, QLabel, QMainWindow, QSizePolicy, QSplitter, QVBoxLayout, QWidget,
)

from livedenoise.realtime.gui.control_panel import ControlPanel
from livedenoise.realtime.gui.gui_settings import GuiSettings, save_settings
from livedenoise.realtime.gui.level_meter import LevelMeter
from livedenoise.realtime.gui.sources import open_source
from livedenoise.realtime.gui.spectrogram_view import SpectrogramView
from livedenoise.realtime.gui.tap_source import SourceError, TapSource
from livedenoise.realtime.gui.tuner_panel import TunerPanel
from livedenoise.realtime.tuner.tuner import Tuner

if TYPE_CHECKING:  # importing sounddevice would make this process a client of the audio server
    from livedenoise.realtime.engine.devices import Device

FRAME_INTERVAL_MS = 16  # ~60 fps asked for; the status bar shows what is reached
STATE_INTERVAL_S = 0.5  # each state request wakes the engine process's main thread: ask only as often as a reader reads
FPS_WINDOW_S = 1.0
SPECTRUM_LEVELS_DB = (-35.0, 55.0)  # column power, unnormalised FFT: a full-scale sine peaks near +49 dB
MASK_LEVELS_DB = (-40.0, 0.0)
TUNER_MAX_SAMPLES = 48000
ERROR_STYLE = "background: #7a1f1f; color: white; padding: 6px; border-radius: 3px;"
NOTICE_STYLE = "background: #2d4a6b; color: white; padding: 6px; border-radius: 3px;"


class MainWindow(QMainWindow):
    def __init__(self, settings: GuiSettings, store: QSettings, devices: list[Device], provider: str = "cpu") -> None:
        super().__init__()
        self.setWindowTitle("livedenoise")
        self.store = store
        self.provider = provider
        self.source: TapSource | None = None
        self.views: dict[str, SpectrogramView] = {}
        self.tuner: Tuner | None = None
        self.fps = 0.0
        self._n_faults_shown = 0
        self._fps_paints = 0
        self._fps_t0 = time.monotonic()
        self._state_t = 0.0

        self.devices = devices
        self._mode_before_fallback: str | None = None
        self.controls = ControlPanel(settings, devices)
        self.controls.changed.connect(self._setting_changed)
        self.controls.start_stop_clicked.connect(self.toggle_running)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.views_box = QVBoxLayout()
        self.input_meter = LevelMeter("In")
        self.output_meter = LevelMeter("Out")
        self.tuner_panel = TunerPanel(settings.tuner_reference_hz)
        self.tuner_panel.reference_changed.connect(self._reference_changed)

        spectra = QWidget()
        spectra_layout = QVBoxLayout(spectra)
        spectra_layout.setContentsMargins(0, 0, 0, 0)
        spectra_layout.addWidget(self.banner)
        spectra_layout.addLayout(self.views_box, 1)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        meters = QHBoxLayout()
        meters.addWidget(self.input_meter)
        meters.addWidget(self.output_meter)
        side_layout.addLayout(meters, 1)
        side_layout.addWidget(self.tuner_panel)
        side.setFixedWidth(210)
        self.controls.setFixedWidth(290)
        splitter = QSplitter()
        splitter.addWidget(self.controls)
        splitter.addWidget(spectra)
        splitter.addWidget(side)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        self.setCentralWidget(splitter)

        self.status_fields = {name: QLabel() for name in ("latency", "load", "xruns", "overloads", "fps")}
        # The latency line is the one every command prints; a narrow window cuts it rather than
        # growing for it (the tooltip holds it whole).
        self.status_fields["latency"].setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        for label in self.status_fields.values():
            self.statusBar().addPermanentWidget(label, 1 if label is self.status_fields["latency"] else 0)
        self._show_state(None)

        QShortcut(QKeySequence(Qt.Key.Key_B), self, activated=lambda: self.controls.bypass.toggle())
        QShortcut(QKeySequence(Qt.Key.Key_Space), self, activated=self.toggle_running)
        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_INTERVAL_MS)
        self.timer.timeout.connect(self.tick)
        self.resize(1280, 760)

    @property
    def settings(self) -> GuiSettings:
        return self.controls.settings

    # ---- running -----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.source is not None

    def toggle_running(self) -> None:
        if self.running:
            self.stop()
        else:
            self.start()

    def start(self, source: TapSource | None = None) -> bool:
        """Open ``source``, by default the one for the current settings; on failure say why in the window."""
        self.stop()
        settings = self.settings
        # An engine takes seconds to spawn and load its model: say so before the window waits on it.
        self.statusBar().showMessage("starting…")
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
        try:
            if source is None:
                source = open_source(settings, provider=self.provider)
            source.start()
        except SourceError as exc:
            self.show_error(str(exc))
            return False
        finally:
            QApplication.restoreOverrideCursor()
        self.source = source
        self._n_faults_shown = 0
        self._build_views(source, settings.show_mask)
        self.tuner = Tuner(source.sample_rate, reference_hz=settings.tuner_reference_hz)
        self.tuner_panel.show_reading(None)
        self.banner.hide()
        self.statusBar().showMessage(source.description)
        self.controls.set_running(True)
        self.timer.start()
        return True

    def start_or_preview(self) -> bool:
        """Start; on a machine with no audio output at all, preview the file in the window and say so."""
        settings = self.settings
        if settings.mode == "preview" or any(d.n_output_channels > 0 for d in self.devices):
            return self.start()
        self._mode_before_fallback = settings.mode
        self.controls.show_settings(settings.with_changes(mode="preview"))
        started = self.start()
        if started:
            self.show_error("no audio device found: previewing the file in this window (nothing is played)", notice=True)
        return started

    def stop(self) -> None:
        source, self.source = self.source, None
        self.timer.stop()
        if source is not None:
            source.stop()
        self.controls.set_running(False)
        self.controls.set_gate_open(None)

    def show_error(self, message: str, notice: bool = False) -> None:
        self.banner.setStyleSheet(NOTICE_STYLE if notice else ERROR_STYLE)
        self.banner.setText(message)
        self.banner.show()
        self.statusBar().showMessage(message.splitlines()[0])

    # ---- polling -----------------------------------------------------------------------------

    def tick(self) -> None:
        source = self.source
        if source is None:
            return
        alive = source.alive  # first: events read after a death include the last words before it
        events = source.events()
        faults = [event.message for event in events if event.is_fault]
        if faults:
            self.show_error("\n".join(faults))
            self._n_faults_shown += len(faults)
            if alive:
                self._show_running_model(source)
        for event in events:
            if not event.is_fault:
                self.statusBar().showMessage(event.message, 5000)
        if not alive:
            self.stop()
            if not self._n_faults_shown:  # otherwise the fault that stopped it is on show already
                self.show_error("the audio engine stopped; press Start to restart it")
            return
        input_db, output_db, mask_db = source.read_spectra()
        self.views["input"].push(input_db)
        self.views["output"].push(output_db)
        if "mask" in self.views:
            self.views["mask"].push(mask_db)
        level_in_db, level_out_db = source.read_levels()
        self.input_meter.set_level(level_in_db)
        self.output_meter.set_level(level_out_db)
        reading = self.tuner.push(source.read_denoised(TUNER_MAX_SAMPLES))
        if reading is not None:  # nothing new: the display stays as it is
            self.tuner_panel.show_reading(reading)
        now = time.monotonic()
        if now - self._state_t >= STATE_INTERVAL_S:
            self._state_t = now
            self._show_state(source.state())
        if now - self._fps_t0 >= FPS_WINDOW_S:
            paints = self.views["output"].n_paints
            self.fps = (paints - self._fps_paints) / (now - self._fps_t0)
            self._fps_paints, self._fps_t0 = paints, now

    def _show_state(self, state) -> None:
        fields = self.status_fields
        if state is None:
            for label in fields.values():
                label.setText("")
            self.controls.set_gate_open(None)
            return
        latency = "latency –" if state.latency is None else state.latency.describe()
        fields["latency"].setText(latency)
        fields["latency"].setToolTip(latency)
        fields["load"].setText(f"load {100 * state.load:.0f}%")
        fields["xruns"].setText(f"xruns {state.n_xruns}")
        fields["overloads"].setText(f"overloads {state.n_overloads}, late masks {state.n_late_masks}")
        fields["fps"].setText(f"{self.fps:.0f} fps")
        self.controls.set_gate_open(state.gate_open)

    def _build_views(self, source: TapSource, show_mask: bool) -> None:
        for view in self.views.values():
            self.views_box.removeWidget(view)
            view.deleteLater()
        args = (source.sample_rate, source.hop_samples, source.n_freqs)
        self.views = {
            "input": SpectrogramView("Input", *args, levels_db=SPECTRUM_LEVELS_DB),
            "output": SpectrogramView("Denoised output", *args, levels_db=SPECTRUM_LEVELS_DB),
            "mask": SpectrogramView("Mask (gain)", *args, levels_db=MASK_LEVELS_DB, colormap="viridis"),
        }
        for view in self.views.values():
            self.views_box.addWidget(view, 1)
        self.views["mask"].setVisible(show_mask)
        self._fps_paints = 0
        self._fps_t0 = time.monotonic()

    # ---- controls ----------------------------------------------------------------------------

    def _settings_to_keep(self) -> GuiSettings:
        # A fallback to the preview is for this run only: the next run tries the devices again.
        if self._mode_before_fallback is not None and self.settings.mode == "preview":
            return self.settings.with_changes(mode=self._mode_before_fallback)
        return self.settings

    def _setting_changed(self, settings: GuiSettings, name: str) -> None:
        if name == "mode":
            self._mode_before_fallback = None
        save_settings(self.store, self._settings_to_keep())
        if name == "show_mask":
            if "mask" in self.views:
                self.views["mask"].setVisible(settings.show_mask)
            return
        if self.source is None:
            return
        try:
            if name == "bypass":
                self.source.set_bypass(settings.bypass)
            elif name == "strength_db":
                self.source.set_strength_db(settings.strength_db)
            elif name == "model":
                self.source.set_model(settings.model)
            elif name.startswith("gate"):
                params = settings.gate_params()
                self.source.set_gate(**(params if params is not None else {"enabled": False}))
            else:  # where the audio comes from or goes to: a new source
                self.start()
        except SourceError as exc:
            self.show_error(str(exc))
            if name == "model" and self.source is not None:
                self._show_running_model(self.source)

    def _reference_changed(self, reference_hz: float) -> None:
        self.controls.show_settings(self.settings.with_changes(tuner_reference_hz=reference_hz))
        save_settings(self.store, self._settings_to_keep())
        if self.tuner is not None:
            self.tuner.reference_hz = reference_hz

    def _show_running_model(self, source: TapSource) -> None:
        """After a failed switch the picker shows the model that still runs."""
        model = source.state().model
        if model and model != self.settings.model:
            self.controls.show_settings(self.settings.with_changes(model=model))
            save_settings(self.store, self._settings_to_keep())

    def closeEvent(self, event) -> None:
        self.stop()
        save_settings(self.store, self._settings_to_keep())
        super().closeEvent(event)
