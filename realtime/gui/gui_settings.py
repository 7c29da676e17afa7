"""GuiSettings: every choice the window remembers between runs, and its QSettings round trip.

The noise print is kept as a file beside the settings (``print_path``): a print is too big for a
settings value, and as a file ``livedenoise run --noise-print`` can use it too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from PySide6.QtCore import QSettings

from livedenoise.realtime.engine.print_learner import MAX_SECONDS as MAX_LEARN_SECONDS
from livedenoise.realtime.engine.print_refiner import PRINT_MODES
from livedenoise.realtime.gate import DEFAULT_THRESHOLD_DB, GATE_KINDS, GateSettings
from livedenoise.realtime.midi_footswitch import MidiBinding, MidiError
from livedenoise.realtime.noise_print import MIN_SECONDS as MIN_LEARN_SECONDS
from livedenoise.realtime.tuner.notes import A4_HZ, MAX_REFERENCE_HZ, MIN_REFERENCE_HZ

DEMO_CLIP = Path(__file__).resolve().parent.parent / "data" / "demo-guitar-vinyl.flac"
MODES = ("live", "file", "preview")  # input device; file to the output device; file in the window only
BLOCK_SIZES = (32, 64, 128, 256, 512, 1024)
GATE_CHOICES = ("off", *GATE_KINDS)
GATE_RELEASE_RANGE_MS = (5.0, 1000.0)
# the window's threshold slider: peak dBFS for the level gate, dB kept over removed for the mask gate
GATE_THRESHOLD_RANGE_DB = {"level": (-90.0, 0.0), "mask": (-40.0, 20.0)}
OUTPUT_GAIN_RANGE_DB = (-24.0, 12.0)  # the window's output slider


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
    noise_print_path: str = ""  # the print kept between runs (an absolute path), "" for none
    print_mode: str = "freeze"  # or "auto": refined from moments of the room's noise alone
    learn_seconds: float = 3.0
    output_gain_db: float = 0.0  # the output's level, before the safety limit (devices only: a preview plays nothing)
    limiter: bool = True  # the safety limit: nothing leaves above -0.1 dBFS
    reconnect: bool = False  # when the device or its server goes away: wait for it and resume
    midi_port: str = ""  # the footswitch's MIDI input port (a name substring), "" for none
    midi_bypass: str = ""  # its bindings (``MidiBinding``: cc:64, note:60:hold...), "" for none
    midi_mute: str = ""

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
    if values["print_mode"] not in PRINT_MODES:
        values["print_mode"] = defaults.print_mode
    if not MIN_LEARN_SECONDS <= values["learn_seconds"] <= MAX_LEARN_SECONDS:
        values["learn_seconds"] = defaults.learn_seconds
    if not OUTPUT_GAIN_RANGE_DB[0] <= values["output_gain_db"] <= OUTPUT_GAIN_RANGE_DB[1]:
        values["output_gain_db"] = defaults.output_gain_db
    if values["noise_print_path"] and not Path(values["noise_print_path"]).is_absolute():
        values["noise_print_path"] = defaults.noise_print_path
    for action in ("bypass", "mute"):
        text = values[f"midi_{action}"]
        try:
            if text:
                MidiBinding.parse(action, text)
        except MidiError:
            values[f"midi_{action}"] = getattr(defaults, f"midi_{action}")
    return GuiSettings(**values)


def print_path(store: QSettings) -> Path:
    """Where the app keeps its noise print: beside the settings file, named after it, an absolute path."""
    settings_file = Path(store.fileName()).resolve()
    return settings_file.with_name(f"{settings_file.stem}.noise-print.json")


def recordings_folder(store: QSettings) -> Path:
    """Where the Record button writes its takes: a folder beside the settings file, an absolute path."""
    settings_file = Path(store.fileName()).resolve()
    return settings_file.with_name(f"{settings_file.stem}-recordings")


def save_settings(store: QSettings, settings: GuiSettings) -> None:
    for name, value in asdict(settings).items():
        store.setValue(name, value)
    store.sync()
