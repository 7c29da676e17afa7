"""Build the bundled demo clip: a real guitar recording with real vinyl hiss, both CC0.

From Debian's sonic-pi-samples: guit_em9.flac (Sub-d, freesound 46992, CC0) and
vinyl_hiss.flac (veezay, freesound 130393, CC0), mixed at 5 dB SNR, 44.1 kHz stereo so the demo
exercises the resampler too. ``python -m livedenoise.training.demo_clip SAMPLES_DIR OUT.flac``
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import soundfile as sf

SNR_DB = 5.0
DURATION_S = 8.0


def build_demo_clip(samples_dir: Path, output_path: Path) -> None:
    music, sample_rate = sf.read(samples_dir / "guit_em9.flac", dtype="float32", always_2d=True)
    hiss, hiss_rate = sf.read(samples_dir / "vinyl_hiss.flac", dtype="float32", always_2d=True)
    if hiss_rate != sample_rate:
        raise ValueError("the two samples must share a sample rate")
    n = int(DURATION_S * sample_rate)
    music = music[:n]
    hiss = np.resize(hiss.T, (hiss.shape[1], n)).T  # loop the hiss to the clip's length
    gain = np.sqrt(np.mean(music**2) / np.mean(hiss**2) / 10 ** (SNR_DB / 10))
    mix = music + gain * hiss
    mix *= 0.9 / max(1e-9, np.abs(mix).max())
    sf.write(output_path, mix, sample_rate, subtype="PCM_16")


if __name__ == "__main__":
    build_demo_clip(Path(sys.argv[1]), Path(sys.argv[2]))
