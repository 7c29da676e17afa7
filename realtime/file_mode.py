"""Offline denoising of a whole file through the same StreamingDenoiser the live path uses.

The file is read in large blocks, brought to the model's rate by soxr's streaming resampler (which
compensates its own delay), denoised, and brought back. The denoiser's latency is cut from the
front and its tail flushed, so the output has the input's length, channel count and sample rate and
lines up with it sample for sample. Output goes to a temporary file beside the target and is renamed
into place only when complete: an error never leaves half a file, and the input is never overwritten.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr
from tqdm import tqdm

from livedenoise.realtime.denoiser import StreamingDenoiser
from livedenoise.realtime.runtime import ModelRuntime

BLOCK_FRAMES = 1 << 16
PROGRESS_MIN_S = 30.0  # shorter files finish before a bar would help


class AudioFileError(ValueError):
    """An input or output file cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class FileReport:
    input_path: Path
    output_path: Path
    sample_rate: int
    n_channels: int
    n_frames: int
    model: str
    latency_samples: int
    resampled: bool
    n_sanitized_samples: int
    elapsed_s: float

    @property
    def duration_s(self) -> float:
        return self.n_frames / self.sample_rate

    @property
    def real_time_factor(self) -> float:
        return self.elapsed_s / self.duration_s if self.n_frames else 0.0


class _Resampler:
    """soxr streaming resampler, or a pass-through when the rates match."""

    def __init__(self, rate_in: int, rate_out: int, n_channels: int) -> None:
        self._stream = None if rate_in == rate_out else soxr.ResampleStream(rate_in, rate_out, n_channels, dtype="float32")

    def __call__(self, block: np.ndarray, last: bool = False) -> np.ndarray:
        """``block`` ``(samples, channels)`` -> ``(samples', channels)``."""
        if self._stream is None:
            return block
        return self._stream.resample_chunk(np.ascontiguousarray(block), last=last)


def check_paths(input_path: Path, output_path: Path):
    """Refuse unusable paths; return the input's soundfile info."""
    if not input_path.is_file():
        raise AudioFileError(f"input file not found: {input_path}")
    if output_path.resolve() == input_path.resolve() or (output_path.exists() and output_path.samefile(input_path)):
        raise AudioFileError(f"output path {output_path} is the input file; choose another output path")
    if output_path.is_dir():
        raise AudioFileError(f"output path {output_path} is a folder; give a file name")
    if not output_path.parent.is_dir():
        raise AudioFileError(f"output folder {output_path.parent} does not exist")
    try:
        info = sf.info(str(input_path))
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise AudioFileError(f"cannot read {input_path} as audio ({exc}); use WAV, FLAC, OGG/Vorbis, Opus or AIFF") from exc
    if info.frames == 0:
        raise AudioFileError(f"{input_path} contains no audio frames")
    return info


def _output_format(output_path: Path, input_subtype: str) -> tuple[str, str]:
    ext = output_path.suffix.lstrip(".").upper()
    formats = sf.available_formats()
    fmt = {"OGA": "OGG", "OPUS": "OGG", "AIF": "AIFF"}.get(ext, ext)
    if fmt not in formats:
        raise AudioFileError(f"cannot write {output_path.suffix!r} files; use .wav, .flac, .ogg or .aiff")
    if ext == "OPUS":
        return fmt, "OPUS"
    subtype = input_subtype if sf.check_format(fmt, input_subtype) else sf.default_subtype(fmt)
    return fmt, subtype


def denoise_file(
    input_path: str | Path,
    output_path: str | Path,
    runtime: ModelRuntime,
    strength_db: float = 40.0,
    progress: bool | None = None,
) -> FileReport:
    """Denoise ``input_path`` into ``output_path``; same length, channels, rate and alignment."""
    input_path, output_path = Path(input_path), Path(output_path)
    info = check_paths(input_path, output_path)
    fmt, subtype = _output_format(output_path, info.subtype)
    model_rate = runtime.card.sample_rate
    denoiser = StreamingDenoiser(runtime, n_channels=info.channels, strength_db=strength_db)
    to_model = _Resampler(info.samplerate, model_rate, info.channels)
    from_model = _Resampler(model_rate, info.samplerate, info.channels)
    show = progress if progress is not None else info.frames / info.samplerate >= PROGRESS_MIN_S

    fd, tmp_name = tempfile.mkstemp(prefix=f".{output_path.name}.", suffix=".part", dir=output_path.parent)
    os.close(fd)
    start_s = time.perf_counter()
    try:
        with sf.SoundFile(str(input_path)) as src, sf.SoundFile(
            tmp_name, "w", samplerate=info.samplerate, channels=info.channels, format=fmt, subtype=subtype
        ) as dst, tqdm(total=info.frames, unit="frame", unit_scale=True, disable=not show, desc=input_path.name) as bar:
            writer = _AlignedWriter(dst, n_skip=denoiser.latency_samples, n_frames=info.frames, resample=from_model)
            for block in src.blocks(blocksize=BLOCK_FRAMES, dtype="float32", always_2d=True):
                writer.push(denoiser.process(to_model(block).T).T)
                bar.update(len(block))
            writer.push(denoiser.process(to_model(np.zeros((0, info.channels), np.float32), last=True).T).T)
            writer.push(denoiser.flush().T, last=True)
            writer.finish()
        os.replace(tmp_name, output_path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return FileReport(
        input_path=input_path,
        output_path=output_path,
        sample_rate=info.samplerate,
        n_channels=info.channels,
        n_frames=info.frames,
        model=runtime.card.name,
        latency_samples=denoiser.latency_samples,
        resampled=info.samplerate != model_rate,
        n_sanitized_samples=denoiser.n_sanitized_samples,
        elapsed_s=time.perf_counter() - start_s,
    )


class _AlignedWriter:
    """Drops the denoiser's latency at the model rate, resamples back, writes exactly ``n_frames``."""

    def __init__(self, dst: sf.SoundFile, n_skip: int, n_frames: int, resample: _Resampler) -> None:
        self._dst = dst
        self._n_skip = n_skip
        self._n_left = n_frames
        self._resample = resample

    def push(self, block: np.ndarray, last: bool = False) -> None:
        """``block`` ``(samples, channels)`` at the model rate."""
        drop = min(self._n_skip, len(block))
        self._n_skip -= drop
        out = self._resample(block[drop:], last=last)[: self._n_left]
        self._dst.write(out)
        self._n_left -= len(out)

    def finish(self) -> None:
        # Rate conversion can come up a sample or two short: pad so the length matches exactly.
        if self._n_left > 0:
            self._dst.write(np.zeros((self._n_left, self._dst.channels), dtype=np.float32))
            self._n_left = 0
