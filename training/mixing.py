"""Mixing one training example: clean music + drawn noise at a drawn SNR, through shared degradations.

The recipe (following the seed projects): draw an SNR per example from a range (default -10..10 dB);
draw a noise type by weight (real ambience, babble, another instrument, colored noise, tape hiss,
hum, clicks/crackle, fan, and procedural noise of random spectrum and motion), sometimes a second
one, and, when the config asks, play recorded noise at another speed and spectral tilt
(``noise_variation``) through a random EQ, room and level swell (``recording_augment``); sometimes put
music and noise in the same room (reverb) and/or record them through a band-limited microphone; set the
mixture to a random level.

Degradation policy. Reverb and band-limiting are applied to the music and to the noise separately
and the target is the degraded music: the denoiser should keep the music's room and cannot invent
bands the microphone never captured. Music and noise get different impulse responses from the same
room (same RT60), the noise with less direct sound, as it is usually farther away. The SNR is
measured after these degradations, on the returned arrays, and is exact there. The final level is
set on the noisy mixture's RMS, independent of the SNR, so loudness does not give the SNR away.

Invariants of the returned ``Mixture``: ``noisy == clean + noise`` (float32, exactly);
``10*log10(sum(clean**2) / sum(noise**2)) == snr_db``; ``max|noisy| <= peak_limit`` (and
``max|target|``); the same ``rng`` state gives identical arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from livedenoise.training import degradations, noise_variation, noises
from livedenoise.training.procedural_noise import procedural_noise
from livedenoise.training.recording_augment import vary_recording

# The noise types the dev set measures one by one.
NOISE_TYPES = ("ambience", "babble", "harmonic", "colored", "hiss", "hum", "clicks", "fan")
# Procedural noise is endless and random by design: it trains, the dev set's recordings judge.
PROCEDURAL_TYPE = "procedural"
MIX_NOISE_TYPES = NOISE_TYPES + (PROCEDURAL_TYPE,)
# Noise types drawn from real recordings, and the NoiseSources field each one needs.
RECORDED_TYPES = {"ambience": "ambience", "babble": "speech", "harmonic": "harmonic"}
DEFAULT_NOISE_WEIGHTS = {
    "ambience": 3.0,
    "babble": 1.5,
    "harmonic": 1.5,
    "colored": 1.0,
    "hiss": 1.0,
    "hum": 1.0,
    "clicks": 0.5,
    "fan": 1.0,
}
FADE_S = 0.005  # fade at joins between concatenated recordings, so joins do not click
SILENCE_RMS = 1e-6

# Options of experiments that left the code, at the value that left them off (docs/experiments.md):
# resolved configs written before they left still name them.
RETIRED_MIX_KEYS: dict[str, Any] = {
    "noise2noise": False,
    "music_variation_prob": 0.0,
    "music_speed_range": (0.84, 1.19),
    "music_eq_db": 6.0,
    "clean_prob": 0.0,
    "noise_only_prob": 0.0,
}
# (n_samples, rng) -> (segment of shape (n_samples,), label naming what was drawn)
SegmentSampler = Callable[[int, np.random.Generator], tuple[np.ndarray, str]]
# (n_max, rng) -> (piece of shape (<= n_max,), label): one random stretch of one recording
PieceDrawer = Callable[[int, np.random.Generator], tuple[np.ndarray, str]]


@dataclass(frozen=True)
class MixConfig:
    """How examples are mixed. Probabilities are per example; ranges are (low, high), drawn uniformly."""

    sample_rate: int = noises.SAMPLE_RATE
    snr_db_range: tuple[float, float] = (-10.0, 10.0)
    noise_weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_NOISE_WEIGHTS))
    second_noise_prob: float = 0.3
    second_noise_db_range: tuple[float, float] = (-12.0, 0.0)  # second noise level re the first
    n_babble_speakers_range: tuple[int, int] = (3, 8)
    reverb_prob: float = 0.25
    rt60_s_range: tuple[float, float] = (0.2, 1.5)
    band_limit_prob: float = 0.2
    low_cut_hz_range: tuple[float, float] = (60.0, 250.0)
    high_cut_hz_range: tuple[float, float] = (3_000.0, 16_000.0)
    level_dbfs_range: tuple[float, float] = (-35.0, -15.0)  # RMS of the noisy mixture
    peak_limit: float = 0.99
    # Each recorded noise (ambience, a babble voice, an instrument) is, with this probability, played
    # at another speed (drawn log-uniformly) and tilted in spectrum (dB per octave about 1 kHz).
    noise_variation_prob: float = 0.0
    noise_speed_range: tuple[float, float] = (0.8, 1.25)
    noise_tilt_db_per_octave_range: tuple[float, float] = (-3.0, 3.0)
    # Each recorded noise, with these probabilities: a random EQ of up to +-recording_eq_db per
    # band, a room, a slow level swell (``recording_augment``). Off by default, as for variation.
    recording_eq_prob: float = 0.0
    recording_eq_db: float = 12.0
    recording_reverb_prob: float = 0.0
    recording_swell_prob: float = 0.0
    # The noise print: each example's print is a stretch of its own noise (the same draw, with every
    # variation, reverb and band limit, just before the mixed stretch, so it never overlaps it),
    # print_s_range long and jittered in level, tilt and a slow drift. Of all examples,
    # print_none_prob get no print (the model runs blind), print_mismatch_prob a print of another
    # noise drawn apart (a wrong print must not be trusted blindly), print_music_prob a print with
    # faint music in it. 1.0 for print_none_prob draws no print at all, as before prints existed.
    print_none_prob: float = 1.0
    print_mismatch_prob: float = 0.0
    print_music_prob: float = 0.0
    print_s_range: tuple[float, float] = (0.5, 6.0)
    print_level_jitter_db: float = 6.0
    print_tilt_jitter_db_per_octave: float = 2.0
    print_drift_db: float = 3.0
    print_music_db_range: tuple[float, float] = (-30.0, -12.0)  # music in a print, re the print's noise

    def __post_init__(self) -> None:
        unknown = set(self.noise_weights) - set(MIX_NOISE_TYPES)
        if unknown:
            raise ValueError(f"unknown noise types {sorted(unknown)}; known: {MIX_NOISE_TYPES}")
        if any(w < 0 for w in self.noise_weights.values()) or sum(self.noise_weights.values()) <= 0:
            raise ValueError("noise_weights must be non-negative with a positive sum")
        for name in (
            "second_noise_prob",
            "reverb_prob",
            "band_limit_prob",
            "noise_variation_prob",
            "recording_eq_prob",
            "recording_reverb_prob",
            "recording_swell_prob",
            "print_none_prob",
            "print_mismatch_prob",
            "print_music_prob",
        ):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)}")
        for name in (
            "snr_db_range",
            "second_noise_db_range",
            "n_babble_speakers_range",
            "rt60_s_range",
            "low_cut_hz_range",
            "high_cut_hz_range",
            "level_dbfs_range",
            "noise_speed_range",
            "noise_tilt_db_per_octave_range",
            "print_s_range",
            "print_music_db_range",
        ):
            low, high = getattr(self, name)
            if low > high:
                raise ValueError(f"{name} must be (low, high), got {(low, high)}")
        if self.high_cut_hz_range[1] >= self.sample_rate / 2:
            raise ValueError("high_cut_hz_range must stay below Nyquist")
        if self.recording_eq_db < 0.0:
            raise ValueError(f"recording_eq_db must be >= 0, got {self.recording_eq_db}")
        if self.noise_speed_range[0] <= 0.0:
            raise ValueError(f"noise_speed_range must be positive, got {self.noise_speed_range}")
        if not 0.0 < self.peak_limit <= 1.0:
            raise ValueError(f"peak_limit must be in (0, 1], got {self.peak_limit}")
        if self.print_none_prob + self.print_mismatch_prob + self.print_music_prob > 1.0 + 1e-9:
            raise ValueError("print_none_prob + print_mismatch_prob + print_music_prob must be at most 1")
        if self.print_s_range[0] < 0.5:
            raise ValueError(f"print_s_range must start at 0.5 s or more (a print's least), got {self.print_s_range}")

    @property
    def draws_prints(self) -> bool:
        return self.print_none_prob < 1.0


@dataclass(frozen=True)
class NoiseSources:
    """Real recordings the mixer may draw noise from; None where there are none.

    ``speech`` feeds babble (several speakers summed), ``harmonic`` is other instruments or music.
    ``impulse_responses`` are measured room responses, shape (n_ir,) each, used for half of the
    reverberant examples when given.
    """

    ambience: SegmentSampler | None = None
    speech: SegmentSampler | None = None
    harmonic: SegmentSampler | None = None
    impulse_responses: tuple[np.ndarray, ...] = ()

    @classmethod
    def from_arrays(
        cls,
        ambience: Mapping[str, np.ndarray] | None = None,
        speech: Mapping[str, np.ndarray] | None = None,
        harmonic: Mapping[str, np.ndarray] | None = None,
        impulse_responses: Sequence[np.ndarray] = (),
        sample_rate: int = noises.SAMPLE_RATE,
    ) -> NoiseSources:
        """Sources from in-memory recordings, each ``label -> (n_samples,)`` at ``sample_rate``."""
        return cls(
            ambience=_array_sampler(ambience, sample_rate),
            speech=_array_sampler(speech, sample_rate),
            harmonic=_array_sampler(harmonic, sample_rate),
            impulse_responses=tuple(np.asarray(ir, dtype=np.float32) for ir in impulse_responses),
        )


@dataclass(frozen=True)
class Mixture:
    """One example. Arrays have shape (n_samples,), float32.

    ``noisy`` is the model input, ``clean`` the degraded music (what the model should output),
    ``noise`` the scaled degraded noise, ``noisy == clean + noise``.
    ``print_audio`` is the noise alone that the example's print is made from (None: no print), at
    the mixture's scale; ``metadata["print"]`` says how it was drawn.
    """

    noisy: np.ndarray
    clean: np.ndarray
    noise: np.ndarray
    snr_db: float
    metadata: dict[str, Any]
    print_audio: np.ndarray | None = None


def fill_segment(
    n_samples: int, rng: np.random.Generator, draw_piece: PieceDrawer, sample_rate: int = noises.SAMPLE_RATE
) -> tuple[np.ndarray, str]:
    """Fill ``n_samples`` with random recordings one after another, faded at the joins.

    Short recordings (a spoken syllable, a 4 s rain loop) are followed by other random ones
    rather than looped, so the result has no period. Returns ((n_samples,), "label+label...").
    """
    pieces, labels, n_filled = [], [], 0
    while n_filled < n_samples:
        piece, label = draw_piece(n_samples - n_filled, rng)
        if piece.size == 0:
            raise ValueError(f"empty recording drawn: {label}")
        pieces.append(np.asarray(piece[: n_samples - n_filled], dtype=np.float32))
        labels.append(label)
        n_filled += pieces[-1].size
    if len(pieces) > 1:
        for piece in pieces:
            n_fade = min(int(FADE_S * sample_rate), piece.size // 2)
            if n_fade > 0:
                ramp = np.linspace(0.0, 1.0, n_fade, dtype=np.float32)
                piece[:n_fade] *= ramp
                piece[piece.size - n_fade :] *= ramp[::-1]
    return np.concatenate(pieces), "+".join(labels)


def _array_sampler(recordings: Mapping[str, np.ndarray] | None, sample_rate: int) -> SegmentSampler | None:
    if not recordings:
        return None
    items = [(label, np.asarray(audio, dtype=np.float32)) for label, audio in recordings.items()]

    def draw_piece(n_max: int, rng: np.random.Generator) -> tuple[np.ndarray, str]:
        label, audio = items[int(rng.integers(len(items)))]
        start = int(rng.integers(0, audio.size - n_max + 1)) if audio.size > n_max else 0
        return audio[start : start + n_max].copy(), label

    return lambda n_samples, rng: fill_segment(n_samples, rng, draw_piece, sample_rate)


def _rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))


def _draw_types(rng: np.random.Generator, weights: Mapping[str, float], n_types: int) -> list[str]:
    names = [name for name in MIX_NOISE_TYPES if weights.get(name, 0.0) > 0]
    probs = np.array([weights[name] for name in names])
    n_types = min(n_types, len(names))
    chosen = rng.choice(len(names), size=n_types, replace=False, p=probs / probs.sum())
    return [names[i] for i in chosen]


def _recorded_noise(
    sampler: SegmentSampler, n_samples: int, rng: np.random.Generator, config: MixConfig
) -> tuple[np.ndarray, str] | None:
    """A non-silent recorded segment at unit RMS, varied as ``config`` asks, or None when a few
    draws were all silent. The label names the recordings and any variation."""
    variation = None
    if config.noise_variation_prob > 0.0 and rng.random() < config.noise_variation_prob:
        low, high = np.log(config.noise_speed_range)
        variation = (float(np.exp(rng.uniform(low, high))), float(rng.uniform(*config.noise_tilt_db_per_octave_range)))
    for _ in range(4):
        if variation is None:
            segment, label = sampler(n_samples, rng)
        else:
            speed, tilt_db_per_octave = variation
            segment, label = sampler(noise_variation.samples_needed(n_samples, speed), rng)
            segment = noise_variation.change_speed(segment, speed, n_samples)
            segment = noise_variation.tilt_spectrum(segment, config.sample_rate, tilt_db_per_octave)
            label += f" (speed {speed:.3f}, tilt {tilt_db_per_octave:+.2f} dB/octave)"
        segment, varied = vary_recording(
            segment,
            rng,
            config.sample_rate,
            config.recording_eq_prob,
            config.recording_eq_db,
            config.recording_reverb_prob,
            config.recording_swell_prob,
        )
        if varied:
            label += f" {varied}"
        rms = _rms(segment)
        if rms > SILENCE_RMS:
            return (segment / rms).astype(np.float32), label
    return None


def _noise_component(
    noise_type: str, n_samples: int, sources: NoiseSources, rng: np.random.Generator, config: MixConfig
) -> tuple[np.ndarray, dict[str, Any]]:
    """One noise of the given type at unit RMS, shape (n_samples,), and what was drawn."""
    sr = config.sample_rate
    detail: dict[str, Any] = {"type": noise_type}
    if noise_type in ("ambience", "harmonic"):
        drawn = _recorded_noise(getattr(sources, noise_type), n_samples, rng, config)
        if drawn is not None:
            detail["source"] = drawn[1]
            return drawn[0], detail
    elif noise_type == "babble":
        low, high = config.n_babble_speakers_range
        voices, labels = [], []
        for _ in range(int(rng.integers(low, high + 1))):
            drawn = _recorded_noise(sources.speech, n_samples, rng, config)
            if drawn is not None:
                voices.append(drawn[0] * 10.0 ** (rng.uniform(-6.0, 0.0) / 20.0))
                labels.append(drawn[1])
        if voices:
            detail.update(n_speakers=len(voices), source=" | ".join(labels))
            babble = np.sum(voices, axis=0)
            return (babble / _rms(babble)).astype(np.float32), detail
    elif noise_type == "colored":
        exponent = float(rng.uniform(0.0, 2.0))
        detail["exponent"] = exponent
        return noises.colored_noise(n_samples, rng, exponent, sr), detail
    elif noise_type == "hiss":
        return noises.tape_hiss(n_samples, rng, sr), detail
    elif noise_type == "hum":
        fundamental_hz = float(rng.choice([50.0, 60.0]))
        detail["fundamental_hz"] = fundamental_hz
        return noises.mains_hum(n_samples, rng, sr, fundamental_hz=fundamental_hz), detail
    elif noise_type == "clicks":
        kind = str(rng.choice(["clicks", "crackle", "both"]))
        detail["kind"] = kind
        if kind == "clicks":
            return noises.clicks(n_samples, rng, sr), detail
        if kind == "crackle":
            return noises.crackle(n_samples, rng, sr), detail
        both = noises.clicks(n_samples, rng, sr) + noises.crackle(n_samples, rng, sr)
        return (both / _rms(both)).astype(np.float32), detail
    elif noise_type == "fan":
        return noises.fan_noise(n_samples, rng, sr), detail
    elif noise_type == PROCEDURAL_TYPE:
        audio, drawn = procedural_noise(n_samples, rng, sr)
        detail.update(drawn)
        return audio, detail
    else:
        raise ValueError(f"unknown noise type {noise_type!r}")
    # Recordings were all silent: fall back to pink noise rather than fail the example.
    detail["fallback"] = "pink"
    return noises.pink_noise(n_samples, rng, sr), detail


def _noise(
    noise_types: Sequence[str], n_samples: int, sources: NoiseSources, rng: np.random.Generator, config: MixConfig
) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Sum of the noise types, the first at 0 dB and any further at a random lower level. Shape (n_samples,)."""
    total = np.zeros(n_samples)
    details = []
    for i, noise_type in enumerate(noise_types):
        component, detail = _noise_component(noise_type, n_samples, sources, rng, config)
        relative_db = 0.0 if i == 0 else float(rng.uniform(*config.second_noise_db_range))
        detail["relative_db"] = relative_db
        total += component * 10.0 ** (relative_db / 20.0)
        details.append(detail)
    return total, details


