"""NoisePrintFlow: the window's noise print, learned, forgotten, kept between runs and shown.

"Learn noise" asks the running source to learn the room (``learn``; the Learn button counts the seconds
down until the source says it learned, or could not); "Forget" runs without a print from then on and
deletes the kept one when it is ours. A print is kept between runs as a file beside the settings
(``print_path``), dated when it was made, saved when it is learned and again, refined, when the source
stops (``keep``); ``kept`` loads it for the next start. The print in use is shown (``show``: drawn
against the input's spectrum and named in the panel) when it changes; while stopped, the kept one is
named with its age (``show_kept``).

It speaks to the window through signals, on the window's thread: ``print_shown(print)`` for the
print view, ``print_named(line, forgettable)`` for the panel, ``learning(seconds_left)`` for the Learn
button (None: not learning), ``path_changed(path)`` when the settings' print path is to change (the
window keeps the settings) and ``failed(message)`` for the banner. ``settings()`` is read as it is.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal

from livedenoise.models.stft_geometry import SAMPLE_RATE, StftConfig
from livedenoise.realtime.gui.gui_settings import GuiSettings, print_path
from livedenoise.realtime.gui.tap_source import SourceError, TapSource
from livedenoise.realtime.noise_print import NoisePrint, NoisePrintError, load_noise_print
from livedenoise.realtime.print_status import age_text


class NoisePrintFlow(QObject):
    print_shown = Signal(object)  # the NoisePrint in use, or None
    print_named = Signal(str, bool)  # (the line for the panel, whether there is a print to forget)
    learning = Signal(object)  # seconds left to learn, or None
    path_changed = Signal(str)  # the settings' new noise_print_path ("": none)
    failed = Signal(str)

    def __init__(self, store: QSettings, settings: Callable[[], GuiSettings], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._settings = settings
        self._shown_print: NoisePrint | None = None  # what the view and the panel show now
        self._learn_deadline: float | None = None

    def learn(self, source: TapSource, seconds: float) -> None:
        """Ask ``source`` to learn the room from its next ``seconds`` of input; the count down begins."""
        try:
            source.learn_noise_print(seconds)
        except SourceError as exc:
            self.failed.emit(str(exc))
            return
        self._learn_deadline = time.monotonic() + seconds
        self.learning.emit(seconds)

    def count_down(self) -> None:
        """The seconds left to learn, to the Learn button (each frame: nothing while not learning)."""
        if self._learn_deadline is not None:
            self.learning.emit(max(0.0, self._learn_deadline - time.monotonic()))

    def stop_learning(self) -> None:
        """The count down ends: the source learned, could not, or stopped."""
        self._learn_deadline = None
        self.learning.emit(None)

    def learned(self, source: TapSource) -> None:
        """``source`` says it learned the room: its print is kept and shown."""
        self.stop_learning()
        self.keep(source)
        self.show(source)

    def forget(self, source: TapSource | None) -> None:
        """Run without a print from now on (``source``, when one runs); the kept one is deleted."""
        if source is not None:
            try:
                source.set_noise_print(None)
            except SourceError as exc:
                self.failed.emit(str(exc))
                return
        kept = self._settings().noise_print_path
        if kept and Path(kept) == print_path(self._store):
            Path(kept).unlink(missing_ok=True)  # ours: made by this app beside its settings
        self._remember_path("")
        if source is None:
            self.show_kept()  # while running, the source's print (none, once it says so) is shown

    def kept(self) -> tuple[NoisePrint | None, float | None, str | None]:
        """The print kept from the last run: ``(print, made_at, None)``, or ``(None, None, why not)``."""
        path = self._settings().noise_print_path
        if not path:
            return None, None, None
        config = StftConfig()
        try:
            return load_noise_print(path, SAMPLE_RATE, config.n_fft, config.hop_samples), os.path.getmtime(path), None
        except (NoisePrintError, OSError) as exc:
            self._remember_path("")
            return None, None, f"the kept noise print cannot be used ({exc}); running without one"

    def keep(self, source: TapSource) -> None:
        """Save the source's print beside the settings, dated when it was made, for the next run."""
        noise_print, made_at = source.noise_print, source.noise_print_made_at
        if noise_print is None:
            return
        path = print_path(self._store)
        try:
            noise_print.save(path)
            if made_at is not None:
                os.utime(path, (made_at, made_at))
        except (NoisePrintError, OSError) as exc:
            self.failed.emit(f"cannot keep the noise print in {path}: {exc}")
            return
        self._remember_path(str(path))

    def show(self, source: TapSource, anew: bool = False) -> None:
        """The source's print in the view and the panel, when it changed (learned, refined, given, forgotten)
        or ``anew`` (a new source)."""
        noise_print = source.noise_print
        if noise_print is self._shown_print and not anew:
            return
        self._shown_print = noise_print
        self.print_shown.emit(noise_print)
        self.print_named.emit(
            "the model runs without a print"
            if noise_print is None
            else f"{noise_print.level_dbfs:.1f} dBFS, {noise_print.duration_s:.1f} s "
            f"({noise_print.source or 'unnamed'})",
            noise_print is not None,
        )

    def show_kept(self) -> None:
        """While stopped: the print the next start uses."""
        path = self._settings().noise_print_path
        try:
            kept = None if not path else NoisePrint.load(path) if path.endswith(".json") else None
            age = None if not path else age_text(time.time() - os.path.getmtime(path))
        except (NoisePrintError, OSError):
            kept, age = None, None
        if kept is not None:
            line = f"kept: {kept.level_dbfs:.1f} dBFS, {kept.duration_s:.1f} s, made {age} ago"
        else:
            line = f"kept: {Path(path).name}" if path else "none yet: learn the room"
        self.print_named.emit(line, bool(path))

    def _remember_path(self, path: str) -> None:
        if path != self._settings().noise_print_path:
            self.path_changed.emit(path)
