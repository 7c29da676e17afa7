"""GuiSettings: every choice the window remembers between runs, and its QSettings round trip."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from PySide6.QtCore import QSettings

from livedenoise.realtime.gate import DEFAULT_THRESHOLD_DB, GATE_KINDS, GateSettings
from livedenoise.realtime.tuner.notes import A4_HZ, MAX_REFERENCE_HZ, MIN_REFERENCE_HZ

DEMO_CLIP = Path(__file__).resolve().parent.parent / "data" / "demo-guitar-vinyl.flac"
MODES = ("live", "file", "preview")  # input device; file to the output device; file in the window only
BLOCK_SIZES = (32, 64, 128, 256, 512, 1024)
GATE_CHOICES = ("off", *GATE_KINDS)
GATE_RELEASE_RANGE_MS = (5.0, 1000.0)
# the window's threshold slider: peak dBFS for the level gate, dB kept over removed for the mask gate
GATE_THRESHOLD_RANGE_DB = {"level": (-90.0, 0.0), "mask": (-40.0, 20.0)}


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
    gate: str = "off"  # or a gate kind
    gate_level_threshold_db: float = DEFAULT_THRESHOLD_DB["level"]  # each kind keeps its own threshold
    gate_mask_threshold_db: float = DEFAULT_THRESHOLD_DB["mask"]
    gate_release_ms: float = GateSettings.release_ms
    tuner_reference_hz: float = A4_HZ

    def with_changes(self, **changes) -> GuiSettings:
        return replace(self, **changes)

    def gate_params(self) -> dict | None:
        """What the engine's gate gets for these settings; None when the gate is off."""
        if self.gate not in GATE_KINDS:
            return None
        threshold_db = self.gate_level_threshold_db if self.gate == "level" else self.gate_mask_threshold_db
        return {"kind": self.gate, "threshold_db": threshold_db, "release_ms": self.gate_release_ms}


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
    if values["gate"] not in GATE_CHOICES:
        values["gate"] = defaults.gate
    for kind, (low, high) in GATE_THRESHOLD_RANGE_DB.items():
        if not low <= values[f"gate_{kind}_threshold_db"] <= high:
            values[f"gate_{kind}_threshold_db"] = getattr(defaults, f"gate_{kind}_threshold_db")
    if not GATE_RELEASE_RANGE_MS[0] <= values["gate_release_ms"] <= GATE_RELEASE_RANGE_MS[1]:
        values["gate_release_ms"] = defaults.gate_release_ms
    if not MIN_REFERENCE_HZ <= values["tuner_reference_hz"] <= MAX_REFERENCE_HZ:
        values["tuner_reference_hz"] = defaults.tuner_reference_hz
    return GuiSettings(**values)


def save_settings(store: QSettings, settings: GuiSettings) -> None:
    for name, value in asdict(settings).items():
        store.setValue(name, value)
    store.sync()
