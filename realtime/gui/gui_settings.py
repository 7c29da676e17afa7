"""GuiSettings: every choice the window remembers between runs, and its QSettings round trip."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from PySide6.QtCore import QSettings

from livedenoise.realtime.notes import A4_HZ, MAX_REFERENCE_HZ, MIN_REFERENCE_HZ

DEMO_CLIP = Path(__file__).resolve().parent.parent / "data" / "demo-guitar-vinyl.flac"
MODES = ("live", "file", "preview")  # input device; file to the output device; file in the window only
BLOCK_SIZES = (32, 64, 128, 256, 512, 1024)


@dataclass(frozen=True)
class GuiSettings:
    mode: str = "file"
    input_device: str = ""  # a device name; "" is the system default
    output_device: str = ""
    blocksize: int = 128
    file_path: str = str(DEMO_CLIP)
    model: str = "default"
    strength_db: float = 40.0
    bypass: bool = False
    show_mask: bool = False
    tuner_reference_hz: float = A4_HZ

    def with_changes(self, **changes) -> GuiSettings:
        return replace(self, **changes)


def load_settings(store: QSettings, defaults: GuiSettings = GuiSettings()) -> GuiSettings:
    """Stored values over ``defaults``; a value of the wrong type or out of range keeps the default."""
    values = {}
    for field in fields(GuiSettings):
        default = getattr(defaults, field.name)
        stored = store.value(field.name, default)
        try:
            if isinstance(default, bool):
                value = stored if isinstance(stored, bool) else str(stored).lower() == "true"
            else:
                value = type(default)(stored)
        except (TypeError, ValueError):
            value = default
        values[field.name] = value
    if values["mode"] not in MODES:
        values["mode"] = defaults.mode
    if values["blocksize"] not in BLOCK_SIZES:
        values["blocksize"] = defaults.blocksize
    if not values["strength_db"] >= 0.0:
        values["strength_db"] = defaults.strength_db
    if not MIN_REFERENCE_HZ <= values["tuner_reference_hz"] <= MAX_REFERENCE_HZ:
        values["tuner_reference_hz"] = defaults.tuner_reference_hz
    return GuiSettings(**values)


def save_settings(store: QSettings, settings: GuiSettings) -> None:
    for name, value in asdict(settings).items():
        store.setValue(name, value)
    store.sync()
