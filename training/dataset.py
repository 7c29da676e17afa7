"""The training dataset: random segments of real music from one split, mixed with noise from that split.

Item ``index`` of epoch ``epoch`` is drawn from its own generator, seeded by ``(seed, epoch, index)``:
any worker, any order, any machine produces the same example, and epochs differ. Only records of
the requested split are ever opened, so no recording crosses train/validation/test.

Recordings feed the recorded noise types as ``noise_pools`` says: speech feeds babble, other
instruments are harmonic noise, every other noise category is ambience.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr
import torch
from torch.utils.data import Dataset
from tqdm import tqdm

from livedenoise.realtime.noise_print import NoisePrintError, print_from_audio
from livedenoise.training.manifest import SourceFile, read_manifest
from livedenoise.training.mixing import MixConfig, Mixture, NoiseSources, fill_segment, mix_example
from livedenoise.training.noise_pools import NoisePools
from livedenoise.training.target_features import TargetFeatures

MAX_CLEAN_TRIES = 10


def _mono(audio: np.ndarray) -> np.ndarray:
    """(frames,) or (frames, channels) -> (frames,) float32 channel mean."""
    return (audio.mean(axis=1) if audio.ndim == 2 else audio).astype(np.float32)


class FileSources:
    """Reads stretches of recordings straight from their files (partial reads, resampled with soxr)."""

    def __init__(self, data_root: str | Path, sample_rate: int) -> None:
        self.data_root = Path(data_root)
        self.sample_rate = sample_rate

    def n_samples(self, record: SourceFile) -> int:
        """Length of the recording at ``sample_rate``."""
        return int(record.duration_s * self.sample_rate)

    def read(self, record: SourceFile, start: int, n_samples: int) -> np.ndarray:
        """Samples ``start .. start + n_samples`` at ``sample_rate``, mono, zero-padded past the end.
        Shape (n_samples,)."""
        path = record.resolve(self.data_root)
        with sf.SoundFile(path) as audio_file:
            file_rate = audio_file.samplerate
            if file_rate == self.sample_rate:
                audio_file.seek(min(start, audio_file.frames))
                audio = _mono(audio_file.read(n_samples, dtype="float32", always_2d=True))
            else:
                # Start on a sample where both rates' grids coincide, so a partial read is sample-aligned
                # with decoding the whole file, and read a margin so the resampler has context at the edges.
                common = math.gcd(file_rate, self.sample_rate)
                step_out, step_in = self.sample_rate // common, file_rate // common
                aligned = start // step_out * step_out
                file_start = aligned // step_out * step_in
                read_start = max(0, file_start - step_in * math.ceil(256 / step_in))
                n_wanted = int(np.ceil((n_samples + start - aligned) * file_rate / self.sample_rate))
                n_read = n_wanted + 2 * (file_start - read_start) + 512
                audio_file.seek(min(read_start, audio_file.frames))
                raw = _mono(audio_file.read(n_read, dtype="float32", always_2d=True))
                resampled = soxr.resample(raw, file_rate, self.sample_rate) if raw.size else raw
                skip = (file_start - read_start) // step_in * step_out + start - aligned
                audio = resampled[skip : skip + n_samples]
        return np.pad(audio, (0, n_samples - audio.size)) if audio.size < n_samples else audio


class CachedSources(FileSources):
    """Decodes each recording once to float32 mono at ``sample_rate`` in a ``.npy`` cache, then reads
    segments from a memory map: no decoding per item, which matters for Ogg/Opus files."""

    def __init__(self, data_root: str | Path, sample_rate: int, cache_dir: str | Path | None = None) -> None:
        super().__init__(data_root, sample_rate)
        self.cache_dir = Path(cache_dir) if cache_dir is not None else self.data_root / "cache" / f"mono{sample_rate}"
        self._maps: dict[str, np.ndarray] = {}

    def _cache_path(self, record: SourceFile) -> Path:
        return self.cache_dir / f"{record.sha256[:32]}.npy"

    def decode(self, record: SourceFile) -> np.ndarray:
        """The whole recording, decoded into the cache on first use. Shape (n_samples,), memory-mapped."""
        mapped = self._maps.get(record.sha256)
        if mapped is not None:
            return mapped
        cache_path = self._cache_path(record)
        if not cache_path.exists():
            audio, file_rate = sf.read(record.resolve(self.data_root), dtype="float32", always_2d=True)
            audio = _mono(audio)
            if file_rate != self.sample_rate:
                audio = soxr.resample(audio, file_rate, self.sample_rate)
            cache_path.parent.mkdir(parents=True, exist_ok=True)
            # Write under a unique name, then rename: data-loader workers may decode the same file at once.
            tmp = cache_path.with_suffix(f".{np.random.default_rng().integers(1 << 62)}.tmp.npy")
            np.save(tmp, np.ascontiguousarray(audio, dtype=np.float32))
            tmp.replace(cache_path)
        mapped = np.load(cache_path, mmap_mode="r")
        self._maps[record.sha256] = mapped
        return mapped

    def n_samples(self, record: SourceFile) -> int:
        return int(self.decode(record).size)

    def prepare(self, records: Sequence[SourceFile], progress: bool = False) -> None:
        """Decode ``records`` into the cache now, rather than in the first epoch's workers."""
        for record in tqdm(records, desc="decoding to cache", disable=not progress):
            self.decode(record)

    def read(self, record: SourceFile, start: int, n_samples: int) -> np.ndarray:
        audio = np.array(self.decode(record)[start : start + n_samples], dtype=np.float32)
        return np.pad(audio, (0, n_samples - audio.size)) if audio.size < n_samples else audio

    def __getstate__(self) -> dict:
        # Memory maps are reopened in each data-loader worker rather than pickled.
        return {**self.__dict__, "_maps": {}}


