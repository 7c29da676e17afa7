"""PrintRefiner: auto mode, the noise print kept up to date from the hops that hold the room's noise alone.

A room's noise drifts (a fan speeds up, the traffic outside changes); a print learned once goes
stale. In auto mode each hop is judged against the current print, and a hop that holds noise alone
moves the print towards itself with a time constant of ``TIME_CONSTANT_S`` seconds (exponential
averages of each bin's log power, its square and its power, the statistics ``NoisePrint`` keeps).

A hop holds noise alone when all of these hold:
- the noise gate, where one runs, is shut (with the mask gate: the model hears no music);
- no band of the input (half an octave, at least ``MIN_BAND_BINS`` bins), smoothed over
  ``JUDGE_SMOOTHING_MS``, is more than ``BAND_RISE_DB`` louder than the print (music adds to the
  room, so it is louder), nor more than ``BAND_FALL_DB`` softer (a muted input is not a quiet room);
- no bin stands ``TONE_DB`` above its band (no tone, so no pitch: a held note or a hum that came
  in later is music to this judge, never noise);
- nothing else was heard for ``HOLD_S`` before it: a note's tail is still a note while it sinks
  into the noise, and the hold lets it die before the print listens again;
- nothing else was heard for ``DELAY_S`` after it either: the judge's smoothing hears a soft tone
  only after a while, so the refiner learns from hops that old, kept in a short ring, once the
  hops since have been judged too.

Measured on steady noise, the smoothed bins stay within 4.3 dB of the print (17 s of white noise),
so the tone threshold never rejects the room itself. A new steady noise no louder than the rise
allows, or a quieter one, is learned within the time constant; a louder one is taken for something
played (learn the room again for that).

The owner gives the refiner a print to start from (``seed``: written aside, picked up by the
callback at its next hop, so the callback never reads half a print) and reads the refined one back
(``snapshot``, off the callback; a bin read while the callback updates it is one hop newer than its
neighbours, which a time constant of seconds makes no difference to).

Real-time contract: ``observe`` runs one compiled kernel on preallocated arrays: it allocates
nothing, does no I/O and takes no lock.
"""

from __future__ import annotations

import math
import time

import numpy as np
from numba import njit

from livedenoise.realtime.noise_print import POWER_FLOOR, NoisePrint
from livedenoise.realtime.stft import StftConfig

PRINT_MODES = ("freeze", "auto")  # how the live engine treats its print: kept as it is, or refined here
TIME_CONSTANT_S = 4.0
JUDGE_SMOOTHING_MS = 200.0
BAND_RISE_DB = 6.0
BAND_FALL_DB = 20.0
TONE_DB = 6.0
HOLD_S = 1.0
DELAY_S = 0.25  # the judge's smoothing needs this long to hear a soft tone come in
MIN_BAND_BINS = 4
EMPTY_BIN_DB = -60.0  # a bin the print leaves empty is judged against this far below the print's loudest
SEED_WAIT_S = 0.5

# slots of the kernel's state
_APPLIED_SEQ, _N_CLEAR, _N_ACCEPTED, _N_JUDGED, _FLOOR = range(5)
# slots of its parameters
_JUDGE_ALPHA, _REFINE_ALPHA, _BAND_RISE, _BAND_FALL, _TONE, _HOLD_HOPS = range(6)


def band_edges(n_freqs: int) -> np.ndarray:
    """Bins ``[edges[b], edges[b + 1])`` of each band: half an octave wide, at least ``MIN_BAND_BINS``, from bin 1
    (the DC bin says nothing about the room)."""
    edges = [1]
    while edges[-1] < n_freqs:
        width = max(MIN_BAND_BINS, round(edges[-1] * (math.sqrt(2.0) - 1.0)))
        edges.append(min(n_freqs, edges[-1] + width))
    if len(edges) > 2 and edges[-1] - edges[-2] < MIN_BAND_BINS:
        edges.pop(-2)  # a sliver at the top joins the band below
    return np.asarray(edges, dtype=np.int64)


