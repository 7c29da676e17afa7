"""A MIDI pedal in a process of its own: a virtual JACK MIDI output port on the default server, sending
what the test writes to it.

A test that plays the pedal from its own process makes that process a second JACK client beside the
window's footswitch; after a server died, libjack breaks one of them whichever the app does. A pedal
in another process leaves the test's process holding only what the app opened, as a musician's would.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

READY_TIMEOUT_S = 30.0


class PedalProcess:
    """``PedalProcess()``: the port ``client_name:port`` until ``close``; ``send(status, data1, data2)``."""

    def __init__(self, port: str = "pedal", client_name: str = "test-footswitch") -> None:
        from components import require  # here: the pedal's own process runs this file without the tests' path

        require(importlib.util.find_spec("rtmidi") is not None, "python-rtmidi (pip install 'livedenoise[midi]')")
        self.process = subprocess.Popen(
            [sys.executable, __file__, client_name, port],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        ready = self.process.stdout.readline().strip()
        if ready != "ready":
            self.close()
            raise RuntimeError(f"the pedal's process did not open its port: {ready!r}")

    def send(self, *message: int) -> None:
        self.process.stdin.write(" ".join(map(str, message)) + "\n")
        self.process.stdin.flush()

    def close(self) -> None:
        """End the pedal's process (its port goes with it); again is nothing."""
        self.process.stdin.close()  # the end of its input ends it
        try:
            self.process.wait(timeout=READY_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()


def _serve(client_name: str, port: str) -> None:
    import rtmidi

    out = rtmidi.MidiOut(rtapi=rtmidi.API_UNIX_JACK, name=client_name)
    out.open_virtual_port(port)
    print("ready", flush=True)
    for line in sys.stdin:
        out.send_message([int(byte) for byte in line.split()])
    out.close_port()
    out.delete()


if __name__ == "__main__":
    _serve(*sys.argv[1:3])
