"""The dev sets: fixed, seeded examples from a held-apart split of the manifest, written as WAV files.

Two sets, built alike from different splits (see ``manifest``):

- unseen sources (format 4, the headline): the ``test`` split, whose music and noise come from
  packages training and validation never touch, including noise categories held out entirely
  (fire, thunder). Its noise types are named after what the noise is (engine, wind, rain, ...;
  ``UNSEEN_NOISE_TYPES``), the stationary ones marked, so reports can say where a model stands on
  each against the DSP baseline. Format 4 adds to every example with noise a noise print and a
  lead-in of the same noise from outside the example (``devset_prints``); format 3 had neither.
- in-distribution (format 2): the ``test_seen`` split, recordings of the training sources held
  apart from training, with the mixer's own noise types.

Parts, each example with its own generator seeded by ``(seed, part, ...)``:

- ``mixture``: for every noise type and every SNR in ``SNRS_DB``, ``n_per_cell`` music segments
  mixed by ``mix_example`` with a config pinned to that one noise type and SNR. Reverb and
  band-limiting are off, so the figures measure denoising alone.
- ``clean``: music alone, for transparency (a music denoiser must leave music as it is).
- ``noise_only``: ``n_per_cell`` noises of each type alone, for attenuation: the noise part of a
  0 dB mixture (its sources list the music that set the level).
- ``tuner``: segments of labelled guitar single-note renders, noisy as above (noise types in turn),
  with their notes relative to the segment, for the tuner hit rate. Built only when the test split
  holds such renders; otherwise ``devset.json`` says why the part is missing.

Only records of the set's split are ever opened. Recordings feed the recorded noise types as in
training (``noise_pools``): speech feeds babble, other instruments are harmonic noise, every other
noise category is ambience (in the unseen set, only the categories its noise type names).

Layout: ``noisy/<id>.wav`` (the model input), ``clean/<id>.wav``, ``noise/<id>.wav``, float32 mono
at 48 kHz, and ``devset.json``: per example its id, part, files, noise type, SNR, sources with
their licences, seed, notes and the mixer's record of what it drew. With prints (format 4) also
``print/<id>.wav`` (the print's noise), ``print/<id>.json`` (its ``NoisePrint``) and
``lead_in/<id>.wav``, and per example ``print``, ``lead_in`` and ``noise_voices``: the stretches of
recordings (path, start and end seconds) and the gain of each. The same manifest, arguments and
seed give identical bytes.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.io import wavfile
from tqdm import tqdm

from livedenoise.models.stft_geometry import SAMPLE_RATE
from livedenoise.training.dataset import FileSources
from livedenoise.training.devset_prints import (
    LEAD_IN_S,
    LEAD_IN_STREAM,
    MIN_PRINT_S,
    PRINT_HOP_SAMPLES,
    PRINT_N_FFT,
    PRINT_S,
    PRINT_STREAM,
    FreshRealization,
    Piece,
    TakeMaker,
    Voice,
    audible_span,
    generated_take,
    make_print,
    noise_record,
    voice_gains,
)
from livedenoise.training.manifest import SourceFile, read_manifest
from livedenoise.training.mixing import NOISE_TYPES, RECORDED_TYPES, MixConfig, NoiseSources, fill_segment, mix_example
from livedenoise.training.noise_pools import NoisePools
from livedenoise.training.packages import HELD_OUT_CATEGORIES, SEEN_TEST_SPLIT
from livedenoise.training.render import notes_sidecar_path, read_notes_sidecar

DEVSET_FILE = "devset.json"
SNRS_DB = (-5.0, 0.0, 5.0, 10.0)
RENDER_ORIGIN_PREFIX = "fluid-soundfont-gm"
MIN_MUSIC_RMS_DBFS = -45.0
MAX_MUSIC_TRIES = 10
NOTE_LEAD_S = 0.1  # segments of note renders start this long before a note onset
MIN_NOTE_S = 0.3  # shorter notes left after cutting the segment give no settled tuner frames
PARTS = ("mixture", "clean", "noise_only", "tuner")
SUBDIRS = ("noisy", "clean", "noise", "print", "lead_in")


@dataclass(frozen=True)
class NoiseType:
    """A dev-set noise type: the mixer's type it is drawn as and, for recorded ambience, the
    categories its recordings come from (empty: all ambience)."""

    name: str
    mix_type: str
    categories: frozenset[str] = frozenset()
    stationary: bool = False

    def describe(self) -> dict[str, Any]:
        return {
            "mix_type": self.mix_type,
            "categories": sorted(self.categories),
            "stationary": self.stationary,
            "held_out": bool(self.categories) and self.categories <= set(HELD_OUT_CATEGORIES),
        }


def _recorded(name: str, *categories: str, stationary: bool = False) -> NoiseType:
    return NoiseType(name, "ambience", frozenset(categories or (name,)), stationary)


# The unseen set's noise types. Stationary ones first: the DSP baseline's home ground.
UNSEEN_NOISE_TYPES = (
    _recorded("engine", stationary=True),
    NoiseType("fan", "fan", stationary=True),
    _recorded("wind", stationary=True),
    NoiseType("hum", "hum", stationary=True),
    NoiseType("hiss", "hiss", stationary=True),
    _recorded("rain", "rain", "water"),
    _recorded("traffic"),
    _recorded("machine"),
    _recorded("crowd"),
    NoiseType("babble", "babble"),
    _recorded("household"),
    _recorded("nature", "birds", "night", "nature", "farm"),
    NoiseType("other_music", "harmonic"),
    *(_recorded(category) for category in sorted(HELD_OUT_CATEGORIES)),
)
STATIONARY_NOISE_TYPES = tuple(t.name for t in UNSEEN_NOISE_TYPES if t.stationary)


@dataclass(frozen=True)
class DevsetFormat:
    version: int
    split: str
    noise_types: tuple[NoiseType, ...]
    default_folder: str
    prints: bool = False  # a noise print and a lead-in for every example with noise


FORMATS = {
    # 4: a noise print and a lead-in per example with noise
    "unseen": DevsetFormat(4, "test", UNSEEN_NOISE_TYPES, "devset-unseen", prints=True),
    # 2: harmonic noise draws on the rendered other instruments too
    "seen": DevsetFormat(2, SEEN_TEST_SPLIT, tuple(NoiseType(t, t) for t in NOISE_TYPES), "devset"),
}


def pinned_config(noise_type: str, snr_db: float) -> MixConfig:
    """A mixing config that draws exactly one noise of ``noise_type`` at exactly ``snr_db``, dry and
    unvaried."""
    return MixConfig(
        sample_rate=SAMPLE_RATE,
        snr_db_range=(snr_db, snr_db),
        noise_weights={noise_type: 1.0},
        second_noise_prob=0.0,
        reverb_prob=0.0,
        band_limit_prob=0.0,
        noise_variation_prob=0.0,
    )


@dataclass
class _TestSplit:
    """The set's split's records, grouped as the mixer needs them."""

    labelled_guitar: list[SourceFile]
    pools: NoisePools  # over the split's music other than the labelled note renders

    @property
    def music(self) -> tuple[SourceFile, ...]:
        return self.pools.music

    @classmethod
    def from_records(cls, records: list[SourceFile], data_root: Path, split: str) -> _TestSplit:
        test = [r for r in records if r.split == split]
        music = [r for r in test if r.kind == "music"]
        noise = [r for r in test if r.kind == "noise"]
        labelled = [
            r
            for r in music
            if r.category == "guitar"
            and r.origin.startswith(RENDER_ORIGIN_PREFIX)
            and notes_sidecar_path(r.resolve(data_root)).is_file()
        ]
        unlabelled = [r for r in music if r not in labelled]
        return cls(labelled_guitar=labelled, pools=NoisePools.from_records(unlabelled, noise))


@dataclass
class _Draws:
    """Records opened for the current example, in order of first use."""

    records: list[SourceFile] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    voices: list[Voice] = field(default_factory=list)  # one per call of a noise sampler

    def add(self, record: SourceFile, role: str) -> None:
        if record not in self.records:
            self.records.append(record)
            self.roles.append(role)

    def sources(self) -> list[dict[str, str]]:
        return [
            {"path": r.path, "role": role, "category": r.category, "origin": r.origin, "licence": r.licence}
            for r, role in zip(self.records, self.roles, strict=True)
        ]

    def licences(self) -> list[str]:
        return sorted({r.licence for r in self.records})


class _Builder:
    def __init__(self, split: _TestSplit, sources: FileSources, out_dir: Path, segment_s: float) -> None:
        self.split = split
        self.sources = sources
        self.out_dir = out_dir
        self.n_segment = int(round(segment_s * SAMPLE_RATE))
        durations = np.array([r.duration_s for r in split.music])
        self._music_probs = durations / durations.sum() if split.music else durations
        self._spans: dict[str, tuple[int, int]] = {}

    def ambience_of(self, noise_type: NoiseType) -> list[SourceFile]:
        pool = self.split.pools.ambience
        return [r for r in pool if r.category in noise_type.categories] if noise_type.categories else list(pool)

    def available(self, noise_type: NoiseType) -> bool:
        """Whether the split can supply ``noise_type`` (recorded types need recordings of their kind)."""
        field_name = RECORDED_TYPES.get(noise_type.mix_type)
        if field_name == "ambience":
            return bool(self.ambience_of(noise_type))
        if field_name == "speech":
            return bool(self.split.pools.speech)
        if field_name == "harmonic":
            return self.split.pools.has_harmonic()
        return True

    def _sampler(self, pool: Sequence[SourceFile], draws: _Draws) -> Callable | None:
        if not pool:
            return None

        def draw_piece(voice: Voice, n_max: int, rng: np.random.Generator) -> tuple[np.ndarray, str]:
            record = pool[int(rng.integers(len(pool)))]
            draws.add(record, "noise")
            n_file = self.sources.n_samples(record)
            start = int(rng.integers(0, n_file - n_max + 1)) if n_file > n_max else 0
            voice.pieces.append(Piece(record, start, min(n_max, max(n_file, 1))))
            return self.sources.read(record, start, voice.pieces[-1].n), record.path

        def sample(n_samples: int, rng: np.random.Generator) -> tuple[np.ndarray, str]:
            voice = Voice(tuple(pool))
            draws.voices.append(voice)
            audio, label = fill_segment(n_samples, rng, lambda n_max, r: draw_piece(voice, n_max, r), SAMPLE_RATE)
            voice.audio = audio.copy()
            return audio, label

        return sample

    def noise_sources(self, draws: _Draws, music: SourceFile | None, noise_type: NoiseType) -> NoiseSources:
        return NoiseSources(
            ambience=self._sampler(self.ambience_of(noise_type), draws),
            speech=self._sampler(self.split.pools.speech, draws),
            harmonic=self._sampler(self.split.pools.harmonic_for(music), draws),
        )

    def music_segment(self, rng: np.random.Generator, draws: _Draws) -> tuple[np.ndarray, SourceFile, float]:
        """A random test music segment louder than -45 dBFS (the loudest of a few tries otherwise)."""
        best = None
        for _ in range(MAX_MUSIC_TRIES):
            record = self.split.music[int(rng.choice(len(self.split.music), p=self._music_probs))]
            n_file = self.sources.n_samples(record)
            start = int(rng.integers(0, n_file - self.n_segment + 1)) if n_file > self.n_segment else 0
            segment = self.sources.read(record, start, self.n_segment)
            rms_dbfs = 10.0 * np.log10(max(float(np.mean(np.square(segment, dtype=np.float64))), 1e-24))
            if best is None or rms_dbfs > best[0]:
                best = (rms_dbfs, segment, record, start)
            if rms_dbfs >= MIN_MUSIC_RMS_DBFS:
                break
        rms_dbfs, segment, record, start = best
        if rms_dbfs <= -200.0:
            raise RuntimeError(f"{MAX_MUSIC_TRIES} test music segments were all digital silence")
        draws.add(record, "music")
        return segment, record, start / SAMPLE_RATE

    def note_segment(self, rng: np.random.Generator, draws: _Draws) -> tuple[np.ndarray, SourceFile, float, list[dict]]:
        """A segment of a labelled note render starting just before a random note, and its notes
        relative to the segment (cut at its end)."""
        record = self.split.labelled_guitar[int(rng.integers(len(self.split.labelled_guitar)))]
        labels = read_notes_sidecar(record.resolve(self.sources.data_root))
        onset_s = labels[int(rng.integers(len(labels)))].onset_s
        start = max(0, int(round((onset_s - NOTE_LEAD_S) * SAMPLE_RATE)))
        start_s = start / SAMPLE_RATE
        segment_s = self.n_segment / SAMPLE_RATE
        notes = []
        for label in labels:
            onset, offset = label.onset_s - start_s, min(label.offset_s - start_s, segment_s)
            if onset >= 0.0 and offset - onset >= MIN_NOTE_S:
                notes.append({"onset_s": onset, "offset_s": offset, "midi": label.midi, "hz": label.hz})
        draws.add(record, "music")
        return self.sources.read(record, start, self.n_segment), record, start_s, notes

    def audible_span(self, record: SourceFile) -> tuple[int, int]:
        """The recording's ``devset_prints.audible_span``, read once."""
        if record.path not in self._spans:
            audio = self.sources.read(record, 0, self.sources.n_samples(record))
            self._spans[record.path] = audible_span(audio, SAMPLE_RATE)
        return self._spans[record.path]

    def takes(self, example_id: str, mixture, draws: _Draws, replay, example_seed: list[int]) -> dict[str, Any]:
        """The example's print and lead-in (``devset_prints``), written; what the manifest says of them.

        ``replay(seed)`` mixes the example again with its generator's realization drawn from ``seed``.
        """
        n_print, n_least, n_lead = (int(round(s * SAMPLE_RATE)) for s in (PRINT_S, MIN_PRINT_S, LEAD_IN_S))
        gains = voice_gains(draws.voices, mixture.noise)
        record: dict[str, Any] = {}
        if gains:
            maker = TakeMaker(draws.voices, self.sources.n_samples, self.sources.read, self.audible_span, SAMPLE_RATE)
            # The lead-in just before the example's own stretch, where there is room; then the print; then
            # a lead-in from elsewhere for the voices that had no room before.
            leads = [maker.before(voice, n_lead) for voice, _ in gains]
            print_rng = np.random.default_rng([*example_seed, PRINT_STREAM])
            prints = [maker.find(voice, n_print, n_least, print_rng) for voice, _ in gains]
            lead_rng = np.random.default_rng([*example_seed, LEAD_IN_STREAM])
            voices = [voice for voice, _ in gains]
            leads = [lead or maker.find(v, n_lead, n_lead, lead_rng) for lead, v in zip(leads, voices, strict=True)]
            print_audio, print_record = maker.assemble(gains, prints)
            lead_in, lead_record = maker.assemble(gains, leads)
            by_path = {r.path: r for voice in draws.voices for r in voice.pool}
            for role, found in (("print", prints), ("lead-in", leads)):
                for _, pieces in found:
                    for piece in pieces:
                        draws.add(by_path[piece.record.path], role)
            record["noise_voices"] = noise_record(gains, SAMPLE_RATE)
        else:
            seeds = [[*example_seed, stream] for stream in (LEAD_IN_STREAM, PRINT_STREAM)]
            lead_in, lead_record = generated_take(replay(seeds[0]), mixture.noise, n_lead, seeds[0])
            print_audio, print_record = generated_take(replay(seeds[1]), mixture.noise, n_print, seeds[1])
        noise_print = make_print(print_audio, SAMPLE_RATE, f"{example_id} noise print")
        print_path = f"print/{example_id}.json"
        noise_print.save(self.out_dir / print_path)
        record["print"] = {
            "audio": self.write("print", example_id, print_audio),
            "print": print_path,
            "duration_s": print_audio.size / SAMPLE_RATE,
            "level_dbfs": noise_print.level_dbfs,
            **print_record,
        }
        record["lead_in"] = {
            "audio": self.write("lead_in", example_id, lead_in),
            "duration_s": lead_in.size / SAMPLE_RATE,
            **lead_record,
        }
        return record

    def write(self, subdir: str, example_id: str, audio: np.ndarray) -> str:
        relative = f"{subdir}/{example_id}.wav"
        # scipy rather than libsndfile: its float WAV has no PEAK chunk, whose timestamp would make
        # two builds differ in bytes.
        wavfile.write(self.out_dir / relative, SAMPLE_RATE, np.asarray(audio, dtype=np.float32))
        return relative