@njit(cache=True, nogil=True)
def _refine_hop(spectrum, gate_open, seed_seq, stats, seed, smoothed, power_now, recent, edges, state, params):
    """Judge one hop ``(channels, n_freqs)`` complex; when the hop ``recent.shape[0]`` hops ago is known to hold
    noise alone, move ``stats`` towards it. Returns 1 when a hop was learned from, else 0."""
    if seed_seq != state[_APPLIED_SEQ]:
        stats[:, :] = seed
        loudest = 0.0
        for k in range(seed.shape[1]):
            smoothed[k] = seed[2, k]
            loudest = max(loudest, seed[2, k])
        state[_FLOOR] = max(loudest * 10.0 ** (EMPTY_BIN_DB / 10.0), POWER_FLOOR)
        state[_N_CLEAR] = 0.0
        state[_APPLIED_SEQ] = seed_seq
    if state[_APPLIED_SEQ] == 0:
        return 0  # never seeded: nothing to judge against
    n_delay = recent.shape[0]
    slot = int(state[_N_JUDGED]) % n_delay  # holds the hop ``n_delay`` hops ago, until this one replaces it
    state[_N_JUDGED] += 1.0
    n_channels = spectrum.shape[0]
    judge_alpha = params[_JUDGE_ALPHA]
    for k in range(spectrum.shape[1]):
        magnitude = 0.0
        for c in range(n_channels):
            magnitude += abs(spectrum[c, k])
        magnitude /= n_channels  # the channels' mean magnitude, as the denoiser and the learner take it
        power_now[k] = magnitude * magnitude
        smoothed[k] += judge_alpha * (power_now[k] - smoothed[k])
    alone = not gate_open
    floor = state[_FLOOR]
    for b in range(edges.size - 1):
        if not alone:
            break
        heard_power = 0.0
        print_power = 0.0
        for k in range(edges[b], edges[b + 1]):
            heard_power += smoothed[k]
            print_power += max(stats[2, k], floor)
        band_db = 10.0 * math.log10(max(heard_power, POWER_FLOOR) / print_power)
        if band_db > params[_BAND_RISE] or band_db < -params[_BAND_FALL]:
            alone = False
        for k in range(edges[b], edges[b + 1]):
            bin_db = 10.0 * math.log10(max(smoothed[k], POWER_FLOOR) / max(stats[2, k], floor))
            if bin_db - band_db > params[_TONE]:
                alone = False
                break
    state[_N_CLEAR] = state[_N_CLEAR] + 1.0 if alone else 0.0
    learned = 0
    if state[_N_CLEAR] > params[_HOLD_HOPS] + n_delay:
        # the hop in ``slot``, and the hold before it, and every hop since: all the room alone
        alpha = params[_REFINE_ALPHA]
        for k in range(stats.shape[1]):
            power = recent[slot, k]
            db = 10.0 * math.log10(max(power, POWER_FLOOR))
            stats[0, k] += alpha * (db - stats[0, k])
            stats[1, k] += alpha * (db * db - stats[1, k])
            stats[2, k] += alpha * (power - stats[2, k])
        state[_N_ACCEPTED] += 1.0
        learned = 1
    recent[slot, :] = power_now
    return learned


