"""What `--help` and the README say of `dsp` and a held note: blind, it takes the note for noise after its
window (35-40 dB down after 3 s); with a print of the noise, it keeps the note."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from livedenoise.realtime.denoiser import StreamingDenoiser
from livedenoise.realtime.noise_print import print_from_audio
from livedenoise.realtime.runtimes.model_choice import open_runtime, with_noise_print

LIVEDENOISE = str(Path(sys.executable).parent / "livedenoise")
RATE = 48000


def note_level_db(noise_print) -> tuple[float, float]:
    """The held A3's level (dB against the note) in its first second and after 3 s, through `dsp`: the room
    alone for a second, then the note."""
    rng = np.random.default_rng(0)
    t = np.arange(5 * RATE) / RATE
    note = np.where(t >= 1.0, 0.1 * np.sin(2 * np.pi * 220.0 * t), 0.0)
    noise = 0.003 * rng.standard_normal(t.size)
    runtime = with_noise_print(open_runtime("dsp"), noise_print)
    denoiser = StreamingDenoiser(runtime, 1)
    out = np.concatenate([denoiser.process((note + noise).astype(np.float32)[None]), denoiser.flush()], axis=1)[0]
    out = out[denoiser.latency_samples : denoiser.latency_samples + t.size]

    def level(start_s: float, end_s: float) -> float:
        part = slice(int(start_s * RATE), int(end_s * RATE))
        return 10 * np.log10(np.mean(out[part] ** 2) / np.mean(note[part] ** 2))

    return level(1.3, 2.0), level(4.0, 4.5)


def test_blind_dsp_takes_a_held_note_for_noise_and_a_print_keeps_it():
    early, late = note_level_db(None)
    assert early > -3.0 and -45.0 < late < -30.0, (early, late)
    rng = np.random.default_rng(1)
    room = print_from_audio((0.003 * rng.standard_normal(3 * RATE)).astype(np.float32), source="the room")
    early, late = note_level_db(room)
    assert early > -3.0 and late > -3.0, (early, late)


def test_the_help_says_so():
    help_text = " ".join(subprocess.run([LIVEDENOISE, "run", "--help"], capture_output=True, text=True).stdout.split())
    assert "takes a note held longer than 2 s for noise, 35-40 dB down after 3 s" in help_text
    assert "with --noise-print it keeps held notes" in help_text