def mix_example(
    clean: np.ndarray,
    noise_sources: NoiseSources,
    rng: np.random.Generator,
    config: MixConfig = MixConfig(),
) -> Mixture:
    """Mix clean music of shape (n_samples,) at ``config.sample_rate`` with drawn noise.

    Raises ValueError for silent or non-finite music, or when no noise type is available
    (all weighted types need recordings that ``noise_sources`` lacks).
    """
    clean = np.asarray(clean, dtype=np.float64)
    if clean.ndim != 1 or clean.size == 0:
        raise ValueError(f"clean must have shape (n_samples,), got {clean.shape}")
    if not np.all(np.isfinite(clean)):
        raise ValueError("clean contains NaN or Inf")
    if _rms(clean) <= SILENCE_RMS:
        raise ValueError("clean is silent: the SNR is undefined")
    n_samples = clean.size
    sr = config.sample_rate

    weights = {
        name: weight
        for name, weight in config.noise_weights.items()
        if name not in RECORDED_TYPES or getattr(noise_sources, RECORDED_TYPES[name]) is not None
    }
    if sum(weights.values()) <= 0:
        raise ValueError("no noise type available: give recordings or weight a synthetic type")
    n_types = 2 if rng.random() < config.second_noise_prob else 1
    noise_types = _draw_types(rng, weights, n_types)
    print_kind, n_print = _draw_print_kind(rng, config)
    # A print of the example's own noise is the stretch drawn just before the mixed one.
    n_own_print = n_print if print_kind in ("given", "music") else 0
    noise, details = _noise(noise_types, n_own_print + n_samples, noise_sources, rng, config)

    metadata: dict[str, Any] = {"noise_types": noise_types, "noises": details}

    reverb = None
    if rng.random() < config.reverb_prob:
        rt60_s = float(rng.uniform(*config.rt60_s_range))
        if noise_sources.impulse_responses and rng.random() < 0.5:
            n_irs = len(noise_sources.impulse_responses)
            music_ir, noise_ir = (noise_sources.impulse_responses[int(i)] for i in rng.integers(0, n_irs, 2))
            reverb = {"ir": "measured"}
        else:
            music_drr_db = float(rng.uniform(0.0, 12.0))
            noise_drr_db = music_drr_db - float(rng.uniform(0.0, 10.0))
            music_ir = degradations.synthetic_impulse_response(rng, rt60_s, sr, music_drr_db)
            noise_ir = degradations.synthetic_impulse_response(rng, rt60_s, sr, noise_drr_db)
            reverb = {"ir": "synthetic", "rt60_s": rt60_s, "music_drr_db": music_drr_db, "noise_drr_db": noise_drr_db}
        clean = degradations.apply_impulse_response(clean, music_ir)
        noise = degradations.apply_impulse_response(noise, noise_ir)
    metadata["reverb"] = reverb

    band = None
    if rng.random() < config.band_limit_prob:
        which = rng.choice(["low_pass", "high_pass", "band_pass"], p=[0.5, 0.25, 0.25])
        band = {
            "low_cut_hz": float(rng.uniform(*config.low_cut_hz_range)) if which != "low_pass" else None,
            "high_cut_hz": float(rng.uniform(*config.high_cut_hz_range)) if which != "high_pass" else None,
        }
        clean = degradations.band_limit(clean, sr, **band)
        noise = degradations.band_limit(noise, sr, **band)
    metadata["band_limit"] = band
    own_print, noise = noise[:n_own_print], noise[n_own_print:]

    clean_rms = _rms(clean)
    noise_rms = _rms(noise)
    if clean_rms <= SILENCE_RMS or noise_rms <= SILENCE_RMS:
        raise ValueError("music or noise became silent after degradation")
    snr_db = float(rng.uniform(*config.snr_db_range))
    noise_scale = clean_rms / (noise_rms * 10.0 ** (snr_db / 20.0))
    noise = np.asarray(noise, dtype=np.float64) * noise_scale
    own_print = own_print * noise_scale

    level_dbfs = float(rng.uniform(*config.level_dbfs_range))
    gain = 10.0 ** (level_dbfs / 20.0) / _rms(clean + noise)
    peak = float(np.max(np.abs(clean + noise)))
    peak_gain = min(1.0, config.peak_limit / (gain * peak))  # lower the level rather than clip
    gain *= peak_gain
    metadata.update(
        level_dbfs=level_dbfs, peak_gain_db=float(20.0 * np.log10(peak_gain)), peak_normalized=bool(peak_gain < 1.0)
    )

    print_audio = None
    if print_kind != "none":
        if print_kind == "mismatched":
            # another kind of noise where the recipe has one: a wrong print, not a print of a neighbour
            others = {name: weight for name, weight in weights.items() if name not in noise_types} or weights
            other_types = _draw_types(rng, others, 1)
            other, _ = _noise(other_types, n_print, noise_sources, rng, config)
            own_print = other * (_rms(noise) / max(_rms(other), SILENCE_RMS))
            metadata["print_types"] = other_types
        elif print_kind == "music":
            music = np.resize(clean, n_print)
            level_db = float(rng.uniform(*config.print_music_db_range))
            own_print = own_print + music * (_rms(own_print) / max(_rms(music), SILENCE_RMS)) * 10.0 ** (
                level_db / 20.0
            )
            metadata["print_music_db"] = round(level_db, 2)
        print_audio, jitter = _jitter_print(own_print * gain, rng, config)
        metadata["print"] = {"kind": print_kind, "seconds": round(n_print / sr, 3), **jitter}

    clean32 = (clean * gain).astype(np.float32)
    noise32 = (noise * gain).astype(np.float32)
    metadata["snr_db"] = snr_db
    return Mixture(
        noisy=clean32 + noise32, clean=clean32, noise=noise32, snr_db=snr_db, metadata=metadata, print_audio=print_audio
    )


