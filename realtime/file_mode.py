"""Offline denoising of a whole file through the same StreamingDenoiser the live path uses.

The file is read in large blocks, brought to the model's rate by soxr's streaming resampler (which
compensates its own delay), denoised, and brought back. The denoiser's latency is cut from the
front and its tail flushed, so the output has the input's length, channel count and sample rate and
lines up with it sample for sample. Output goes to a temporary file beside the target and is renamed
into place only when complete: an error or an interruption never leaves half a file, and the input
is never overwritten. A new output file's mode follows the umask; an existing one keeps its mode.
An output in a format that cannot hold a sample past full scale (16- or 24-bit, lossy) goes through
the live engine's safety limit (``SafetyLimiter``) instead of clipping silently; the report counts
the samples it turned down.

Everything that can be known about the output (folder, format, rate and channels it can hold) is
checked before any audio is processed, and every failure is an ``AudioFileError`` whose message
names the file and says what to do.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr
from tqdm import tqdm

from livedenoise.models.errors import LivedenoiseError
from livedenoise.realtime.denoiser import StreamingDenoiser
from livedenoise.realtime.gate import GateSettings, NoiseGate
from livedenoise.realtime.latency import Latency
from livedenoise.realtime.limiter import SafetyLimiter
from livedenoise.realtime.output_files import new_file_mode
from livedenoise.realtime.runtimes.protocol import ModelRuntime

BLOCK_FRAMES = 1 << 16
PROGRESS_MIN_S = 30.0  # shorter files finish before a bar would help
WRITABLE_EXTENSIONS = {
    "WAV": "WAV",
    "FLAC": "FLAC",
    "OGG": "OGG",
    "OGA": "OGG",
    "OPUS": "OGG",
    "AIFF": "AIFF",
    "AIF": "AIFF",
    "MP3": "MP3",
}
OPUS_RATES_HZ = (8000, 12000, 16000, 24000, 48000)
MP3_RATES_HZ = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)
MP3_MAX_CHANNELS = 2
# Sample formats an output may copy from its input; compressed ones (MP3 in a WAV, GSM 6.10, ...) are not.
PLAIN_SUBTYPES = ("PCM_S8", "PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE")
FLOAT_SUBTYPES = ("FLOAT", "DOUBLE")  # what holds a sample past full scale; every other format gets the safety limit


class AudioFileError(LivedenoiseError, ValueError):
    """An input or output file cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class FileReport:
    input_path: Path
    output_path: Path
    sample_rate: int
    n_channels: int
    n_frames: int
    model: str
    latency: Latency
    resampled: bool
    n_sanitized_samples: int
    elapsed_s: float
    n_gate_opens: int | None = None  # None: no gate
    n_limited_samples: int | None = None  # samples the safety limit turned down; None: a float output, not limited

    @property
    def duration_s(self) -> float:
        return self.n_frames / self.sample_rate

    @property
    def real_time_factor(self) -> float:
        return self.elapsed_s / self.duration_s if self.n_frames else 0.0


class Resampler:
    """soxr streaming resampler, or a pass-through when the rates match."""

    def __init__(self, rate_in: int, rate_out: int, n_channels: int) -> None:
        self._stream = (
            None if rate_in == rate_out else soxr.ResampleStream(rate_in, rate_out, n_channels, dtype="float32")
        )

    def __call__(self, block: np.ndarray, last: bool = False) -> np.ndarray:
        """``block`` ``(samples, channels)`` -> ``(samples', channels)``."""
        if self._stream is None:
            return block
        return self._stream.resample_chunk(np.ascontiguousarray(block), last=last)


def check_input(input_path: Path):
    """Refuse an input that is not a readable audio file with frames; return its soundfile info."""
    if input_path.is_dir():
        raise AudioFileError(f"input {input_path} is a folder; give an audio file")
    if not input_path.is_file():
        raise AudioFileError(f"input file not found: {input_path}")
    try:
        info = sf.info(str(input_path))
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise AudioFileError(
            f"cannot read {input_path} as audio ({exc}); use WAV, FLAC, OGG/Vorbis, Opus or AIFF"
        ) from exc
    if info.frames == 0:
        raise AudioFileError(f"{input_path} contains no audio frames")
    return info


