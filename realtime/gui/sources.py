"""open_source: the TapSource for the window's settings."""

from __future__ import annotations

from livedenoise.realtime.gui.engine_source import EngineSource, engine_settings
from livedenoise.realtime.gui.file_preview_source import FilePreviewSource
from livedenoise.realtime.gui.gui_settings import GuiSettings
from livedenoise.realtime.gui.tap_source import TapSource


def open_source(settings: GuiSettings, provider: str = "cpu") -> TapSource:
    if settings.mode == "preview":
        return FilePreviewSource(
            settings.file_path, model=settings.model, provider=provider,
            strength_db=settings.strength_db, bypass=settings.bypass, gate=settings.gate_params(),
        )
    return EngineSource(engine_settings(settings, provider))
