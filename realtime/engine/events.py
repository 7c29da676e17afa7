"""What the engine reports: ``EngineError`` when it cannot start, ``EngineEvent`` while it runs.

Kept apart from the engine itself so that a controlling process (GUI, CLI) can use them without
importing sounddevice, whose PortAudio would connect to the audio server from that process too.
"""

from __future__ import annotations

from dataclasses import dataclass

from livedenoise.models.errors import LivedenoiseError


class EngineError(LivedenoiseError, RuntimeError):
    """The engine cannot start or run with these settings; the message says how to fix it.
    ``setting``: the ``EngineSettings`` field at fault, where one is (a command line names its flag)."""

    def __init__(self, message: str, setting: str | None = None) -> None:
        super().__init__(message)
        self.setting = setting


@dataclass(frozen=True)
class EngineEvent:
    """``kind``: "error", "crashed", "device_lost" or "model_switched"; ``message`` says what happened."""

    kind: str
    message: str
    time_s: float = 0.0