def check_paths(input_path: Path, output_path: Path):
    """Refuse unusable paths; return the input's soundfile info."""
    info = check_input(input_path)
    if output_path.resolve() == input_path.resolve() or (output_path.exists() and output_path.samefile(input_path)):
        raise AudioFileError(f"output path {output_path} is the input file; choose another output path")
    if output_path.is_dir():
        raise AudioFileError(f"output path {output_path} is a folder; give a file name")
    if not output_path.parent.is_dir():
        raise AudioFileError(f"output folder {output_path.parent} does not exist")
    if not os.access(output_path.parent, os.W_OK | os.X_OK):
        raise AudioFileError(f"cannot write into the output folder {output_path.parent}: permission denied")
    return info


def output_format(output_path: Path, info) -> tuple[str, str]:
    """The (format, subtype) to write ``output_path`` in, for input ``info``; refuse what cannot be written."""
    ext = output_path.suffix.lstrip(".").upper()
    fmt = WRITABLE_EXTENSIONS.get(ext)
    if fmt is None or fmt not in sf.available_formats():
        usable = ", ".join(f".{e.lower()}" for e, f in WRITABLE_EXTENSIONS.items() if f in sf.available_formats())
        raise AudioFileError(
            f"cannot write {output_path.suffix or 'extension-less'!r} files ({output_path}); use {usable}"
        )
    rate, n_channels = info.samplerate, info.channels
    if ext == "OPUS" and rate not in OPUS_RATES_HZ:
        raise AudioFileError(
            f"Opus stores {', '.join(f'{r // 1000}' for r in OPUS_RATES_HZ)} kHz only and the input is {rate} Hz: "
            f"write {output_path.with_suffix('.flac').name} (or .ogg) instead"
        )
    if fmt == "MP3" and (n_channels > MP3_MAX_CHANNELS or rate not in MP3_RATES_HZ):
        raise AudioFileError(
            f"MP3 holds at most {MP3_MAX_CHANNELS} channels at {', '.join(map(str, MP3_RATES_HZ))} Hz and the input "
            f"has {n_channels} at {rate} Hz: write {output_path.with_suffix('.flac').name} instead"
        )
    if ext == "OPUS":
        subtype = "OPUS"
    elif fmt == "MP3":
        subtype = "MPEG_LAYER_III"
    elif info.subtype in PLAIN_SUBTYPES and sf.check_format(fmt, info.subtype):
        subtype = info.subtype
    else:
        subtype = sf.default_subtype(fmt)
    if not sf.check_format(fmt, subtype):
        raise AudioFileError(f"libsndfile here cannot write {fmt} {subtype} ({output_path}); use .wav or .flac")
    return fmt, subtype


def read_audio(path: str | Path, sample_rate: int) -> np.ndarray:
    """A whole audio file at ``sample_rate``, ``(channels, samples)`` float32; ``AudioFileError`` if unusable."""
    path = Path(path)
    check_input(path)
    try:
        audio, file_rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, OSError) as exc:
        raise AudioFileError(f"cannot read {path} as audio ({exc}); use WAV, FLAC, OGG/Vorbis, Opus or AIFF") from exc
    if file_rate != sample_rate:
        audio = soxr.resample(audio, file_rate, sample_rate).astype(np.float32, copy=False)
    return np.ascontiguousarray(audio.T)


def read_blocks(src: sf.SoundFile, block_frames: int):
    """Blocks ``(samples, channels)``; by reads, not ``blocks()``, which needs a seekable file (GSM 6.10 is not)."""
    while True:
        block = src.read(block_frames, dtype="float32", always_2d=True)
        if not len(block):
            return
        yield block


