"""``livedenoise bench gui``: the frame rate the desktop app reaches while it animates.

Opens the window off screen (Qt's offscreen platform paints with the same raster engine as a desktop
window without OpenGL) on the file preview, once per model, one after the other in one run, and
counts the times the output spectrogram is actually painted in each second. The preview denoises in
the window's own process, so the figure includes that work's competition for the CPU; with the
engine process the window has less to do. ``identity`` measures the drawing alone. Prints the
per-second frame rates (median, min) and writes them as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from pathlib import Path

import numpy as np

from livedenoise.realtime import __version__
from livedenoise.realtime.cli.arg_types import positive_float
from livedenoise.realtime.cli.model_flags import add_model_arguments, model_list
from livedenoise.realtime.output_files import output_path

WARM_UP_S = 2.0


def configure(parser: argparse.ArgumentParser) -> None:
    add_model_arguments(parser, several=("identity", "default"))
    parser.add_argument("--seconds", type=positive_float, default=10.0, help="measured time per model (default 10)")
    parser.add_argument("--json", type=output_path, default=Path("bench-gui.json"), help="where to write the figures")


def measure(model: str, seconds: float, provider: str = "cpu", strength_db: float = 40.0) -> dict:
    import tempfile

    from PySide6.QtCore import QEventLoop, QTimer

    from livedenoise.realtime.gui.app import application, open_window, settings_store

    app = application(headless=True)
    with tempfile.TemporaryDirectory() as folder:
        window = open_window(
            settings_store(Path(folder) / "gui.ini"),
            {"mode": "preview", "model": model, "strength_db": strength_db},
            provider=provider,
            devices=[],
        )
        try:
            if not window.start():
                raise SystemExit(f"livedenoise bench gui: error: {window.banner.text()}")
            view = window.views["output"]
            per_second = []

            def sample() -> None:
                per_second.append(view.n_paints)

            loop = QEventLoop()
            QTimer.singleShot(int(1000 * WARM_UP_S), sample)
            ticker = QTimer()
            ticker.timeout.connect(sample)
            QTimer.singleShot(int(1000 * WARM_UP_S), lambda: ticker.start(1000))
            QTimer.singleShot(int(1000 * (WARM_UP_S + seconds)) + 50, loop.quit)
            loop.exec()
            ticker.stop()
            state = window.source.state()
        finally:
            window.close()
            app.processEvents()
    fps = np.diff(per_second)
    return {
        "model": model,
        "seconds": len(fps),
        "fps_median": float(np.median(fps)),
        "fps_min": int(fps.min()),
        "fps_per_second": [int(f) for f in fps],
        "preview_load": state.load,
        "window": [window.width(), window.height()],
    }


def run(args: argparse.Namespace) -> int:
    rows = [measure(model, args.seconds, args.provider, args.strength_db) for model in model_list(args)]
    load_1min = os.getloadavg()[0]
    print(
        f"gui frame rate, off screen, {rows[0]['window'][0]}x{rows[0]['window'][1]} window, file preview; "
        f"load average {load_1min:.1f} on {os.cpu_count()} cores"
    )
    print(f"{'model':<10} {'fps median':>10} {'fps min':>8} {'preview load':>13}")
    for row in rows:
        print(f"{row['model']:<10} {row['fps_median']:>10.1f} {row['fps_min']:>8d} {100 * row['preview_load']:>12.0f}%")
    args.json.write_text(
        json.dumps(
            {
                "version": __version__,
                "machine": platform.machine(),
                "cpu_count": os.cpu_count(),
                "load_average_1min": load_1min,
                "rows": rows,
            },
            indent=2,
        )
    )
    print(f"figures written to {args.json}")
    return 0
