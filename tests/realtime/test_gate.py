"""The noise gate: each parameter's documented effect on synthetic bursts, no added delay (aligned with
the ungated denoiser, offline equal to the engine's callback), no clicks, and the mask-driven gate
against a level gate on loud noise with the shipped model."""

from __future__ import annotations

import math

import numpy as np
import pytest

from livedenoise.realtime.denoiser import StreamingDenoiser
from livedenoise.realtime.engine.callback import EngineCallback
from livedenoise.realtime.gate import MIN_RAMP_MS, GateSettings, NoiseGate, make_hop_hook
from livedenoise.realtime.gated_signal import gate_signal
from livedenoise.realtime.runtimes.model_choice import open_runtime

SAMPLE_RATE = 48000
HOP = 128
N_FREQS = 513


def level_gate(**params) -> NoiseGate:
    return NoiseGate(SAMPLE_RATE, HOP, 1, N_FREQS, GateSettings(kind="level", **params))


def run_gate(gate: NoiseGate, signal: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A mono signal (whole hops) through ``gate`` alone: gated audio, gain and open flag per sample."""
    mask = np.zeros((2, N_FREQS), dtype=np.float32)
    spectrum = np.zeros((1, N_FREQS), dtype=np.complex64)
    out = signal.astype(np.float32).reshape(-1, 1, HOP).copy()
    gains, flags = [], []
    for hop in out:
        gate.process_into(hop, mask, spectrum)
        gains.append(gate.gains.copy())
        flags.append(np.full(HOP, gate.is_open))
    return out.reshape(-1), np.concatenate(gains), np.concatenate(flags)


def tone(peak_dbfs: float, seconds: float, hz: float = 440.0) -> np.ndarray:
    t = np.arange(round(seconds * SAMPLE_RATE / HOP) * HOP) / SAMPLE_RATE
    return (10 ** (peak_dbfs / 20) * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def burst(
    peak_dbfs: float, on_s: float = 0.2, before_s: float = 0.1, after_s: float = 0.5
) -> tuple[np.ndarray, int, int]:
    """Silence, a tone burst, silence; with the burst's first and last+1 sample (both on hop bounds)."""
    before, on, after = tone(-200, before_s), tone(peak_dbfs, on_s), tone(-200, after_s)
    return np.concatenate([before, on, after]), before.size, before.size + on.size


def ms(n_samples: float) -> float:
    return 1000.0 * n_samples / SAMPLE_RATE


# ---- each parameter ----------------------------------------------------------------------------


def test_threshold_decides_which_level_opens_the_gate():
    signal, start, _ = burst(-40.0)
    for threshold_db, opens in ((-45.0, True), (-41.0, True), (-39.0, False), (-30.0, False)):
        _, _, flags = run_gate(level_gate(threshold_db=threshold_db), signal)
        assert flags.any() == opens, threshold_db
        if opens:  # at the burst's first hop: the gate decides on the hop it acts on
            assert np.argmax(flags) == start


def test_hysteresis_keeps_the_gate_open_until_the_level_falls_below_threshold_minus_hysteresis():
    # opens at -30, then the level drops to -38 dBFS peak for 0.3 s, then silence
    signal = np.concatenate([tone(-30.0, 0.1), tone(-38.0, 0.3), tone(-200, 0.3)])
    drop = tone(-30.0, 0.1).size
    _, _, flags = run_gate(level_gate(threshold_db=-35.0, hysteresis_db=6.0, hold_ms=0.0), signal)
    assert flags[: drop + tone(-38.0, 0.3).size].all()  # -38 is above -41: still open
    assert not flags[-HOP:].any()
    _, _, flags = run_gate(level_gate(threshold_db=-35.0, hysteresis_db=2.0, hold_ms=0.0), signal)
    assert flags[:drop].all() and not flags[drop:].any()  # -38 is below -37: shut at once


@pytest.mark.parametrize("attack_ms", [1.0, 5.0, 20.0])
def test_attack_is_the_time_from_shut_to_full_gain(attack_ms):
    signal, start, _ = burst(-20.0, on_s=0.1)
    _, gains, _ = run_gate(level_gate(attack_ms=attack_ms, range_db=80.0), signal)
    closed = 10 ** (-80 / 20)
    assert gains[start - 1] == pytest.approx(closed) and gains[start] > closed
    n_ramp = int(np.argmax(gains[start:] >= 1.0)) + 1
    assert n_ramp == pytest.approx(attack_ms * SAMPLE_RATE / 1000, abs=1)


@pytest.mark.parametrize("hold_ms", [0.0, 20.0, 100.0])
def test_hold_keeps_the_gate_open_after_the_signal_falls(hold_ms):
    signal, _, end = burst(-20.0)
    _, _, flags = run_gate(level_gate(hold_ms=hold_ms), signal)
    closed_at = end + int(np.argmax(~flags[end:]))
    held = closed_at - end
    assert held == math.ceil(hold_ms * SAMPLE_RATE / 1000 / HOP) * HOP  # in whole hops, rounded up
    assert ms(held) - HOP / SAMPLE_RATE * 1000 < hold_ms <= ms(held)


@pytest.mark.parametrize("release_ms", [5.0, 50.0, 200.0])
def test_release_is_the_time_from_full_gain_to_shut(release_ms):
    signal, _, end = burst(-20.0, after_s=0.5)
    _, gains, flags = run_gate(level_gate(hold_ms=0.0, release_ms=release_ms, range_db=60.0), signal)
    closed_at = end + int(np.argmax(~flags[end:]))
    assert gains[closed_at - 1] == 1.0
    n_ramp = int(np.argmax(gains[closed_at:] <= 10 ** (-60 / 20))) + 1
    assert n_ramp == pytest.approx(release_ms * SAMPLE_RATE / 1000, abs=1)


@pytest.mark.parametrize("range_db", [20.0, 60.0, math.inf])
def test_range_is_the_attenuation_when_shut(range_db):
    noise = tone(-60.0, 0.3)
    out, gains, flags = run_gate(level_gate(threshold_db=-50.0, range_db=range_db), noise)
    assert not flags.any()
    np.testing.assert_allclose(out, noise * (0.0 if math.isinf(range_db) else 10 ** (-range_db / 20)), rtol=1e-6)


def test_a_new_parameter_takes_effect_at_the_next_hop_and_reset_shuts_the_gate():
    gate = level_gate(threshold_db=-10.0)
    signal = tone(-20.0, 0.05)
    assert not run_gate(gate, signal)[2].any()
    gate.configure(threshold_db=-30.0)
    assert run_gate(gate, signal)[2].all()
    assert gate.settings.threshold_db == -30.0 and gate.settings.hold_ms == GateSettings().hold_ms
    gate.reset()
    assert not gate.is_open and gate.gain == pytest.approx(10 ** (-GateSettings().range_db / 20))
    gate.configure(kind="mask")
    assert gate.settings.kind == "mask"


@pytest.mark.parametrize(
    "params, name",
    [
        ({"kind": "loudness"}, "kind"),
        ({"threshold_db": float("nan")}, "threshold_db"),
        ({"hysteresis_db": -1.0}, "hysteresis_db"),
        ({"attack_ms": -1.0}, "attack_ms"),
        ({"hold_ms": 1e9}, "hold_ms"),
        ({"release_ms": "fast"}, "release_ms"),
        ({"range_db": 0.0}, "range_db"),
        ({"knee_db": 3.0}, "knee_db"),
    ],
)
def test_a_bad_parameter_is_a_value_error_naming_it(params, name):
    with pytest.raises(ValueError, match=name):
        make_hop_hook(SAMPLE_RATE, HOP, 1, N_FREQS, **params)
    gate = level_gate()
    with pytest.raises(ValueError, match=name):
        gate.configure(**params)
    assert gate.settings == GateSettings(kind="level")  # a refused change leaves the gate as it was


# ---- no clicks, no delay -------------------------------------------------------------------------


@pytest.mark.parametrize("attack_ms, release_ms", [(0.0, 0.0), (1.0, 10.0), (10.0, 100.0)])
def test_the_gain_never_jumps(attack_ms, release_ms):
    rng = np.random.default_rng(1)
    # bursts of every length around the threshold: the gate opens and shuts many times
    levels = rng.choice([-70.0, -20.0], size=60)
    signal = np.concatenate([tone(level, rng.uniform(0.003, 0.05)) for level in levels])
    _, gains, flags = run_gate(level_gate(attack_ms=attack_ms, hold_ms=0.0, release_ms=release_ms), signal)
    assert np.diff(flags.astype(int)).clip(0).sum() >= 10
    largest_step = 1.0 / (max(MIN_RAMP_MS, min(attack_ms, release_ms)) * SAMPLE_RATE / 1000)
    steps = np.abs(np.diff(gains.astype(np.float64)))
    assert steps.max() <= largest_step * (1 + 1e-4), f"a step of {steps.max():.4f} at sample {steps.argmax()}"


@pytest.mark.parametrize("kind", ["level", "mask"])
def test_the_gate_adds_no_delay_gated_output_is_the_denoisers_where_open(kind, music_like):
    runtime = open_runtime("dsp")
    quiet = 0.001 * np.random.default_rng(2).standard_normal((2, 48000)).astype(np.float32)
    signal = np.concatenate([quiet, music_like(n_channels=2, seconds=0.5) + quiet[:, :24000], quiet], axis=1)
    gated = gate_signal(signal, runtime, GateSettings(kind=kind, threshold_db=-30.0 if kind == "level" else 0.0))

    denoiser = StreamingDenoiser(open_runtime("dsp"), n_channels=2)
    alone = np.concatenate([denoiser.process(signal), denoiser.flush()], axis=1)[:, denoiser.latency_samples :]
    np.testing.assert_array_equal(gated.ungated, alone)  # the denoiser's own output, sample for sample
    assert gated.audio.shape == signal.shape and gated.is_open.any() and not gated.is_open.all()
    full = gated.gain == 1.0
    assert full.sum() > 20000
    np.testing.assert_array_equal(gated.audio[:, full], alone[:, full])  # open: untouched, same sample
    np.testing.assert_allclose(gated.audio, alone * gated.gain, rtol=1e-6, atol=1e-9)
    if kind == "level":  # it opens in the very hop where the denoised peak first reaches the threshold
        first_loud = int(np.argmax(np.abs(alone).max(axis=0) >= 10 ** (-30 / 20)))
        assert gated.opens[0] == first_loud // HOP * HOP


def test_offline_equals_the_engine_callback_sample_for_sample(music_like):
    settings = GateSettings(kind="mask", attack_ms=2.0, release_ms=30.0, hold_ms=10.0)
    signal = np.concatenate(
        [np.zeros((1, 12000), np.float32), music_like(seconds=0.4), np.zeros((1, 24000), np.float32)], axis=1
    )
    signal += 0.003 * np.random.default_rng(3).standard_normal(signal.shape).astype(np.float32)
    offline = gate_signal(signal, open_runtime("dsp"), settings)

    # a clock that stands still: no hop is ever late, so the overload guard never passes one dry
    callback = EngineCallback(StreamingDenoiser(open_runtime("dsp")), blocksize=96, clock_ns=lambda: 0)
    callback.hook = NoiseGate(SAMPLE_RATE, HOP, 1, N_FREQS, settings)
    padded = np.concatenate([signal, np.zeros((1, 2 * 96 + callback.latency_samples), np.float32)], axis=1)
    n_blocks = padded.shape[1] // 96
    live = np.zeros((1, n_blocks * 96), np.float32)
    for k in range(n_blocks):
        callback.process_block(padded[:, k * 96 : (k + 1) * 96], live[:, k * 96 : (k + 1) * 96])
    live = live[:, callback.latency_samples : callback.latency_samples + signal.shape[1]]
    assert offline.opens.size >= 1
    mismatch = np.flatnonzero(live[0] != offline.audio[0])
    assert mismatch.size == 0, f"first mismatch at sample {mismatch[0]}"


# ---- the mask gate on loud noise -----------------------------------------------------------------


def pluck(peak_dbfs: float, seconds: float, hz: float = 110.0) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    note = sum(np.sin(2 * np.pi * hz * k * t) / k for k in range(1, 6)) * np.exp(-3.0 * t)
    return (note / np.abs(note).max() * 10 ** (peak_dbfs / 20)).astype(np.float32)


def record_hops(runtime, signal: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The denoiser's hops, masks and input spectra, to run many gates over one model pass."""
    denoiser = StreamingDenoiser(runtime)
    hop_out = np.zeros((1, HOP), np.float32)
    hops = []
    for k in range(signal.size // HOP):
        denoiser.process_into(signal[None, k * HOP : (k + 1) * HOP], hop_out)
        hops.append((hop_out.copy(), denoiser.mask.copy(), denoiser.input_spectrum.copy()))
    return hops


def open_hops(hops, settings: GateSettings) -> np.ndarray:
    gate = NoiseGate(SAMPLE_RATE, HOP, 1, N_FREQS, settings)
    flags = []
    for hop, mask, spectrum in hops:
        gate.process_into(hop.copy(), mask, spectrum)
        flags.append(gate.is_open)
    return np.asarray(flags)


def test_the_mask_gate_stays_shut_in_loud_noise_and_opens_on_a_soft_pluck_where_a_level_gate_cannot():
    """A fan comes on (white noise at -25 dBFS RMS for 3 s) and goes off; then a soft pluck (-40 dBFS
    peak) in a quiet room. The mask gate ignores the fan and opens on the pluck; a level gate set to
    open on the pluck as fast opens on the fan's residue too, at every threshold."""
    rng = np.random.default_rng(4)
    noise_s, quiet_s = 3.0, 2.0
    room = 10 ** (-75 / 20) * rng.standard_normal(int((noise_s + quiet_s) * SAMPLE_RATE))
    room[: int(noise_s * SAMPLE_RATE)] *= 10 ** (50 / 20)
    onset = int((noise_s + 0.5) * SAMPLE_RATE)
    signal = room.astype(np.float32)
    signal[onset : onset + SAMPLE_RATE] += pluck(-40.0, 1.0)
    hops = record_hops(open_runtime("default"), signal)
    noise_hops = slice(round(0.1 * SAMPLE_RATE / HOP), round(noise_s * SAMPLE_RATE / HOP))
    onset_hop = onset // HOP

    def false_opens_and_delay(settings: GateSettings) -> tuple[int, int | None]:
        flags = open_hops(hops, settings)
        n_false = int(np.diff(flags[noise_hops].astype(int), prepend=0).clip(0).sum())
        after = np.flatnonzero(flags[onset_hop:])
        return n_false, None if after.size == 0 else int(after[0])

    mask_false, mask_delay = false_opens_and_delay(GateSettings(kind="mask"))
    assert mask_false == 0
    assert mask_delay is not None and mask_delay * HOP / SAMPLE_RATE <= 0.02, mask_delay
    as_fast = 0
    for threshold_db in np.arange(-90.0, 0.0, 1.0):
        level_false, level_delay = false_opens_and_delay(GateSettings(kind="level", threshold_db=float(threshold_db)))
        if level_delay is not None and level_delay <= mask_delay:
            as_fast += 1
            assert level_false > 0, f"a level gate at {threshold_db} dBFS opens as fast and ignores the noise"
    assert as_fast > 0


# ---- the mask gate with a noise print -------------------------------------------------------------


def hiss(seconds: float, seed: int, rms_dbfs: float = -30.0) -> np.ndarray:
    """Tape-like hiss: white noise lifted 12 dB above 4 kHz, rolled off above 16 kHz."""
    n = int(seconds * SAMPLE_RATE)
    spectrum = np.fft.rfft(np.random.default_rng(seed).standard_normal(n))
    hz = np.fft.rfftfreq(n, 1.0 / SAMPLE_RATE)
    shelf = 1.0 + (10 ** (12 / 20) - 1.0) * hz**2 / (hz**2 + 4000.0**2)
    noise = np.fft.irfft(spectrum * shelf / np.sqrt(1.0 + (hz / 16000.0) ** 8), n)
    return (noise / np.sqrt(np.mean(noise**2)) * 10 ** (rms_dbfs / 20)).astype(np.float32)


def test_the_mask_gate_on_hiss_alone_given_a_print_of_that_hiss_stays_shut():
    """Blind, the DSP baseline needs seconds to find the floor, and its mask lets the hiss through
    meanwhile: the gate opens. Given a print of the same hiss (another stretch of it), it removes the
    hiss from the first hop, and the gate never opens."""
    from livedenoise.realtime.noise_print import print_from_audio

    signal = hiss(4.0, seed=1)
    noise_print = print_from_audio(hiss(3.0, seed=2), SAMPLE_RATE)
    given = open_hops(record_hops(open_runtime("dsp", noise_print=noise_print), signal), GateSettings(kind="mask"))
    assert not given.any(), f"open on {given.sum()} hops of hiss alone"
    blind = open_hops(record_hops(open_runtime("dsp"), signal), GateSettings(kind="mask"))
    assert blind.any()