def denoise_file(
    input_path: str | Path,
    output_path: str | Path,
    runtime: ModelRuntime,
    strength_db: float = 40.0,
    progress: bool | None = None,
    block_frames: int = BLOCK_FRAMES,
    gate: GateSettings | None = None,
) -> FileReport:
    """Denoise ``input_path`` into ``output_path``; same length, channels, rate and alignment.

    The result does not depend on ``block_frames``, the frames read at a time, sample for sample.
    ``gate``: a noise gate on the denoised signal, as the live engine runs it (at the model's rate).
    """
    input_path, output_path = Path(input_path), Path(output_path)
    info = check_paths(input_path, output_path)
    fmt, subtype = output_format(output_path, info)
    model_rate = runtime.card.sample_rate
    denoiser = StreamingDenoiser(runtime, n_channels=info.channels, strength_db=strength_db)
    noise_gate = None
    if gate is not None:
        noise_gate = NoiseGate(model_rate, denoiser.hop_samples, info.channels, denoiser.stft.n_freqs, gate)
        denoiser.hop_hook = noise_gate
    to_model = Resampler(info.samplerate, model_rate, info.channels)
    from_model = Resampler(model_rate, info.samplerate, info.channels)
    show = progress if progress is not None else info.frames / info.samplerate >= PROGRESS_MIN_S

    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{output_path.name}.", suffix=".part", dir=output_path.parent)
    except OSError as exc:
        raise AudioFileError(f"cannot create a file in {output_path.parent}: {exc.strerror}") from exc
    start_s = time.perf_counter()
    try:
        os.fchmod(fd, new_file_mode(output_path))
        os.close(fd)
        try:
            dst = sf.SoundFile(
                tmp_name, "w", samplerate=info.samplerate, channels=info.channels, format=fmt, subtype=subtype
            )
        except (sf.LibsndfileError, RuntimeError) as exc:
            raise AudioFileError(f"cannot write {output_path} as {fmt} {subtype}: {exc}") from exc
        try:
            with (
                sf.SoundFile(str(input_path)) as src,
                dst,
                tqdm(total=info.frames, unit="frame", unit_scale=True, disable=not show, desc=input_path.name) as bar,
            ):
                # an integer (or lossy) format clips what passes full scale: the safety limit keeps it under
                limiter = None if subtype in FLOAT_SUBTYPES else SafetyLimiter(info.samplerate)
                writer = _AlignedWriter(
                    dst, n_skip=denoiser.latency_samples, n_frames=info.frames, resample=from_model, limiter=limiter
                )
                for block in read_blocks(src, block_frames):
                    writer.push(denoiser.process(to_model(block).T).T)
                    bar.update(len(block))
                writer.push(denoiser.process(to_model(np.zeros((0, info.channels), np.float32), last=True).T).T)
                writer.push(denoiser.flush().T, last=True)
                writer.finish()
        except (sf.LibsndfileError, OSError) as exc:
            free_mib = shutil.disk_usage(output_path.parent).free / 2**20
            raise AudioFileError(
                f"writing {output_path} failed ({exc}; {free_mib:.0f} MiB free there: is the disk full?); "
                "nothing was written"
            ) from exc
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
        latency=Latency.of_denoiser(denoiser),
        resampled=info.samplerate != model_rate,
        n_sanitized_samples=denoiser.n_sanitized_samples,
        elapsed_s=time.perf_counter() - start_s,
        n_gate_opens=None if noise_gate is None else noise_gate.n_opens,
        n_limited_samples=None if limiter is None else limiter.n_limited_samples,
    )


class _AlignedWriter:
    """Drops the denoiser's latency at the model rate, resamples back, writes exactly ``n_frames``."""

    def __init__(
        self, dst: sf.SoundFile, n_skip: int, n_frames: int, resample: Resampler, limiter: SafetyLimiter | None = None
    ) -> None:
        self._dst = dst
        self._n_skip = n_skip
        self._n_left = n_frames
        self._resample = resample
        self._limiter = limiter

    def push(self, block: np.ndarray, last: bool = False) -> None:
        """``block`` ``(samples, channels)`` at the model rate."""
        drop = min(self._n_skip, len(block))
        self._n_skip -= drop
        out = self._resample(block[drop:], last=last)[: self._n_left]
        if self._limiter is not None and len(out):
            out = np.array(out, dtype=np.float32)  # a copy of our own to limit in place
            self._limiter.process_into(out.T)
        self._dst.write(out)
        self._n_left -= len(out)

    def finish(self) -> None:
        # Rate conversion can come up a sample or two short: pad so the length matches exactly.
        if self._n_left > 0:
            self._dst.write(np.zeros((self._n_left, self._dst.channels), dtype=np.float32))
            self._n_left = 0
