"""The README's picture of the app, made again: ``python -m livedenoise.bench.gui_screenshot docs/gui.png``.

The app runs as a user starts it (``livedenoise gui``), under Qt's offscreen platform, on a JACK dummy
server: the demo clip (a guitar in vinyl hiss) played through the engine to the server's output, with
the mask gate and a noise print made from the clip's last two seconds (the hiss alone), so that the
spectrograms, the meters, the tuner and the print plot all show something. The window (1280 x 760) is
grabbed once ``SHOT_AFTER_S`` have played: the start's status message is gone, the clip's second time
round has its E2 ringing. It is kept as a 256-colour PNG (Pillow, which matplotlib brings with the
bench): under half the size, the same to the eye.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

from livedenoise.bench.jack_dummy import DummyJackServer
from livedenoise.realtime.cli.demo import DEMO_CLIP

SHOT_AFTER_S = 12.5
PRINT_FROM = "6:8"  # seconds of the clip that hold the hiss alone
N_COLOURS = 256


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, help="the PNG to write (docs/gui.png)")
    args = parser.parse_args()
    livedenoise = str(Path(sys.executable).parent / "livedenoise")
    with tempfile.TemporaryDirectory(prefix="livedenoise-shot-") as folder, DummyJackServer() as server:
        work = Path(folder)
        noise_print, raw = work / "print.json", work / "gui.png"
        subprocess.run(
            [livedenoise, "print", "from-file", str(DEMO_CLIP), str(noise_print), "--from", PRINT_FROM], check=True
        )
        # the settings in a file of their own: the user's stay as they are
        gui = ["gui", "--mode", "file", "--file", str(DEMO_CLIP), "--input", "system", "--output", "system"]
        gui += ["--gate", "mask", "--noise-print", str(noise_print), "--settings", str(work / "gui.ini")]
        gui += ["--screenshot", str(raw), "--quit-after", str(SHOT_AFTER_S)]
        subprocess.run([livedenoise, *gui], check=True, env={**server.env(), "QT_QPA_PLATFORM": "offscreen"})
        with Image.open(raw) as image:
            image.quantize(colors=N_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
                args.output, optimize=True
            )
    print(f"{args.output}: {args.output.stat().st_size / 1000:.0f} kB")


if __name__ == "__main__":
    main()