class PrintRefiner:
    """Refines a print from input spectra ``(channels, n_freqs)`` complex64 that hold noise alone."""

    def __init__(
        self, sample_rate: int, n_fft: int, hop_samples: int, n_channels: int, time_constant_s: float = TIME_CONSTANT_S
    ) -> None:
        if not time_constant_s > 0.0:
            raise ValueError(f"time_constant_s must be > 0, got {time_constant_s}")
        self.sample_rate = sample_rate
        self.n_fft = n_fft
        self.hop_samples = hop_samples
        self.time_constant_s = time_constant_s
        n_freqs = StftConfig(n_fft, hop_samples).n_freqs
        self._stats = np.zeros((3, n_freqs), dtype=np.float64)  # mean dB, mean squared dB, mean power
        self._seed = np.zeros((3, n_freqs), dtype=np.float64)
        self._smoothed = np.zeros(n_freqs, dtype=np.float64)
        self._power_now = np.zeros(n_freqs, dtype=np.float64)
        self._recent = np.zeros((max(1, round(DELAY_S * sample_rate / hop_samples)), n_freqs), dtype=np.float32)
        self._edges = band_edges(n_freqs)
        self._state = np.zeros(5, dtype=np.float64)
        self._params = np.array(
            [
                1.0 - math.exp(-hop_samples / (JUDGE_SMOOTHING_MS * 1e-3 * sample_rate)),
                1.0 - math.exp(-hop_samples / (time_constant_s * sample_rate)),
                BAND_RISE_DB,
                BAND_FALL_DB,
                TONE_DB,
                math.ceil(HOLD_S * sample_rate / hop_samples),
            ],
            dtype=np.float64,
        )
        self._seed_seq = 0
        self._bin_weights = np.full(n_freqs, 2.0)  # a one-sided spectrum: the end bins count once
        self._bin_weights[0] = self._bin_weights[-1] = 1.0
        self._origin: NoisePrint | None = None
        self.n_accepted_at_seed = 0
        self._warm_up(n_channels, n_freqs)

    def _warm_up(self, n_channels: int, n_freqs: int) -> None:
        spectrum = np.ones((n_channels, n_freqs), dtype=np.complex64)
        for gate_open in (False, True):
            _refine_hop(
                spectrum,
                gate_open,
                0,
                self._stats,
                self._seed,
                self._smoothed,
                self._power_now,
                self._recent,
                self._edges,
                self._state,
                self._params,
            )
        self._state[:] = 0.0

    # ---- owner side -------------------------------------------------------------------------

    @property
    def seeded(self) -> bool:
        return self._origin is not None

    @property
    def n_accepted(self) -> int:
        """Hops learned from since the refiner was made."""
        return int(self._state[_N_ACCEPTED])

    @property
    def n_judged(self) -> int:
        return int(self._state[_N_JUDGED])

    def seed(self, noise_print: NoisePrint) -> None:
        """Refine ``noise_print`` from now on. The callback picks it up at its next hop; a seed given
        before the last was picked up waits (briefly) for it, so the callback never reads half a seed."""
        noise_print.check_geometry(self.sample_rate, self.n_fft, self.hop_samples)
        deadline = time.monotonic() + SEED_WAIT_S
        while self._state[_APPLIED_SEQ] != self._seed_seq and time.monotonic() < deadline:
            time.sleep(1e-3)
        mean_db = noise_print.mean_db.astype(np.float64)
        self._seed[0] = mean_db
        self._seed[1] = mean_db * mean_db + noise_print.spread_db.astype(np.float64) ** 2
        self._seed[2] = np.power(10.0, noise_print.power_db.astype(np.float64) / 10.0)
        self._origin = noise_print
        self.n_accepted_at_seed = self.n_accepted
        self._seed_seq += 1

    def snapshot(self) -> NoisePrint:
        """The refined print now (the seed itself until the callback has learned from a hop)."""
        origin = self._origin
        if origin is None:
            raise ValueError("the refiner has no print to refine: seed it first")
        if self._state[_APPLIED_SEQ] != self._seed_seq:
            return origin
        stats = self._stats.copy()
        mean_db = stats[0]
        spread_db = np.sqrt(np.maximum(stats[1] - mean_db * mean_db, 0.0))
        power_db = 10.0 * np.log10(np.maximum(stats[2], POWER_FLOOR))
        origin_power = np.power(10.0, origin.power_db.astype(np.float64) / 10.0)
        # the level follows the power: the seed's level, moved by the change of the whole spectrum's power
        power_now = max(float(np.sum(self._bin_weights * stats[2])), 1e-30)
        power_then = max(float(np.sum(self._bin_weights * origin_power)), 1e-30)
        level_dbfs = origin.level_dbfs + 10.0 * math.log10(power_now / power_then)
        n_learned = self.n_accepted - self.n_accepted_at_seed
        duration_s = origin.duration_s + n_learned * self.hop_samples / self.sample_rate
        source = origin.source if origin.source.endswith("refined") else f"{origin.source or 'the room'}, refined"
        return NoisePrint(
            self.sample_rate, self.n_fft, self.hop_samples, mean_db, spread_db, power_db, duration_s, level_dbfs, source
        )

    # ---- audio side -------------------------------------------------------------------------

    def observe(self, spectrum: np.ndarray, gate_open: bool = False) -> bool:
        """Judge one hop's input spectrum and learn from it when it holds noise alone; whether it did."""
        return (
            _refine_hop(
                spectrum,
                gate_open,
                self._seed_seq,
                self._stats,
                self._seed,
                self._smoothed,
                self._power_now,
                self._recent,
                self._edges,
                self._state,
                self._params,
            )
            == 1
        )
