"""NoiseGate: shuts the denoised signal between notes; opens on level, or on the model's word.

Two detectors, one set of dynamics:
- ``level``, the classic gate: the peak level of the denoised hop in dBFS;
- ``mask``: how much of the music band's energy (60 Hz to 5 kHz) the model keeps, against how much
  it removes, in dB, from the model's own mask on the noisy spectrum of the same hop (smoothed over
  a few milliseconds). A trained model removes stationary noise however loud it is, so this stays
  low in loud noise and rises on a soft pluck: it needs no threshold set for the room's level.

Dynamics, decided once per hop: the gate opens when the detector reaches ``threshold_db`` and
closes once it has stayed below ``threshold_db - hysteresis_db`` for ``hold_ms`` (rounded up to
whole hops). The gain moves per sample, linearly in amplitude, from the closed gain (``range_db``
below unity) to unity in ``attack_ms`` and back in ``release_ms``; a ramp is never shorter than
``MIN_RAMP_MS``, so the gate never clicks (one sample's gain step is at most ``1 / ramp samples``).
Stereo is linked: one gain for every channel.

The gate adds no delay: it decides on the hop it is given and acts on that same hop, so gated output
stays sample-aligned with the ungated denoiser, and an onset opens the gate within its own hop.

Real-time contract: ``process_into`` allocates no array and calls two compiled kernels, warmed up in
the constructor; ``configure`` (owner thread) writes the new parameters in place.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace

import numpy as np
from numba import njit

from livedenoise.realtime.engine.hop_layouts import hop_layouts
from livedenoise.realtime.stft import dual_windows

GATE_KINDS = ("level", "mask")
DEFAULT_THRESHOLD_DB = {"level": -50.0, "mask": -10.0}
MIN_RAMP_MS = 0.5
MAX_TIME_MS = 10_000.0
MUSIC_BAND_HZ = (60.0, 5000.0)  # guitar fundamentals from low E (82 Hz) and the harmonics that carry a pluck
PRESENCE_SMOOTHING_MS = 5.0  # two hops at 128: steadies the noise's hop-to-hop swing, costs little delay
PRESENCE_FLOOR_DBFS = -90.0  # energy kept below this level counts as nothing (silence never opens the gate)
DETECTOR_FLOOR_DB = -200.0

# the state and parameter slots of the compiled dynamics
_OPEN, _HOLD_LEFT, _GAIN, _N_OPENS = range(4)
_THRESHOLD, _HYSTERESIS, _HOLD_HOPS, _STEP_UP, _STEP_DOWN, _CLOSED_GAIN = range(6)


@dataclass(frozen=True)
class GateSettings:
    """A gate's parameters; every bad value is a ``ValueError`` naming it. ``threshold_db`` None
    takes the kind's default (-50 dBFS peak for ``level``, -10 dB kept-over-removed for ``mask``)."""

    kind: str = "level"
    threshold_db: float | None = None
    hysteresis_db: float = 6.0
    attack_ms: float = 1.0
    hold_ms: float = 50.0
    release_ms: float = 150.0
    range_db: float = 80.0  # how far the closed gate attenuates; inf: silence

    def __post_init__(self) -> None:
        if self.kind not in GATE_KINDS:
            raise ValueError(f"kind must be one of {', '.join(GATE_KINDS)}, got {self.kind!r}")
        if self.threshold_db is None:
            object.__setattr__(self, "threshold_db", DEFAULT_THRESHOLD_DB[self.kind])
        _check(self.threshold_db, "threshold_db", -200.0, 200.0)
        _check(self.hysteresis_db, "hysteresis_db", 0.0, 100.0)
        for name in ("attack_ms", "hold_ms", "release_ms"):
            _check(getattr(self, name), name, 0.0, MAX_TIME_MS)
        if isinstance(self.range_db, bool) or not isinstance(self.range_db, (int, float)) or not self.range_db > 0.0:
            raise ValueError(f"range_db must be > 0 (inf: silence when shut), got {self.range_db!r}")

    def with_changes(self, **changes) -> GateSettings:
        """These settings with ``changes``; an unknown name is a ``ValueError`` listing the known ones."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"unknown gate parameter {unknown[0]!r}; known: {', '.join(sorted(known))}")
        return replace(self, **changes)

    def to_dict(self) -> dict:
        return asdict(self)


def _check(value, name: str, low: float, high: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ValueError(f"{name} must be a number from {low:g} to {high:g}, got {value!r}")


class NoiseGate:
    """Gates ``(channels, hop_samples)`` float32 hops in place; see the module's header."""

    def __init__(
        self, sample_rate: int, hop_samples: int, n_channels: int, n_freqs: int, settings: GateSettings = GateSettings()
    ) -> None:
        if sample_rate <= 0 or hop_samples <= 0 or n_channels <= 0 or n_freqs < 2:
            raise ValueError("sample_rate, hop_samples, n_channels must be positive and n_freqs at least 2")
        self.sample_rate = sample_rate
        self.hop_samples = hop_samples
        self.n_channels = n_channels
        self.n_freqs = n_freqs
        n_fft = 2 * (n_freqs - 1)
        bin_hz = sample_rate / n_fft
        self._band = (
            max(1, math.ceil(MUSIC_BAND_HZ[0] / bin_hz)),
            min(n_freqs, math.floor(MUSIC_BAND_HZ[1] / bin_hz) + 1),
        )
        # A signal at RMS r puts about r^2 * sum(window^2) into each bin of the (unnormalized) STFT.
        window_energy = float(np.sum(dual_windows(n_fft, hop_samples)[0].astype(np.float64) ** 2))
        n_band = self._band[1] - self._band[0]
        self._floor_energy = n_band * window_energy * 10.0 ** (PRESENCE_FLOOR_DBFS / 10.0)
        self._smoothing = math.exp(-hop_samples / (PRESENCE_SMOOTHING_MS * 1e-3 * sample_rate))
        self._energies = np.zeros(2, dtype=np.float64)  # smoothed kept and removed band energy
        self._state = np.zeros(4, dtype=np.float64)
        self._params = np.zeros(6, dtype=np.float64)
        self.gains = np.zeros(hop_samples, dtype=np.float32)  # the last hop's per-sample gain
        self.detector_db = DETECTOR_FLOOR_DB  # the last hop's detector value
        self.settings = settings
        self._apply(settings)
        self._warm_up()
        self.reset()
        self._state[_N_OPENS] = 0.0

    # ---- owner side -------------------------------------------------------------------------

    def configure(self, **params) -> None:
        """Change some parameters (the others keep their values); takes effect at the next hop."""
        settings = self.settings.with_changes(**params)
        self._apply(settings)
        self.settings = settings

    def reset(self) -> None:
        """Shut, at the closed gain, with the detector's memory cleared."""
        self._energies[:] = 0.0
        self._state[_OPEN] = 0.0
        self._state[_HOLD_LEFT] = 0.0
        self._state[_GAIN] = self._params[_CLOSED_GAIN]
        self.gains[:] = self._params[_CLOSED_GAIN]
        self.detector_db = DETECTOR_FLOOR_DB

    @property
    def is_open(self) -> bool:
        """Whether the gate has decided to let sound through (ramping up, open, or holding)."""
        return bool(self._state[_OPEN] > 0.5)

    @property
    def n_opens(self) -> int:
        """Times the gate opened since it was made (``reset`` keeps the count)."""
        return int(self._state[_N_OPENS])

    @property
    def gain(self) -> float:
        """The gain applied to the last sample of the last hop."""
        return float(self._state[_GAIN])

    def _apply(self, s: GateSettings) -> None:
        closed_gain = 0.0 if math.isinf(s.range_db) else 10.0 ** (-s.range_db / 20.0)
        samples_per_ms = self.sample_rate / 1000.0
        hop_ms = self.hop_samples / samples_per_ms
        self._params[_THRESHOLD] = s.threshold_db
        self._params[_HYSTERESIS] = s.hysteresis_db
        self._params[_HOLD_HOPS] = math.ceil(s.hold_ms / hop_ms - 1e-9)
        self._params[_STEP_UP] = (1.0 - closed_gain) / (max(s.attack_ms, MIN_RAMP_MS) * samples_per_ms)
        self._params[_STEP_DOWN] = (1.0 - closed_gain) / (max(s.release_ms, MIN_RAMP_MS) * samples_per_ms)
        self._params[_CLOSED_GAIN] = closed_gain
        self._mask_kind = s.kind == "mask"

    def _warm_up(self) -> None:
        # Compile both detectors now, for every hop layout, not on the first audio callback.
        mask = np.zeros((2, self.n_freqs), dtype=np.float32)
        spectrum = np.zeros((self.n_channels, self.n_freqs), dtype=np.complex64)
        for hop in hop_layouts(self.n_channels, self.hop_samples):
            for mask_kind in (False, True):
                self._mask_kind = mask_kind
                self.process_into(hop, mask, spectrum)
        self._mask_kind = self.settings.kind == "mask"

    # ---- audio side -------------------------------------------------------------------------

    def process_into(self, hop: np.ndarray, mask: np.ndarray, spectrum: np.ndarray) -> None:
        """Gate ``hop`` ``(channels, hop_samples)`` in place, given the model's ``mask`` ``(2, n_freqs)``
        and the noisy ``spectrum`` ``(channels, n_freqs)`` of the same hop."""
        if self._mask_kind:
            detector_db = _presence_db(
                spectrum, mask, self._band[0], self._band[1], self._energies, self._smoothing, self._floor_energy
            )
        else:
            detector_db = _peak_db(hop)
        self.detector_db = detector_db
        _gate_hop(hop, self.gains, detector_db, self._state, self._params)


