"""MainWindow: controls, two scrolling spectrograms (and the mask), level meters, the tuner, a status bar.

The window never runs audio. It owns one ``TapSource`` (the engine process, or the in-window file
preview) and polls it from a ``QTimer``: new spectrogram columns, levels and denoised audio each
frame, the source's state a few times a second. Faults (no device, device lost, the engine process
gone, a model that does not load) appear in a banner above the spectrograms, empty ones before
anything ran (``Banner``: a line, the whole message on request); the window keeps running and Start
tries again. The tuner's pitch tracking runs on a thread of its own (``TunerWorker``), fed the
denoised audio the window reads. The status bar shows each figure whole at 1280 px.

The window coordinates; each concern with a flow of its own is a small controller it owns, which
speaks back through signals and is handed the source when it needs it:
- ``NoisePrintFlow``: "Learn noise" (the button counts the seconds down), "Forget", the print kept
  between runs as a file beside the settings, the print in use drawn under the spectrograms and named
  in the panel; the status bar names it with its age.
- ``ReconnectFlow``: when the audio device or its server goes away, or the engine process dies, the
  banner says so with a Reconnect button; with "Reconnect automatically" it waits for the audio and
  resumes by itself, as ``run --reconnect`` does.
- ``TakeRecording``: the Record button's takes. A take is held open while the audio is away and goes
  on in the same file when a reconnect brings it back, as ``run --record`` keeps one take (the time
  away is not in it); Stop recording ends it.
- ``FootswitchConnection``: a MIDI footswitch moves the Bypass and Mute controls from this thread, as
  clicks do. It opens afresh at each start and when its port is picked, and is let go when the audio
  goes away or the port picker no longer lists its port: a JACK client of this process left on a
  server that died would crash the next one made here (the picker lists ports from a child process
  for that reason).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from livedenoise.models.stft_geometry import SAMPLE_RATE, StftConfig
from livedenoise.realtime.gui.banner import Banner, short_message
from livedenoise.realtime.gui.control_panel import ControlPanel
from livedenoise.realtime.gui.footswitch import Footswitch
from livedenoise.realtime.gui.footswitch_connection import FootswitchConnection
from livedenoise.realtime.gui.gui_settings import GuiSettings, save_settings
from livedenoise.realtime.gui.level_meter import LevelMeter
from livedenoise.realtime.gui.noise_print_flow import NoisePrintFlow
from livedenoise.realtime.gui.print_view import PrintView
from livedenoise.realtime.gui.reconnect_flow import ReconnectFlow
from livedenoise.realtime.gui.sources import open_source
from livedenoise.realtime.gui.spectrogram_view import SpectrogramView
from livedenoise.realtime.gui.take_recording import TakeRecording
from livedenoise.realtime.gui.tap_source import SourceError, SourceEvent, TapSource
from livedenoise.realtime.gui.tuner_panel import TunerPanel
from livedenoise.realtime.gui.tuner_worker import TunerWorker
from livedenoise.realtime.noise_print import NoisePrint
from livedenoise.realtime.print_status import print_status
from livedenoise.realtime.tap_recorder import TapRecorder
from livedenoise.realtime.tuner.tuner import Tuner

if TYPE_CHECKING:  # importing sounddevice would make this process a client of the audio server
    from livedenoise.realtime.engine.devices import Device

FRAME_INTERVAL_MS = 16  # ~60 fps asked for; the status bar shows what is reached
STATE_INTERVAL_S = 0.5  # each state request wakes the engine process's main thread: ask only as often as a reader reads
FPS_WINDOW_S = 1.0
SPECTRUM_LEVELS_DB = (-35.0, 55.0)  # column power, unnormalised FFT: a full-scale sine peaks near +49 dB
MASK_LEVELS_DB = (-40.0, 0.0)
TUNER_MAX_SAMPLES = 48000
PRINT_VIEW_HEIGHT = 150
PRINT_NAME_CHARS = 24
SOURCE_MESSAGE_MS = 10000  # what runs, said for a while: for good it would leave the figures no room at 1280 px


def short_print_name(info: dict | None) -> dict | None:
    """The print's state with its name cut to ``PRINT_NAME_CHARS`` (a long file name would push the figures
    off the status bar); its figures stay whole."""
    name = (info or {}).get("source")
    if not name or len(name) <= PRINT_NAME_CHARS:
        return info
    return {**info, "source": name[: PRINT_NAME_CHARS - 1] + "…"}


class MainWindow(QMainWindow):
    def __init__(self, settings: GuiSettings, store: QSettings, devices: list[Device], provider: str = "cpu") -> None:
        super().__init__()
        self.setWindowTitle("livedenoise")
        self.store = store
        self.provider = provider
        self.source: TapSource | None = None
        self.tuner_worker: TunerWorker | None = None
        self._faults: list[SourceEvent] = []  # the running source's, since it started
        self.views: dict[str, SpectrogramView] = {}
        self.print_view: PrintView | None = None
        self.fps = 0.0
        self._fps_paints = 0
        self._fps_t0 = time.monotonic()
        self._state_t = 0.0

        self.devices = devices
        self._mode_before_fallback: str | None = None
        self.controls = ControlPanel(settings, devices)
        self.controls.changed.connect(self._setting_changed)
        self.controls.start_stop_clicked.connect(self.toggle_running)
        self.controls.record_toggled.connect(self.set_recording)
        self.controls.mute_toggled.connect(self._mute_toggled)
        self.controls.learn_clicked.connect(lambda: self.learn_noise())
        self.controls.forget_clicked.connect(self.forget_print)
        self.banner = Banner()
        self.banner.reconnect_clicked.connect(self.reconnect_now)
        self.views_box = QVBoxLayout()
        self.input_meter = LevelMeter("In")
        self.output_meter = LevelMeter("Out")
        self.output_meter.setToolTip(
            "peak level of what goes to the output device, dBFS: after the output gain and the safety limit, "
            "silent while muted (a preview plays nothing: the denoised signal)"
        )
        self.tuner_panel = TunerPanel(settings.tuner_reference_hz)
        self.tuner_panel.reference_changed.connect(self._reference_changed)

        self.print_flow = NoisePrintFlow(store, lambda: self.settings, parent=self)
        self.print_flow.print_shown.connect(self._print_shown)
        self.print_flow.print_named.connect(self.controls.show_print)
        self.print_flow.learning.connect(self.controls.set_learning)
        self.print_flow.path_changed.connect(self._print_path_changed)
        self.print_flow.failed.connect(self.show_error)
        self.recording = TakeRecording(store, parent=self)
        self.recording.said.connect(self._say)
        self.recording.failed.connect(self.show_error)
        self.reconnection = ReconnectFlow(self._lost_source_opener, lambda: self.settings, self._take_name, parent=self)
        self.reconnection.lost_said.connect(self._show_lost)
        self.reconnection.resumed.connect(self._reconnected)
        self.recording.ending.connect(self.reconnection.take_ended)  # the banner stops promising the take
        self.footswitch_connection = FootswitchConnection(parent=self)
        self.footswitch_connection.switched.connect(self._footswitch_switched)
        self.footswitch_connection.said.connect(self._say)
        self.controls.midi_port.listed.connect(self.footswitch_connection.ports_listed)

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

        self.status_fields = {name: QLabel() for name in ("latency", "load", "xruns", "overloads", "print", "fps")}
        # Each field's whole text, never cut mid-figure: the latency's figures alone (the line every command
        # prints is its tooltip), and the print named short enough to leave the rest room.
        for label in self.status_fields.values():
            label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
            self.statusBar().addPermanentWidget(label)
        self._show_state(None)
        self._build_views((SAMPLE_RATE, StftConfig().hop_samples, StftConfig().n_freqs), settings.show_mask)
        self.print_flow.show_kept()

        QShortcut(QKeySequence(Qt.Key.Key_B), self, activated=lambda: self.controls.bypass.toggle())
        QShortcut(QKeySequence(Qt.Key.Key_M), self, activated=lambda: self.controls.mute.toggle())
        QShortcut(QKeySequence(Qt.Key.Key_Space), self, activated=self.toggle_running)
        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_INTERVAL_MS)
        self.timer.timeout.connect(self.tick)
        self.resize(1280, 760)
        self._show_footswitch_problem(self._open_footswitch())

    @property
    def settings(self) -> GuiSettings:
        return self.controls.settings

    @property
    def recorder(self) -> TapRecorder | None:
        """The take being written, None between takes."""
        return self.recording.recorder

    @property
    def footswitch(self) -> Footswitch | None:
        """The MIDI footswitch listened to, None when no port is."""
        return self.footswitch_connection.footswitch

    # ---- running -----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.source is not None

    def toggle_running(self) -> None:
        if self.running:
            self.stop()
        elif self.reconnecting:
            self.reconnection.try_now()  # Start while the window waits for the audio: try now
        else:
            self.start()

    def start(self, source: TapSource | None = None, keep_take: bool = False) -> bool:
        """Open ``source``, by default the one for the current settings; on failure say why in the window.
        ``keep_take``: a take held open across a lost device goes on into this source (a reconnect)."""
        self.stop(end_take=not keep_take)
        settings = self.settings
        # The footswitch afresh (let go when the audio went away, not there before, or left on a server that
        # died since), before the source: its connection is made by the time the audio runs.
        footswitch_problem = self._open_footswitch(announce=False) if settings.midi_port else None
        # An engine takes seconds to spawn and load its model: say so before the window waits on it.
        self.statusBar().showMessage("starting…")
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
        kept, made_at, print_error = self.print_flow.kept()
        try:
            if source is None:
                source = open_source(settings, provider=self.provider, noise_print=kept, print_made_at=made_at)
            source.start()
        except SourceError as exc:
            self.show_error(str(exc))
            return False
        finally:
            QApplication.restoreOverrideCursor()
        self.source = source
        self._faults = []
        self.reconnection.source_running()
        if self.recorder is not None and self.recorder.sample_rate != source.sample_rate:
            self.set_recording(False)  # a take has one rate
        self._build_views((source.sample_rate, source.hop_samples, source.n_freqs), settings.show_mask)
        self.tuner_worker = TunerWorker(Tuner(source.sample_rate, reference_hz=settings.tuner_reference_hz))
        self.tuner_panel.show_reading(None)
        self.banner.hide()
        self.statusBar().showMessage(source.description, SOURCE_MESSAGE_MS)
        self.controls.set_running(True)
        if self.controls.mute.isChecked():
            self._apply_output()
        self._show_footswitch_problem(footswitch_problem)
        self.print_flow.show(source, anew=True)
        if print_error is not None:
            self.show_error(print_error, notice=True)
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
            self.show_error(
                "no audio device found: previewing the file in this window (nothing is played)", notice=True
            )
        return started

    def stop(self, end_take: bool = True) -> None:
        """Stop the source; ``end_take`` False holds a take open (the audio went away, a reconnect may follow)."""
        self.reconnection.cancel()
        if end_take:
            self.set_recording(False)
        source, self.source = self.source, None
        self.timer.stop()
        worker, self.tuner_worker = self.tuner_worker, None
        if worker is not None:
            worker.close()
        if source is not None:
            self.print_flow.keep(source)  # the print as it is now: refined in auto mode since it was learned
            source.stop()
        self.print_flow.stop_learning()
        self.controls.set_running(False)
        self.controls.set_gate_open(None)
        self.print_flow.show_kept()

    def show_error(self, message: str, notice: bool = False) -> None:
        """``message`` in the banner above the plots: its first line, the rest behind "Details"."""
        self.reconnection.banner_replaced()
        self.banner.show_message(message, notice)
        self.statusBar().showMessage(short_message(message))

    # ---- polling -----------------------------------------------------------------------------

    def tick(self) -> None:
        source = self.source
        if source is None:
            return
        alive = source.alive  # first: events read after a death include the last words before it
        events = source.events()
        faults = [event for event in events if event.is_fault]
        if faults:
            self.show_error("\n".join(event.message for event in faults))
            self._faults += faults
            if alive:
                self._show_running_model(source)
        for event in events:
            if not event.is_fault:
                self.statusBar().showMessage(event.message, 5000)
            if event.kind == "print_learned":
                self.print_flow.learned(source)
            elif "cannot learn the room" in event.message:
                self.print_flow.stop_learning()
        if not alive:
            faults = self._faults
            self.stop(end_take=False)
            # A JACK MIDI port goes with its server, and libjack breaks the next client of this process
            # if one is left open on a server that died: closed now, opened again when the audio runs.
            self.footswitch_connection.close()
            self.reconnection.source_lost(faults)
            return
        input_db, output_db, mask_db = source.read_spectra()
        self.views["input"].push(input_db)
        self.print_view.push(input_db)
        self.print_flow.count_down()
        self.views["output"].push(output_db)
        if "mask" in self.views:
            self.views["mask"].push(mask_db)
        level_in_db, level_out_db = source.read_levels()
        self.input_meter.set_level(level_in_db)
        self.output_meter.set_level(level_out_db)
        denoised = source.read_denoised(TUNER_MAX_SAMPLES)
        self.tuner_worker.submit(denoised)
        self.recording.write(denoised)
        reading = self.tuner_worker.latest()
        if reading is not None:  # nothing new: the display stays as it is
            self.tuner_panel.show_reading(reading)
        now = time.monotonic()
        if now - self._state_t >= STATE_INTERVAL_S:
            self._state_t = now
            self._show_state(source.state())
            self.print_flow.show(source)  # the engine's print is fetched as its state is: only when it changed
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
        fields["latency"].setText("latency –" if state.latency is None else state.latency.brief())
        fields["latency"].setToolTip("" if state.latency is None else state.latency.describe())
        fields["load"].setText(f"load {100 * state.load:.0f}%")
        fields["xruns"].setText(f"xruns {state.n_xruns}")
        fields["overloads"].setText(f"overloads {state.n_overloads}, late masks {state.n_late_masks}")
        fields["fps"].setText(f"{self.fps:.0f} fps")
        fields["print"].setText(print_status(short_print_name(state.noise_print)) or "no noise print")
        fields["print"].setToolTip(print_status(state.noise_print) or "no noise print")
        self.controls.set_gate_open(state.gate_open)

    def _build_views(self, geometry: tuple[int, int, int], show_mask: bool) -> None:
        """Empty plots for ``(sample_rate, hop_samples, n_freqs)``: before a start too, under any banner."""
        for view in [*self.views.values(), *([self.print_view] if self.print_view is not None else [])]:
            self.views_box.removeWidget(view)
            view.deleteLater()
        args = geometry
        self.views = {
            "input": SpectrogramView("Input", *args, levels_db=SPECTRUM_LEVELS_DB),
            "output": SpectrogramView("Denoised output", *args, levels_db=SPECTRUM_LEVELS_DB),
            "mask": SpectrogramView("Mask (gain)", *args, levels_db=MASK_LEVELS_DB, colormap="viridis"),
        }
        for view in self.views.values():
            self.views_box.addWidget(view, 1)
        self.views["mask"].setVisible(show_mask)
        self.print_view = PrintView(*args, levels_db=SPECTRUM_LEVELS_DB)
        self.print_view.setFixedHeight(PRINT_VIEW_HEIGHT)
        self.views_box.addWidget(self.print_view)
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
        if name.startswith("midi_"):
            self._show_footswitch_problem(self._open_footswitch())
            return
        if name == "reconnect":
            if not self.running:
                self.reconnection.setting_changed(settings.reconnect)
            return
        if name == "bypass":
            self.footswitch_connection.follow("bypass", settings.bypass)
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
            elif name == "print_mode":
                self.source.set_print_mode(settings.print_mode)
            elif name in ("output_gain_db", "limiter"):
                self._apply_output()
            else:  # where the audio comes from or goes to: a new source
                self.start()
        except SourceError as exc:
            self.show_error(str(exc))
            if name == "model" and self.source is not None:
                self._show_running_model(self.source)

    def _mute_toggled(self, on: bool) -> None:
        self.footswitch_connection.follow("mute", on)
        try:
            self._apply_output()
        except SourceError as exc:
            self.show_error(str(exc))

    def _apply_output(self) -> None:
        """The output's gain (none while muted) and the safety limit, to a source that plays to a device."""
        settings = self.settings
        if self.source is not None and settings.mode != "preview":  # a preview plays nothing
            gain_db = -math.inf if self.controls.mute.isChecked() else settings.output_gain_db
            self.source.set_output(gain_db, settings.limiter)

    def _say(self, message: str, timeout_ms: int) -> None:
        self.statusBar().showMessage(message, timeout_ms)

    # ---- the audio going away (ReconnectFlow) ---------------------------------------------------

    @property
    def reconnecting(self) -> bool:
        """Whether a try to bring the lost audio back is under way (or waiting for its next turn)."""
        return self.reconnection.reconnecting

    def reconnect_now(self) -> None:
        """Try the lost audio again now: the waiting one's next try, or one try."""
        if self.reconnecting or not self.running:
            self.reconnection.try_now()

    def _lost_source_opener(self) -> Callable[[], TapSource]:
        """What a reconnect tries, with the print kept now, on the reconnector's thread."""
        kept, made_at, _ = self.print_flow.kept()
        provider = self.provider

        def open_lost_source() -> TapSource:
            # the settings as they are at each try (one reference, read whole): a device chosen meanwhile counts
            return open_source(self.controls.settings, provider=provider, noise_print=kept, print_made_at=made_at)

        return open_lost_source

    def _show_lost(self, message: str) -> None:
        self.banner.show_message(message, reconnect=True)
        self.statusBar().showMessage(short_message(message))

    def _take_name(self) -> str | None:
        return None if self.recorder is None else self.recorder.path.name

    def _reconnected(self, source: TapSource) -> None:
        if self.start(source, keep_take=True):
            self._apply_controls()  # a try that began before a control moved started with the old setting
            self.statusBar().showMessage(f"reconnected: {source.description}", SOURCE_MESSAGE_MS)

    def _apply_controls(self) -> None:
        """What the controls show now, to the running source."""
        settings, source = self.settings, self.source
        gate = settings.gate_params()
        try:
            source.set_bypass(settings.bypass)
            source.set_strength_db(settings.strength_db)
            source.set_gate(**(gate if gate is not None else {"enabled": False}))
            source.set_print_mode(settings.print_mode)
            if source.state().model != settings.model:
                source.set_model(settings.model)
            self._apply_output()
        except SourceError as exc:
            self.show_error(str(exc))

    # ---- the MIDI footswitch (FootswitchConnection) ------------------------------------------------

    def _open_footswitch(self, announce: bool = True) -> str | None:
        """Listen to the settings' MIDI port (or to none); the problem, in words for the banner, when it cannot."""
        return self.footswitch_connection.open(self.settings, self.controls.mute.isChecked(), announce)

    def _show_footswitch_problem(self, problem: str | None) -> None:
        if problem is not None:
            self.show_error(problem)

    def _footswitch_switched(self, action: str, on: bool) -> None:
        """A press: the control moves as a click moves it (the setting, the source follow)."""
        (self.controls.bypass if action == "bypass" else self.controls.mute).setChecked(on)

    # ---- recording (TakeRecording) ---------------------------------------------------------------

    def set_recording(self, on: bool) -> None:
        """Start writing the denoised signal to a new take in the recordings folder, or finish the take."""
        if on and self.source is not None:
            self.recording.begin(self.source.sample_rate)
        elif not on:
            self.recording.finish()
        self.controls.set_recording(self.recorder is not None)

    # ---- the noise print (NoisePrintFlow) --------------------------------------------------------

    def learn_noise(self, seconds: float | None = None) -> None:
        """Learn the room from the next ``seconds`` of input (the settings' when None); the Learn button counts down."""
        if self.source is None:
            return
        self.print_flow.learn(self.source, self.settings.learn_seconds if seconds is None else seconds)

    def forget_print(self) -> None:
        """Run without a print from now on; the kept one is deleted."""
        self.print_flow.forget(self.source)

    def _print_shown(self, noise_print: NoisePrint | None) -> None:
        self.print_view.show_print(noise_print)

    def _print_path_changed(self, path: str) -> None:
        self.controls.show_settings(self.settings.with_changes(noise_print_path=path))
        save_settings(self.store, self._settings_to_keep())

    def _reference_changed(self, reference_hz: float) -> None:
        self.controls.show_settings(self.settings.with_changes(tuner_reference_hz=reference_hz))
        save_settings(self.store, self._settings_to_keep())
        if self.tuner_worker is not None:
            self.tuner_worker.set_reference_hz(reference_hz)

    def _show_running_model(self, source: TapSource) -> None:
        """After a failed switch the picker shows the model that still runs."""
        model = source.state().model
        if model and model != self.settings.model:
            self.controls.show_settings(self.settings.with_changes(model=model))
            save_settings(self.store, self._settings_to_keep())

    def closeEvent(self, event) -> None:
        self.reconnection.cancel(wait=True)
        self.stop()
        self.footswitch_connection.close()
        save_settings(self.store, self._settings_to_keep())
        super().closeEvent(event)
