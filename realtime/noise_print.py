"""NoisePrint: what the room sounds like, learned from a few seconds of its noise alone.

Per bin of the model's STFT (the same analysis window and hop as the denoiser), three statistics
over the frames of the noise: the mean log power (``mean_db``), its spread (``spread_db``, the
standard deviation in dB: about 5.6 dB for steady Gaussian noise, more for noise that comes and
goes) and the log of the mean power (``power_db``: the noise PSD that a Wiener gain divides by; the
mean of the logs sits about 2.5 dB below it for Gaussian noise). Stereo like the denoiser: the
channels' mean magnitude. Musicians' tools learn noise the same way (Audacity's noise profile,
iZotope RX's Learn, noisereduce's ``y_noise``).

``PrintAccumulator`` gathers the statistics one spectrum at a time, allocating nothing, so the live
engine learns with the same code that makes a print from a file. A print is saved as a small
versioned JSON file; loading one made at another rate or STFT geometry is refused.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numba import njit

from livedenoise.models.errors import LivedenoiseError
from livedenoise.realtime.file_mode import AudioFileError, Resampler, check_input, read_blocks
from livedenoise.realtime.output_files import write_text_atomically
from livedenoise.realtime.stft import StftAnalyzer, StftConfig, dual_windows

PRINT_FORMAT = "livedenoise-noise-print"
PRINT_VERSION = 1
MIN_SECONDS = 0.5
SHORT_SECONDS = 2.0  # under this a print still works, with a warning: its spread is poorly known
SILENCE_DBFS = -110.0  # below this there is no noise to learn (digital silence, or a muted input)
POWER_FLOOR = 1e-20  # keeps log10 finite in bins a band-limited noise leaves empty


class NoisePrintError(LivedenoiseError, ValueError):
    """A print cannot be made or used: too short, silent, not audio, or another STFT geometry."""


@dataclass(frozen=True)
class NoisePrint:
    """Per-bin noise statistics in the model's STFT. Arrays are float32 ``(n_freqs,)``, in dB."""

    sample_rate: int
    n_fft: int
    hop_samples: int
    mean_db: np.ndarray
    spread_db: np.ndarray
    power_db: np.ndarray
    duration_s: float
    level_dbfs: float
    source: str = ""

    def __post_init__(self) -> None:
        n = StftConfig(self.n_fft, self.hop_samples).n_freqs
        for name in ("mean_db", "spread_db", "power_db"):
            values = np.ascontiguousarray(getattr(self, name), dtype=np.float32)
            if values.shape != (n,) or not np.all(np.isfinite(values)):
                raise NoisePrintError(
                    f"noise print: {name} must be {n} finite values, one per bin of n_fft={self.n_fft}"
                )
            object.__setattr__(self, name, values)

    @property
    def n_freqs(self) -> int:
        return self.mean_db.size

    @property
    def is_short(self) -> bool:
        return self.duration_s < SHORT_SECONDS

    @property
    def power(self) -> np.ndarray:
        """The noise PSD per bin, linear power float32 ``(n_freqs,)``, in the STFT's own scale."""
        return np.power(10.0, self.power_db / 10.0).astype(np.float32)

    def describe(self) -> str:
        """One line for a user: level, duration and where it came from."""
        origin = f" from {self.source}" if self.source else ""
        return f"noise print {self.level_dbfs:.1f} dBFS, {self.duration_s:.1f} s{origin}"

    def check_geometry(self, sample_rate: int, n_fft: int, hop_samples: int) -> None:
        """Refuse a print made for another model: its bins would not line up."""
        if (self.sample_rate, self.n_fft, self.hop_samples) != (sample_rate, n_fft, hop_samples):
            raise NoisePrintError(
                f"noise print was made at {self.sample_rate} Hz, n_fft {self.n_fft}, hop {self.hop_samples}; "
                f"the model runs at {sample_rate} Hz, n_fft {n_fft}, hop {hop_samples}: make the print again "
                "from the noise recording"
            )

    def with_gain_db(self, gain_db: float) -> NoisePrint:
        """The same print for the noise played ``gain_db`` louder."""
        return NoisePrint(
            self.sample_rate,
            self.n_fft,
            self.hop_samples,
            self.mean_db + gain_db,
            self.spread_db,
            self.power_db + gain_db,
            self.duration_s,
            self.level_dbfs + gain_db,
            self.source,
        )

    def to_dict(self) -> dict:
        return {
            "format": PRINT_FORMAT,
            "version": PRINT_VERSION,
            "sample_rate": self.sample_rate,
            "n_fft": self.n_fft,
            "hop_samples": self.hop_samples,
            "duration_s": round(self.duration_s, 4),
            "level_dbfs": round(self.level_dbfs, 3),
            "source": self.source,
            "mean_db": [round(float(v), 3) for v in self.mean_db],
            "spread_db": [round(float(v), 3) for v in self.spread_db],
            "power_db": [round(float(v), 3) for v in self.power_db],
        }

    @classmethod
    def from_dict(cls, data: dict) -> NoisePrint:
        if data.get("format") != PRINT_FORMAT:
            raise NoisePrintError("not a livedenoise noise print")
        if data.get("version") != PRINT_VERSION:
            raise NoisePrintError(f"noise print version {data.get('version')} is not {PRINT_VERSION}: make it again")
        try:
            return cls(
                int(data["sample_rate"]),
                int(data["n_fft"]),
                int(data["hop_samples"]),
                np.asarray(data["mean_db"]),
                np.asarray(data["spread_db"]),
                np.asarray(data["power_db"]),
                float(data["duration_s"]),
                float(data["level_dbfs"]),
                str(data.get("source", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, NoisePrintError):
                raise
            raise NoisePrintError(f"noise print is damaged ({exc})") from exc

    def save(self, path: str | Path) -> None:
        """Write the print to ``path`` atomically (a temporary file renamed into place)."""
        path = Path(path)
        if not path.parent.is_dir():
            raise NoisePrintError(f"cannot save the noise print: folder {path.parent} does not exist")
        write_text_atomically(path, json.dumps(self.to_dict()))

    @classmethod
    def load(cls, path: str | Path) -> NoisePrint:
        try:
            text = Path(path).read_text()
        except (OSError, UnicodeDecodeError) as exc:
            raise NoisePrintError(f"cannot read noise print {path}: {exc}") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise NoisePrintError(f"{path} is not a livedenoise noise print") from exc
        if not isinstance(data, dict):
            raise NoisePrintError(f"{path} is not a livedenoise noise print")
        return cls.from_dict(data)


@njit(cache=True, nogil=True)
def _accumulate(spec, sums, floor):
    """Add one spectrum ``(2, n_freqs)`` (real, imaginary) to ``sums`` ``(4, n_freqs)`` float64."""
    for k in range(spec.shape[1]):
        power = spec[0, k] * spec[0, k] + spec[1, k] * spec[1, k]
        db = 10.0 * math.log10(max(power, floor))
        sums[0, k] += db
        sums[1, k] += db * db
        sums[2, k] += power
    sums[3, 0] += 1.0


class PrintAccumulator:
    """Gathers a print's statistics one model-input spectrum at a time; ``add`` allocates nothing."""

    def __init__(self, sample_rate: int = 48000, n_fft: int = 1024, hop_samples: int = 128) -> None:
        self.config = StftConfig(n_fft, hop_samples)
        self.sample_rate = sample_rate
        self._sums = np.zeros((4, self.config.n_freqs), dtype=np.float64)
        window = dual_windows(n_fft, hop_samples)[0].astype(np.float64)
        # Parseval for a one-sided spectrum of a windowed frame: mean square = sum of weighted |X|^2 / (N sum w^2).
        self._bin_weights = np.full(self.config.n_freqs, 2.0)
        self._bin_weights[0] = self._bin_weights[-1] = 1.0
        self._level_scale = 1.0 / (n_fft * float(np.sum(window * window)))

    @property
    def n_frames(self) -> int:
        return int(self._sums[3, 0])

    @property
    def seconds(self) -> float:
        """The audio the frames span: one window, then a hop per further frame."""
        if not self.n_frames:
            return 0.0
        return ((self.n_frames - 1) * self.config.hop_samples + self.config.n_fft) / self.sample_rate

    def reset(self) -> None:
        self._sums.fill(0.0)

    def add(self, spec: np.ndarray) -> None:
        """``spec`` float32 ``(2, n_freqs)``: one frame of the denoiser's model input."""
        _accumulate(spec, self._sums, POWER_FLOOR)

    def to_print(self, source: str = "") -> NoisePrint:
        """The print of everything added so far; refused when too short or silent."""
        n = self.n_frames
        # a last partial hop is never analysed: audio of exactly MIN_SECONDS spans up to a hop less
        if self.seconds < MIN_SECONDS - self.config.hop_samples / self.sample_rate:
            raise NoisePrintError(
                f"{self.seconds:.3f} s of noise is too short for a noise print: give at least {MIN_SECONDS} s"
            )
        mean_power = self._sums[2] / n
        level = float(np.sum(self._bin_weights * mean_power) * self._level_scale)
        level_dbfs = 10.0 * math.log10(max(level, 1e-30))
        if level_dbfs < SILENCE_DBFS:
            how_quiet = "every sample is zero" if level == 0.0 else f"{level_dbfs:.0f} dBFS"
            raise NoisePrintError(f"the noise is digital silence ({how_quiet}): nothing to learn from it")
        mean_db = self._sums[0] / n
        spread_db = np.sqrt(np.maximum(self._sums[1] / n - mean_db * mean_db, 0.0))
        power_db = 10.0 * np.log10(np.maximum(mean_power, POWER_FLOOR))
        return NoisePrint(
            self.sample_rate,
            self.config.n_fft,
            self.config.hop_samples,
            mean_db,
            spread_db,
            power_db,
            self.seconds,
            level_dbfs,
            source,
        )


def model_input_spectra(audio: np.ndarray, n_fft: int = 1024, hop_samples: int = 128):
    """Yield the denoiser's model input ``(2, n_freqs)`` for each full frame of ``audio`` ``(channels, samples)``.

    The STFT is the denoiser's own; the frames that still hold the zeros before the signal are
    skipped, and so is a last partial hop.
    """
    config = StftConfig(n_fft, hop_samples)
    audio = np.ascontiguousarray(np.atleast_2d(audio), dtype=np.float32)
    analyzer = StftAnalyzer(config, audio.shape[0])
    spectrum = np.zeros((audio.shape[0], config.n_freqs), dtype=np.complex64)
    model_input = np.zeros((2, config.n_freqs), dtype=np.float32)
    n_fill = n_fft // hop_samples - 1
    for index in range(audio.shape[1] // hop_samples):
        analyzer.analyze_into(audio[:, index * hop_samples : (index + 1) * hop_samples], spectrum)
        if index < n_fill:
            continue
        magnitude = np.abs(spectrum).mean(axis=0)  # stereo: the channels' mean magnitude, as the denoiser
        model_input[0] = magnitude
        model_input[1] = 0.0
        yield model_input


def print_from_audio(
    audio: np.ndarray, sample_rate: int = 48000, n_fft: int = 1024, hop_samples: int = 128, source: str = ""
) -> NoisePrint:
    """A print of ``audio`` ``(channels, samples)`` or ``(samples,)``, already at the model's rate."""
    audio = np.atleast_2d(np.asarray(audio, dtype=np.float32))
    if not np.all(np.isfinite(audio)):
        raise NoisePrintError("the noise holds NaN or Inf samples: not audio")
    accumulator = PrintAccumulator(sample_rate, n_fft, hop_samples)
    for spec in model_input_spectra(audio, n_fft, hop_samples):
        accumulator.add(spec)
    return accumulator.to_print(source)


def print_from_file(
    path: str | Path,
    start_s: float | None = None,
    end_s: float | None = None,
    sample_rate: int = 48000,
    n_fft: int = 1024,
    hop_samples: int = 128,
) -> NoisePrint:
    """A print of an audio file, or of its region ``start_s``..``end_s`` (seconds), at the model's rate.

    The file is resampled as ``livedenoise file`` resamples it; the region is cut at the file's own
    rate, so ``--print-from 2:5`` equals a print of those seconds cut out by hand.
    """
    path = Path(path)
    try:
        info = check_input(path)
    except AudioFileError as exc:
        raise NoisePrintError(str(exc)) from exc
    first = 0 if start_s is None else round(start_s * info.samplerate)
    last = info.frames if end_s is None else min(info.frames, round(end_s * info.samplerate))
    if start_s is not None and (start_s < 0 or first >= info.frames):
        raise NoisePrintError(
            f"the print's region starts at {start_s:g} s, but {path} lasts {info.frames / info.samplerate:.2f} s"
        )
    if last <= first:
        raise NoisePrintError(f"the print's region {start_s or 0:g}:{end_s:g} s of {path} is empty")
    import soundfile as sf

    resample = Resampler(info.samplerate, sample_rate, info.channels)
    pieces = []
    try:
        with sf.SoundFile(str(path)) as src:
            if first:
                src.seek(first)
            remaining = last - first
            for block in read_blocks(src, min(remaining, 1 << 16)):
                block = block[:remaining]
                remaining -= len(block)
                pieces.append(resample(block, last=remaining <= 0))
                if remaining <= 0:
                    break
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise NoisePrintError(f"cannot read {path} as audio ({exc})") from exc
    audio = np.concatenate(pieces, axis=0).T if pieces else np.zeros((info.channels, 0), dtype=np.float32)
    region = "" if start_s is None and end_s is None else f" {first / info.samplerate:g}-{last / info.samplerate:g} s"
    return print_from_audio(audio, sample_rate, n_fft, hop_samples, source=f"{path.name}{region}")


def load_noise_print(
    path: str | Path, sample_rate: int = 48000, n_fft: int = 1024, hop_samples: int = 128
) -> NoisePrint:
    """``path`` is a saved print or a recording of the noise alone; either way, a print for this geometry."""
    path = Path(path)
    if not path.is_file():
        raise NoisePrintError(f"noise print not found: {path}")
    with open(path, "rb") as f:
        head = f.read(64).lstrip()
    if head.startswith(b"{"):
        noise_print = NoisePrint.load(path)
    else:
        noise_print = print_from_file(path, sample_rate=sample_rate, n_fft=n_fft, hop_samples=hop_samples)
    noise_print.check_geometry(sample_rate, n_fft, hop_samples)
    return noise_print
