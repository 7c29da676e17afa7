"""Whether a take's opening seconds hold noise alone, and its print from them (``--print lead``).

Criterion, on the levels of 20 ms frames (mean power of all channels, in dB):

- steady: over the lead, the 90th minus the 10th percentile of the levels is at most
  ``MAX_SPREAD_DB`` (6 dB). Steady noise stays within about 1 dB; a note that starts, or decays
  (never learn from a decaying note), or a silence that breaks off spreads far wider;
- below the music: the loud frames of the rest of the take (its 90th percentile) stand at least
  ``MIN_MARGIN_DB`` (10 dB) above the lead's median. A take that opens with music already playing,
  or that is noise throughout, has no such step;
- the rest lasts at least ``MIN_REST_S``, so that there is something to compare with.

A lead that fails is refused with the figures that failed (``LeadNotNoise``), and so is a lead of
digital silence, which holds no noise to learn.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from livedenoise.realtime.file_mode import AudioFileError, check_input, read_blocks
from livedenoise.realtime.noise_print import NoisePrint, NoisePrintError, print_from_file

FRAME_S = 0.02
MAX_SPREAD_DB = 6.0
MIN_MARGIN_DB = 10.0
MIN_REST_S = 1.0
LEVEL_FLOOR_DB = -150.0
FRAMES_PER_READ = 4096


class LeadNotNoise(NoisePrintError):
    """A take's lead cannot be taken for noise alone; the message gives the figure that says so."""


def frame_levels_db(path: Path) -> tuple[np.ndarray, int]:
    """The level of each whole 20 ms frame of ``path`` (dB, all channels) and the frame length in samples."""
    try:
        info = check_input(path)
    except AudioFileError as exc:
        raise NoisePrintError(str(exc)) from exc
    frame = max(1, round(FRAME_S * info.samplerate))
    levels = []
    try:
        with sf.SoundFile(str(path)) as src:
            for block in read_blocks(src, frame * FRAMES_PER_READ):
                n_frames = len(block) // frame
                power = np.square(block[: n_frames * frame], dtype=np.float64).reshape(n_frames, -1).mean(axis=1)
                levels.append(10.0 * np.log10(np.maximum(power, 10.0 ** (LEVEL_FLOOR_DB / 10.0))))
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise NoisePrintError(f"cannot read {path} as audio ({exc})") from exc
    return np.concatenate(levels) if levels else np.zeros(0), frame


def judge_lead(lead_db: np.ndarray, rest_db: np.ndarray, frame_s: float = FRAME_S) -> None:
    """Raise ``LeadNotNoise`` unless frame levels ``lead_db`` look like noise alone before ``rest_db``."""
    rest_s = rest_db.size * frame_s
    if rest_s < MIN_REST_S:
        raise LeadNotNoise(f"the take lasts only {rest_s:.2f} s after its lead; {MIN_REST_S:g} s are needed to compare")
    low, high = np.percentile(lead_db, [10.0, 90.0])
    if high - low > MAX_SPREAD_DB:
        raise LeadNotNoise(
            f"its level moves by {high - low:.1f} dB (more than {MAX_SPREAD_DB:g}): "
            "a note or a change, not steady noise"
        )
    margin = float(np.percentile(rest_db, 90.0) - np.median(lead_db))
    if margin < MIN_MARGIN_DB:
        raise LeadNotNoise(
            f"the rest is only {margin:.1f} dB louder (less than {MIN_MARGIN_DB:g}): "
            "music from the start, or noise throughout"
        )


def lead_print(
    path: str | Path, lead_s: float, sample_rate: int = 48000, n_fft: int = 1024, hop_samples: int = 128
) -> NoisePrint:
    """The print of ``path``'s first ``lead_s`` seconds, if they hold noise alone; else ``LeadNotNoise``."""
    path = Path(path)
    levels_db, frame = frame_levels_db(path)
    frame_s = frame / check_input(path).samplerate
    n_lead = round(lead_s / frame_s)
    if levels_db.size <= n_lead:
        raise LeadNotNoise(f"the take lasts {levels_db.size * frame_s:.2f} s, no longer than its {lead_s:g} s lead")
    judge_lead(levels_db[:n_lead], levels_db[n_lead:], frame_s)
    try:
        return print_from_file(path, 0.0, lead_s, sample_rate, n_fft, hop_samples)
    except NoisePrintError as exc:
        raise LeadNotNoise(str(exc)) from exc
