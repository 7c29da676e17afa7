"""open_source: the TapSource for the window's settings."""

from __future__ import annotations

from livedenoise.realtime.gui.engine_source import EngineSource, engine_settings
from livedenoise.realtime.gui.file_preview_source import FilePreviewSource
from livedenoise.realtime.gui.gui_settings import GuiSettings
from livedenoise.realtime.gui.tap_source import TapSource
from livedenoise.realtime.noise_print import NoisePrint


def open_source(
    settings: GuiSettings,
    provider: str = "cpu",
    noise_print: NoisePrint | None = None,
    print_made_at: float | None = None,
) -> TapSource:
    """The source for ``settings``, starting with ``noise_print`` (made at ``print_made_at``) where given."""
    if settings.mode == "preview":
        return FilePreviewSource(
            settings.file_path,
            model=settings.model,
            provider=provider,
            strength_db=settings.strength_db,
            bypass=settings.bypass,
            gate=settings.gate_params(),
            noise_print=noise_print,
            print_made_at=print_made_at,
            print_mode=settings.print_mode,
        )
    return EngineSource(engine_settings(settings, provider, noise_print, print_made_at))