def _draw_print_kind(rng: np.random.Generator, config: MixConfig) -> tuple[str, int]:
    """Which print an example gets ("none", "given", "mismatched", "music") and its length in samples.
    Draws nothing when the config draws no prints, so earlier recipes' examples stay the same."""
    if not config.draws_prints:
        return "none", 0
    u = rng.random()
    if u < config.print_none_prob:
        return "none", 0
    n_print = int(rng.uniform(*config.print_s_range) * config.sample_rate)
    if u < config.print_none_prob + config.print_mismatch_prob:
        return "mismatched", n_print
    if u < config.print_none_prob + config.print_mismatch_prob + config.print_music_prob:
        return "music", n_print
    return "given", n_print


def _jitter_print(
    audio: np.ndarray, rng: np.random.Generator, config: MixConfig
) -> tuple[np.ndarray, dict[str, float]]:
    """The print's noise with its level, tilt and a slow drift changed, as a print taken at another
    moment in the same room would be; returns float32 audio and what was drawn."""
    level_db = float(rng.uniform(-config.print_level_jitter_db, config.print_level_jitter_db))
    tilt = float(rng.uniform(-config.print_tilt_jitter_db_per_octave, config.print_tilt_jitter_db_per_octave))
    drift_db = float(rng.uniform(-config.print_drift_db, config.print_drift_db))
    audio = noise_variation.tilt_spectrum(np.asarray(audio, dtype=np.float64), config.sample_rate, tilt)
    ramp_db = level_db + drift_db * np.linspace(-0.5, 0.5, audio.size)
    audio = audio * 10.0 ** (ramp_db / 20.0)
    return audio.astype(np.float32), {
        "level_db": round(level_db, 2),
        "tilt_db_per_octave": round(tilt, 2),
        "drift_db": round(drift_db, 2),
    }
