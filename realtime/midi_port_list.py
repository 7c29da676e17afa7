"""MIDI input ports listed by a short-lived child process, so that listing opens no MIDI client here.

Listing ports opens a client on each MIDI API (on JACK, a client of the server). A JACK client that a
process left open on a server that died breaks the next one the process opens once the server is back
(libjack frees the dead one's ports by number on the new server: a segfault when either closes), and
the app cannot see a server die while it runs nothing. So the app's port picker asks a child process
(``python -m livedenoise.realtime.midi_port_list``), which prints one JSON line: the ports, and for each
API with no server or sequencer here, why. A child that fails, a crash inside a MIDI library included,
is said in words (``MidiError``).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from dataclasses import dataclass

from livedenoise.realtime.midi_footswitch import MidiError, input_port_names

LIST_TIMEOUT_S = 20.0  # an interpreter and python-rtmidi start in a fraction of that on a busy machine


@dataclass(frozen=True)
class PortListing:
    names: tuple[str, ...]
    unavailable: tuple[str, ...]  # "JACK: JACK server not running?", for each API with nothing here

    def why_none(self) -> str:
        """Why no port is listed, in one line."""
        return "; ".join(self.unavailable) or "no device or program offers one"


def list_input_ports() -> PortListing:
    """The MIDI input ports there are now, listed by a child process; ``MidiError`` saying why not."""
    try:
        result = subprocess.run(
            [sys.executable, "-m", __name__], capture_output=True, text=True, timeout=LIST_TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        raise MidiError(f"listing the MIDI ports took over {LIST_TIMEOUT_S:g} s") from None
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        if result.returncode < 0:
            ended = f"ended by {signal.Signals(-result.returncode).name}"
        else:
            ended = f"exit status {result.returncode}"
        last_words = (result.stderr.strip().splitlines() or [""])[-1]
        raise MidiError(f"listing the MIDI ports failed ({ended}){': ' + last_words if last_words else ''}")
    reply = json.loads(lines[-1])
    if "error" in reply:
        raise MidiError(reply["error"])
    return PortListing(tuple(reply["names"]), tuple(reply["unavailable"]))


def main() -> None:
    unavailable: list[str] = []
    try:
        reply = {"names": input_port_names(unavailable=unavailable), "unavailable": unavailable}
    except MidiError as exc:  # MIDI is not installed: the parent says how to install it
        reply = {"error": str(exc)}
    print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
