"""PortAudio started in the engine process late, and under the engine's own JACK client name.

PortAudio starts when sounddevice is imported, and its JACK back end then joins the server as an
active client (named "PortAudio" unless told otherwise) for as long as it runs: one more client the
server runs each cycle. The engine process imports it only when its model is loaded and warm, right
before it looks up its devices and opens its stream, and names the client first (PortAudio's
``PaJack_SetClientName``), so that it joins the graph once, as "livedenoise", and late.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

_client_name = None  # PortAudio keeps the pointer, not a copy: the buffer must outlive it


def start_portaudio(jack_client_name: str) -> None:
    """Start PortAudio in this process with its JACK client named ``jack_client_name``."""
    if "sounddevice" in sys.modules:  # started already: start it again under the name
        from livedenoise.realtime.engine.devices import use_jack_client_name

        use_jack_client_name(jack_client_name)
        return
    path = ctypes.util.find_library("portaudio")  # the library sounddevice opens (the same one, once loaded)
    if path is not None:
        library = ctypes.CDLL(path)
        if hasattr(library, "PaJack_SetClientName"):  # a PortAudio built with JACK
            global _client_name
            _client_name = ctypes.create_string_buffer(jack_client_name.encode())
            library.PaJack_SetClientName(_client_name)
    import sounddevice  # noqa: F401  (importing it starts PortAudio)