def _level(audio: np.ndarray, rng: np.random.Generator, config: MixConfig) -> np.ndarray:
    """``audio`` set to a random RMS level from the mixer's range, lowered if it would clip."""
    audio = np.asarray(audio, dtype=np.float64)
    gain = 10.0 ** (rng.uniform(*config.level_dbfs_range) / 20.0) / np.sqrt(np.mean(audio**2))
    gain = min(gain, config.peak_limit / np.max(np.abs(audio)))
    return (audio * gain).astype(np.float32)


def _file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__} in {DEVSET_FILE}")


def build_devset(
    manifest_path: str | Path,
    out_dir: str | Path,
    n_per_cell: int = 6,
    segment_s: float = 6.0,
    seed: int = 1234,
    data_root: str | Path | None = None,
    overwrite: bool = False,
    progress: bool = False,
    sources: str = "unseen",
) -> Path:
    """Build the ``sources`` dev set (a key of ``FORMATS``) from ``manifest_path`` into ``out_dir``;
    returns ``devset.json``.

    ``data_root`` defaults to the manifest's folder. An existing dev set is replaced only with
    ``overwrite``.
    """
    if sources not in FORMATS:
        raise ValueError(f"sources must be one of {sorted(FORMATS)}, got {sources!r}")
    form = FORMATS[sources]
    if n_per_cell < 1:
        raise ValueError(f"n_per_cell must be >= 1, got {n_per_cell}")
    if segment_s <= 0:
        raise ValueError(f"segment_s must be positive, got {segment_s}")
    manifest_path = Path(manifest_path)
    data_root = manifest_path.parent if data_root is None else Path(data_root)
    out_dir = Path(out_dir)
    devset_path = out_dir / DEVSET_FILE
    if devset_path.exists():
        if not overwrite:
            raise FileExistsError(f"{devset_path} exists; pass overwrite=True (--overwrite) to rebuild it")
        for subdir in SUBDIRS:
            shutil.rmtree(out_dir / subdir, ignore_errors=True)
        devset_path.unlink()
    split = _TestSplit.from_records(read_manifest(manifest_path), data_root, form.split)
    if not split.music:
        raise ValueError(f"{manifest_path} has no music in the {form.split!r} split")
    for subdir in SUBDIRS if form.prints else SUBDIRS[:3]:
        (out_dir / subdir).mkdir(parents=True, exist_ok=True)

    builder = _Builder(split, FileSources(data_root, SAMPLE_RATE), out_dir, segment_s)
    by_name = {t.name: t for t in form.noise_types}
    types = [t.name for t in form.noise_types if builder.available(t)]
    skipped = [
        {
            "part": "mixture, noise_only",
            "noise_type": t.name,
            "reason": f"no {'/'.join(sorted(t.categories)) or RECORDED_TYPES[t.mix_type]} recordings "
            f"in the {form.split} split",
        }
        for t in form.noise_types
        if t.name not in types
    ]
    if not split.labelled_guitar:
        skipped.append(
            {
                "part": "tuner",
                "reason": f"no guitar renders with note labels ({RENDER_ORIGIN_PREFIX}*, *.notes.json) "
                f"in the {form.split} split",
            }
        )
    n_tuner = len(SNRS_DB) * n_per_cell if split.labelled_guitar else 0
    n_total = len(types) * (len(SNRS_DB) + 1) * n_per_cell + len(SNRS_DB) * n_per_cell + n_tuner
    bar = tqdm(total=n_total, desc="dev set", unit="example", disable=not progress)
    examples: list[dict[str, Any]] = []

    def add(example: dict[str, Any], draws: _Draws, example_seed: list[int]) -> None:
        example.update(seed=example_seed, sources=draws.sources(), licences=draws.licences())
        examples.append(example)
        bar.update()

    def mix(example_id: str, clean, music, noise_type: str, snr_db: float, rng, draws, example_seed):
        """The example's mixture and, with prints, its print and lead-in (``_Builder.takes``)."""
        kind = by_name[noise_type]
        config = pinned_config(kind.mix_type, snr_db)
        state = rng.bit_generator.state
        mixture = mix_example(clean, builder.noise_sources(draws, music, kind), rng, config)
        if not form.prints:
            return mixture, {}

        def replay(seed: list[int]) -> np.ndarray:
            again = np.random.default_rng()
            again.bit_generator.state = state
            fresh = FreshRealization(again, np.random.default_rng(seed))
            return mix_example(clean, builder.noise_sources(_Draws(), music, kind), fresh, config).noise

        return mixture, builder.takes(example_id, mixture, draws, replay, example_seed)

    def mixed(part: str, example_id: str, clean, music, noise_type, snr_db, rng, draws, example_seed) -> dict[str, Any]:
        mixture, takes = mix(example_id, clean, music, noise_type, snr_db, rng, draws, example_seed)
        return {
            "id": example_id,
            "part": part,
            "input": builder.write("noisy", example_id, mixture.noisy),
            "clean": builder.write("clean", example_id, mixture.clean),
            "noise": builder.write("noise", example_id, mixture.noise),
            "noise_type": noise_type,
            "snr_db": snr_db,
            "mix": mixture.metadata,
            **takes,
        }

    for t_index, noise_type in enumerate(by_name):
        if noise_type not in types:
            continue
        for s_index, snr_db in enumerate(SNRS_DB):
            for k in range(n_per_cell):
                example_seed = [seed, PARTS.index("mixture"), t_index, s_index, k]
                rng, draws = np.random.default_rng(example_seed), _Draws()
                clean, music, start_s = builder.music_segment(rng, draws)
                example_id = f"{noise_type}_snr{snr_db:+03.0f}_{k:02d}"
                example = mixed("mixture", example_id, clean, music, noise_type, snr_db, rng, draws, example_seed)
                add({**example, "music_start_s": start_s}, draws, example_seed)

    for k in range(len(SNRS_DB) * n_per_cell):
        example_seed = [seed, PARTS.index("clean"), k]
        rng, draws = np.random.default_rng(example_seed), _Draws()
        clean, _, start_s = builder.music_segment(rng, draws)
        example_id = f"clean_{k:02d}"
        path = builder.write("clean", example_id, _level(clean, rng, MixConfig()))
        example = {"id": example_id, "part": "clean", "input": path, "clean": path, "music_start_s": start_s}
        add(example, draws, example_seed)

    for t_index, noise_type in enumerate(by_name):
        if noise_type not in types:
            continue
        for k in range(n_per_cell):
            # The noise of a 0 dB mixture: recordings and levels drawn exactly as in the mixtures.
            example_seed = [seed, PARTS.index("noise_only"), t_index, k]
            rng, draws = np.random.default_rng(example_seed), _Draws()
            clean, music, _ = builder.music_segment(rng, draws)
            example_id = f"noise_{noise_type}_{k:02d}"
            mixture, takes = mix(example_id, clean, music, noise_type, 0.0, rng, draws, example_seed)
            path = builder.write("noise", example_id, mixture.noise)
            example = {"id": example_id, "part": "noise_only", "input": path, "noise": path, "noise_type": noise_type}
            add({**example, "mix": mixture.metadata, **takes}, draws, example_seed)

    for s_index, snr_db in enumerate(SNRS_DB if split.labelled_guitar else ()):
        for k in range(n_per_cell):
            example_seed = [seed, PARTS.index("tuner"), s_index, k]
            rng, draws = np.random.default_rng(example_seed), _Draws()
            clean, music, start_s, notes = builder.note_segment(rng, draws)
            noise_type = types[(s_index * n_per_cell + k) % len(types)]
            example_id = f"tuner_snr{snr_db:+03.0f}_{k:02d}"
            example = mixed("tuner", example_id, clean, music, noise_type, snr_db, rng, draws, example_seed)
            add({**example, "music_start_s": start_s, "notes": notes}, draws, example_seed)
    bar.close()

    devset = {
        "format": form.version,
        "sources": sources,
        "split": form.split,
        "sample_rate": SAMPLE_RATE,
        "segment_s": segment_s,
        "n_per_cell": n_per_cell,
        "seed": seed,
        "snrs_db": list(SNRS_DB),
        "noise_types": types,
        "noise_type_info": {name: by_name[name].describe() for name in types},
        "stationary_noise_types": [name for name in types if by_name[name].stationary],
        "manifest": {"name": manifest_path.name, "sha256": _file_sha256(manifest_path)},
        **(
            {
                "prints": {
                    "print_s": PRINT_S,
                    "min_print_s": MIN_PRINT_S,
                    "lead_in_s": LEAD_IN_S,
                    "sample_rate": SAMPLE_RATE,
                    "n_fft": PRINT_N_FFT,
                    "hop_samples": PRINT_HOP_SAMPLES,
                }
            }
            if form.prints
            else {}
        ),
        "skipped": skipped,
        "licences": sorted({licence for example in examples for licence in example["licences"]}),
        "examples": examples,
    }
    tmp = devset_path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(devset, indent=1, sort_keys=True, default=_json_default) + "\n", encoding="utf-8")
    tmp.replace(devset_path)
    return devset_path
