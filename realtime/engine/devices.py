"""Audio devices: list them, pick one by index or name substring, with errors that say what exists.

PortAudio scans its host APIs once, when it is initialised; ``rescan()`` makes it look again (a JACK
server started later, a device plugged in). Only call it while no stream is open.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

import sounddevice as sd

from livedenoise.models.errors import LivedenoiseError

_jack_client_name = None  # PortAudio keeps the pointer, not a copy: the buffer must outlive it


class DeviceError(LivedenoiseError, ValueError):
    """No device matches the user's choice, or the choice is ambiguous."""


@dataclass(frozen=True)
class Device:
    index: int
    name: str
    host_api: str
    n_input_channels: int
    n_output_channels: int
    default_sample_rate: int

    def describe(self) -> str:
        return (
            f"[{self.index}] {self.name} ({self.host_api}; {self.n_input_channels} in, "
            f"{self.n_output_channels} out; {self.default_sample_rate} Hz)"
        )


def rescan() -> None:
    """Re-initialise PortAudio so that it finds devices and servers that appeared since import."""
    sd._terminate()
    sd._initialize()


def release_portaudio() -> None:
    """Shut PortAudio down in this process, if it runs (``rescan()`` starts it again): its JACK client
    leaves the server's graph. Also before stopping a JACK server it is connected to: closing a client
    of a dead server aborts."""
    if sd._initialized:
        sd._terminate()


def abandon_portaudio() -> None:
    """Leave PortAudio as it is, never to be shut down in this process: its JACK server has gone, and
    closing a client of a dead server fails an assertion inside PortAudio that aborts the process
    (its exit handler would do that at exit). For a process about to end after such a loss."""
    sd._initialized = 0


def use_jack_client_name(name: str) -> None:
    """Name this process's JACK client ``name`` (ports ``name:in_1``...) instead of "PortAudio", so
    the server's log and the port list tell its clients apart. Only while no stream is open."""
    global _jack_client_name
    library = ctypes.CDLL(sd._libname)
    if not hasattr(library, "PaJack_SetClientName"):
        return  # a PortAudio built without JACK
    _jack_client_name = ctypes.create_string_buffer(name.encode())
    library.PaJack_SetClientName(_jack_client_name)
    rescan()


def list_devices() -> list[Device]:
    host_apis = sd.query_hostapis()
    return [
        Device(
            index=i,
            name=info["name"],
            host_api=host_apis[info["hostapi"]]["name"],
            n_input_channels=info["max_input_channels"],
            n_output_channels=info["max_output_channels"],
            default_sample_rate=int(info["default_samplerate"]),
        )
        for i, info in enumerate(sd.query_devices())
    ]


def find_device(choice: int | str | None, kind: str) -> Device:
    """The device for ``choice`` (an index, a name substring, or None for the default) of ``kind``.

    ``kind`` is ``"input"`` or ``"output"``; the device must have channels of that kind.
    """
    if kind not in ("input", "output"):
        raise ValueError(f"kind must be 'input' or 'output', got {kind!r}")
    devices = list_devices()
    if not devices:
        raise DeviceError("no audio devices found (is a sound server such as JACK running?)")
    usable = [d for d in devices if _n_channels(d, kind) > 0]
    if choice is None:
        default = sd.default.device[0 if kind == "input" else 1]
        if default is None or default < 0:
            if not usable:
                raise DeviceError(f"no {kind} device found; available:\n{_listing(devices)}")
            return usable[0]
        return devices[int(default)]
    if isinstance(choice, str) and choice.strip().lstrip("-").isdigit():
        choice = int(choice)
    if isinstance(choice, int):
        if not 0 <= choice < len(devices):
            raise DeviceError(f"no device with index {choice}; available:\n{_listing(devices)}")
        device = devices[choice]
        if _n_channels(device, kind) == 0:
            raise DeviceError(f"device {device.describe()} has no {kind} channels")
        return device
    matches = [d for d in usable if choice.lower() in d.name.lower()]
    exact = [d for d in matches if d.name.lower() == choice.lower()]
    if len(exact) == 1:
        return exact[0]
    if not matches:
        raise DeviceError(f"no {kind} device matches {choice!r}; available:\n{_listing(usable or devices)}")
    if len(matches) > 1:
        raise DeviceError(f"{choice!r} matches several {kind} devices; give an index:\n{_listing(matches)}")
    return matches[0]


def _n_channels(device: Device, kind: str) -> int:
    return device.n_input_channels if kind == "input" else device.n_output_channels


def _listing(devices: list[Device]) -> str:
    return "\n".join("  " + d.describe() for d in devices)
