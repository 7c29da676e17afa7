"""TakeRecording: the window's Record button, the denoised signal written to one take after another.

A take is a FLAC file in the recordings folder beside the settings (``recordings_folder``), named for
the moment it starts (``take-YYYYmmdd-HHMMSS.flac``, ``~2`` and on when that name is taken), at the
rate of the source that feeds it; ``write`` adds what the window read from the source, on the
window's thread. The take stays open until ``finish``: a lost device leaves it open, and a reconnect
goes on writing into the same file, as ``run --record`` keeps one take.

It speaks to the window through signals only: ``said(message, timeout_ms)`` for the status bar,
``failed(message)`` for the banner, ``ending()`` once a take is no longer held (before its file is
closed), so that whatever promised the take can stop promising it.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QSettings, Signal

from livedenoise.realtime.file_mode import AudioFileError
from livedenoise.realtime.gui.gui_settings import recordings_folder
from livedenoise.realtime.tap_recorder import TapRecorder

MAX_SAME_NAME = 100  # takes started within one second: take-…~2 up to ~99
FINISHED_MESSAGE_MS = 10000


class TakeRecording(QObject):
    said = Signal(str, int)  # (message, how long the status bar shows it, ms; 0: until the next)
    failed = Signal(str)
    ending = Signal()

    def __init__(self, store: QSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self.recorder: TapRecorder | None = None  # the take being written, None between takes

    def begin(self, sample_rate: int) -> None:
        """A new take at ``sample_rate`` in the recordings folder; said in the banner when it cannot be made."""
        if self.recorder is not None:
            return
        folder = recordings_folder(self._store)
        path = folder / time.strftime("take-%Y%m%d-%H%M%S.flac")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for k in range(2, MAX_SAME_NAME):
                if not path.exists():
                    break
                path = folder / f"{path.stem.rsplit('~', 1)[0]}~{k}.flac"
            self.recorder = TapRecorder(path, sample_rate)
        except (OSError, AudioFileError) as exc:
            self.failed.emit(f"cannot record in {folder}: {exc}")
        else:
            self.said.emit(f"recording to {path}", 0)

    def write(self, denoised) -> None:
        """The denoised audio the window just read, ``(samples,)``, onto the take (none: nothing happens)."""
        if self.recorder is not None:
            self.recorder.write(denoised)

    def finish(self) -> None:
        """Close the take being written, saying how long it is (nothing when none is)."""
        recorder, self.recorder = self.recorder, None
        if recorder is None:
            return
        self.ending.emit()
        try:
            recorder.close()
            self.said.emit(f"recorded {recorder.seconds:.1f} s to {recorder.path}", FINISHED_MESSAGE_MS)
        except OSError as exc:
            self.failed.emit(f"cannot finish the recording {recorder.path}: {exc}")