class MixtureDataset(Dataset):
    """Fixed-length mixtures of one split's music and noise, ``n_items`` per epoch.

    With ``cache`` (the default) every recording is decoded once to 48 kHz mono float32 under
    ``cache_dir`` (default ``<data_root>/cache``); Ogg/Opus decoding per item otherwise halves the
    items/s. ``prepare_cache()`` does it up front.

    ``__getitem__`` returns a dict of tensors: ``noisy``, ``target``, ``clean`` of shape
    (n_samples,) and ``snr_db`` (scalar); with ``target_features``, also ``target_features``: the
    dict its ``forward`` makes of the target, so the loss's target side runs in the loader's worker.
    When the mix draws prints, also ``noise_print`` ``(3, n_freqs)`` (the print's mean log power,
    spread and mean power in dB, made by the real-time ``NoisePrint`` code at ``print_stft``) and
    ``print_present`` (scalar, 0 where the example has none). ``mixture(index)`` returns the full
    ``Mixture`` with its metadata (source files, offsets, noise types, degradations, print).
    """

    def __init__(
        self,
        manifest: str | Path | Sequence[SourceFile],
        split: str,
        data_root: str | Path | None = None,
        n_items: int = 10_000,
        segment_s: float = 4.0,
        config: MixConfig = MixConfig(),
        seed: int = 0,
        epoch: int = 0,
        min_rms_dbfs: float = -45.0,
        cache: bool = True,
        cache_dir: str | Path | None = None,
        target_features: TargetFeatures | None = None,
        print_stft: tuple[int, int] = (1024, 128),
    ) -> None:
        if isinstance(manifest, (str, Path)):
            data_root = Path(manifest).parent if data_root is None else data_root
            manifest = read_manifest(manifest)
        if data_root is None:
            raise ValueError("data_root is needed when the manifest is given as records")
        records = [record for record in manifest if record.split == split]
        self.music = [record for record in records if record.kind == "music"]
        if not self.music:
            raise ValueError(f"the manifest has no music in split {split!r}")
        self.noise = [record for record in records if record.kind == "noise"]
        self.pools = NoisePools.from_records(self.music, self.noise)
        self.split = split
        self.n_items = n_items
        self.n_segment = int(round(segment_s * config.sample_rate))
        self.config = config
        self.seed = seed
        self.epoch = epoch
        self.min_rms_dbfs = min_rms_dbfs
        self.target_features = target_features
        self.print_stft = print_stft
        self.sources = (
            CachedSources(data_root, config.sample_rate, cache_dir)
            if cache
            else FileSources(data_root, config.sample_rate)
        )
        durations = np.array([record.duration_s for record in self.music])
        self._music_probs = durations / durations.sum()  # every second of music equally likely

    def __len__(self) -> int:
        return self.n_items

    def prepare_cache(self, progress: bool = False) -> None:
        """Decode this split's recordings into the cache (no-op without a cache)."""
        if isinstance(self.sources, CachedSources):
            self.sources.prepare(self.music + self.noise, progress)

    def set_epoch(self, epoch: int) -> None:
        """Draw a different, reproducible set of examples (as ``DistributedSampler.set_epoch``)."""
        self.epoch = epoch

    def rng(self, index: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence([self.seed, self.epoch, index]))

    def _sampler(self, pool: Sequence[SourceFile]):
        if not pool:
            return None

        def draw_piece(n_max: int, rng: np.random.Generator) -> tuple[np.ndarray, str]:
            record = pool[int(rng.integers(len(pool)))]
            n_file = self.sources.n_samples(record)
            start = int(rng.integers(0, n_file - n_max + 1)) if n_file > n_max else 0
            return self.sources.read(record, start, min(n_max, max(n_file, 1))), record.path

        return lambda n_samples, rng: fill_segment(n_samples, rng, draw_piece, self.config.sample_rate)

    def _clean_segment(self, rng: np.random.Generator) -> tuple[np.ndarray, SourceFile, int]:
        """A random music segment louder than ``min_rms_dbfs`` (the loudest of a few tries otherwise),
        the recording it came from and where it starts."""
        best: tuple[float, np.ndarray, SourceFile, int] | None = None
        for _ in range(MAX_CLEAN_TRIES):
            record = self.music[int(rng.choice(len(self.music), p=self._music_probs))]
            n_file = self.sources.n_samples(record)
            start = int(rng.integers(0, n_file - self.n_segment + 1)) if n_file > self.n_segment else 0
            segment = self.sources.read(record, start, self.n_segment)
            rms = float(np.sqrt(np.mean(np.square(segment, dtype=np.float64))))
            rms_dbfs = 20.0 * np.log10(max(rms, 1e-12))
            if best is None or rms_dbfs > best[0]:
                best = (rms_dbfs, segment, record, start)
            if rms_dbfs >= self.min_rms_dbfs:
                break
        assert best is not None
        if best[0] <= -200.0:
            raise RuntimeError(f"{MAX_CLEAN_TRIES} music segments in split {self.split!r} were all digital silence")
        return best[1], best[2], best[3]

    def mixture(self, index: int) -> Mixture:
        if not 0 <= index < self.n_items:
            raise IndexError(f"index {index} out of range for {self.n_items} items")
        rng = self.rng(index)
        clean, record, start = self._clean_segment(rng)
        sources = NoiseSources(
            ambience=self._sampler(self.pools.ambience),
            speech=self._sampler(self.pools.speech),
            harmonic=self._sampler(self.pools.harmonic_for(record)),
        )
        mixture = mix_example(clean, sources, rng, self.config)
        mixture.metadata.update(
            index=index,
            epoch=self.epoch,
            clean_source=record.path,
            clean_start_s=start / self.config.sample_rate,
            split=self.split,
        )
        return mixture

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        mixture = self.mixture(index)
        item = {
            "noisy": torch.from_numpy(mixture.noisy),
            "target": torch.from_numpy(mixture.clean),
            "snr_db": torch.tensor(mixture.snr_db, dtype=torch.float32),
        }
        if self.target_features is not None:
            item["target_features"] = self.target_features(item["target"])
        if self.config.draws_prints:
            item["noise_print"], item["print_present"] = self._print_tensors(mixture)
        return item

    def _print_tensors(self, mixture: Mixture) -> tuple[torch.Tensor, torch.Tensor]:
        n_fft, hop_samples = self.print_stft
        n_freqs = n_fft // 2 + 1
        if mixture.print_audio is not None:
            try:
                made = print_from_audio(mixture.print_audio, self.config.sample_rate, n_fft, hop_samples)
            except NoisePrintError:  # a print of silence (a band-limited gap): the example runs blind
                made = None
            if made is not None:
                stats = np.stack([made.mean_db, made.spread_db, made.power_db])
                return torch.from_numpy(stats), torch.tensor(1.0)
        return torch.zeros(3, n_freqs), torch.tensor(0.0)