def make_hop_hook(sample_rate: int, hop_samples: int, n_channels: int, n_freqs: int, **params) -> NoiseGate:
    """The engine's gate factory: a ``NoiseGate`` with ``GateSettings(**params)``."""
    return NoiseGate(sample_rate, hop_samples, n_channels, n_freqs, GateSettings().with_changes(**params))


@njit(cache=True, nogil=True)
def _peak_db(hop):
    """The hop's peak over every channel, in dBFS."""
    peak = 0.0
    for c in range(hop.shape[0]):
        for i in range(hop.shape[1]):
            x = abs(hop[c, i])
            if x > peak:
                peak = x
    return 20.0 * math.log10(peak) if peak > 1e-10 else DETECTOR_FLOOR_DB


@njit(cache=True, nogil=True)
def _presence_db(spectrum, mask, band_start, band_stop, energies, smoothing, floor_energy):
    """Energy the mask keeps over energy it removes in bins ``[band_start, band_stop)``, channel mean,
    each smoothed over hops in ``energies``; in dB. A non-finite mask bin counts as kept (the denoiser
    passes it through)."""
    n_channels = spectrum.shape[0]
    kept = 0.0
    removed = 0.0
    for k in range(band_start, band_stop):
        power = 0.0
        for c in range(n_channels):
            x = spectrum[c, k]
            power += x.real * x.real + x.imag * x.imag
        power /= n_channels
        g2 = mask[0, k] * mask[0, k] + mask[1, k] * mask[1, k]
        if not np.isfinite(g2):
            g2 = 1.0
        kept += power * g2
        if g2 < 1.0:
            removed += power * (1.0 - g2)
    energies[0] = smoothing * energies[0] + (1.0 - smoothing) * kept
    energies[1] = smoothing * energies[1] + (1.0 - smoothing) * removed
    ratio = energies[0] / (energies[1] + floor_energy)
    return 10.0 * math.log10(ratio) if ratio > 1e-20 else DETECTOR_FLOOR_DB


@njit(cache=True, nogil=True)
def _gate_hop(hop, gains, detector_db, state, params):
    """Decide open or shut for this hop, then ramp the gain sample by sample and apply it."""
    if state[0] > 0.5:
        if detector_db >= params[0] - params[1]:
            state[1] = params[2]  # above the closing level: the hold starts afresh when it falls
        elif state[1] >= 1.0:
            state[1] -= 1.0
        else:
            state[0] = 0.0
    elif detector_db >= params[0]:
        state[0] = 1.0
        state[1] = params[2]
        state[3] += 1.0
    target = 1.0 if state[0] > 0.5 else params[5]
    gain = state[2]
    for i in range(hop.shape[1]):
        if gain < target:
            gain = min(target, gain + params[3])
        elif gain > target:
            gain = max(target, gain - params[4])
        gains[i] = gain
        for c in range(hop.shape[0]):
            hop[c, i] *= gain
    state[2] = gain
