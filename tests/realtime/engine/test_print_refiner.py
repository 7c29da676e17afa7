"""Auto mode's judge and learner, on spectra: a sustained sine and a decaying note are never learned, a
new steady noise is learned within the time constant, and the print it hands back is a NoisePrint."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from livedenoise.realtime.engine.print_refiner import TIME_CONSTANT_S, PrintRefiner, band_edges
from livedenoise.realtime.noise_print import print_from_audio
from livedenoise.realtime.stft import StftAnalyzer, StftConfig

SAMPLE_RATE = 48000
N_FFT = 1024
HOP = 128
CONFIG = StftConfig(N_FFT, HOP)
BIN_HZ = SAMPLE_RATE / N_FFT


def noise(seconds: float, seed: int, rms: float = 0.003, tilt_db_per_octave: float = 0.0) -> np.ndarray:
    """Gaussian noise ``(samples,)``; a tilt colours it (positive: brighter)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SAMPLE_RATE)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    hz = np.maximum(np.fft.rfftfreq(n, 1.0 / SAMPLE_RATE), 20.0)
    spectrum *= 10.0 ** (tilt_db_per_octave * np.log2(hz / 1000.0) / 20.0)
    audio = np.fft.irfft(spectrum, n)
    return (rms * audio / np.sqrt(np.mean(audio**2))).astype(np.float32)


class Stream:
    """A refiner on one stream: ``feed`` passes every hop of more audio through it, as the engine's
    callback would (the first frames, which hold the zeros before the stream, skipped)."""

    def __init__(self, room: np.ndarray | None, n_channels: int = 1) -> None:
        self.refiner = PrintRefiner(SAMPLE_RATE, N_FFT, HOP, n_channels)
        if room is not None:
            self.refiner.seed(print_from_audio(room, source="room"))
        self._analyzer = StftAnalyzer(CONFIG, n_channels)
        self._spectrum = np.zeros((n_channels, CONFIG.n_freqs), dtype=np.complex64)
        self._n_hops = 0

    def feed(self, audio: np.ndarray) -> int:
        """The hops learned from; ``audio`` ``(samples,)`` or ``(channels, samples)``."""
        audio = np.atleast_2d(audio)
        n = audio.shape[1] // HOP
        hops = audio[:, : n * HOP].reshape(audio.shape[0], n, HOP)
        n_learned = 0
        for index in range(hops.shape[1]):
            self._analyzer.analyze_into(np.ascontiguousarray(hops[:, index]), self._spectrum)
            self._n_hops += 1
            if self._n_hops >= N_FFT // HOP:
                n_learned += self.refiner.observe(self._spectrum)
        return n_learned

    def band_power_db(self) -> np.ndarray:
        return band_power_db(self.refiner.snapshot().power_db)


def band_power_db(power_db: np.ndarray) -> np.ndarray:
    edges = band_edges(power_db.size)
    power = 10.0 ** (power_db / 10.0)
    return np.array([10.0 * np.log10(power[a:b].mean()) for a, b in pairwise(edges)])


@pytest.mark.parametrize("sine_over_noise_db", [10.0, 20.0, 40.0])
def test_a_sustained_sine_is_never_learned(sine_over_noise_db):
    stream = Stream(noise(3.0, seed=1))
    before = stream.refiner.snapshot()
    hz = 440.0
    k = round(hz / BIN_HZ)
    # the sine's peak bin stands this far over the noise's mean power in that bin
    amplitude = (
        2.0 * np.sqrt(10.0 ** ((before.power_db[k] + sine_over_noise_db) / 10.0)) / np.sum(np.hanning(N_FFT)) * 1.1
    )
    t = np.arange(30 * SAMPLE_RATE) / SAMPLE_RATE
    played = noise(30.0, seed=2) + (amplitude * np.sin(2 * np.pi * hz * t)).astype(np.float32)
    assert stream.feed(played) == 0
    after = stream.refiner.snapshot()
    assert np.max(np.abs(after.power_db[k - 3 : k + 4] - before.power_db[k - 3 : k + 4])) < 1.0


def test_a_decaying_note_is_never_learned_while_the_noise_between_notes_is():
    stream = Stream(noise(3.0, seed=3))
    before = stream.refiner.snapshot()
    hz = 196.0
    t = np.arange(4 * SAMPLE_RATE) / SAMPLE_RATE
    note = sum(0.2 / n * np.sin(2 * np.pi * hz * n * t) for n in range(1, 6)) * np.exp(-3.0 * t)
    played = noise(40.0, seed=4) + np.tile(note, 10).astype(np.float32)
    n_learned = stream.feed(played)
    after = stream.refiner.snapshot()
    assert n_learned > 0  # the quiet stretch after each note's tail is the room
    for n in range(1, 6):
        k = round(n * hz / BIN_HZ)
        rise_db = np.max(after.power_db[k - 2 : k + 3] - before.power_db[k - 2 : k + 3])
        assert rise_db < 1.0, f"partial {n} ({n * hz:g} Hz) raised the print by {rise_db:.1f} dB"


def test_a_new_steady_noise_is_learned_within_the_time_constant():
    stream = Stream(noise(3.0, seed=5))
    assert stream.feed(noise(3.0, seed=12)) > 0  # the room as it was, the refiner listening
    old = stream.band_power_db()
    new_noise = noise(3 * TIME_CONSTANT_S + 3.0, seed=6, rms=0.0045, tilt_db_per_octave=1.2)
    target = band_power_db(print_from_audio(new_noise).power_db)
    assert np.abs(target - old).mean() > 2.0  # a real change: louder and brighter
    stream.feed(new_noise[: int(TIME_CONSTANT_S * SAMPLE_RATE)])
    after_one = stream.band_power_db()
    # what a time constant means: each band's power has closed all but 1/e of its gap
    left = np.abs(10.0 ** (after_one / 10.0) - 10.0 ** (target / 10.0)) / np.abs(
        10.0 ** (old / 10.0) - 10.0 ** (target / 10.0)
    )
    assert np.median(left) < np.exp(-1.0) + 0.1, left
    stream.feed(new_noise[int(TIME_CONSTANT_S * SAMPLE_RATE) :])
    after_three = stream.band_power_db()
    assert np.max(np.abs(target - after_three)) < 1.0


@pytest.mark.parametrize("n_channels", [1, 2])
def test_the_room_itself_is_learned_from_nearly_every_hop_and_keeps_the_print(n_channels):
    def room(seconds: float, seed: int) -> np.ndarray:  # each channel its own noise: a stereo room
        return np.stack([noise(seconds, seed=seed + 100 * c) for c in range(n_channels)])

    stream = Stream(room(3.0, seed=7), n_channels)
    before = stream.refiner.snapshot()
    n_hops = 20 * SAMPLE_RATE // HOP - N_FFT // HOP + 1
    n_learned = stream.feed(room(20.0, seed=8))
    after = stream.refiner.snapshot()
    assert n_learned > 0.9 * n_hops
    assert np.max(np.abs(band_power_db(after.power_db) - band_power_db(before.power_db))) < 0.5
    assert abs(after.level_dbfs - before.level_dbfs) < 0.3
    assert after.source == "room, refined" and after.duration_s > before.duration_s


def test_a_quieter_room_is_learned_and_a_muted_input_teaches_nothing():
    stream = Stream(noise(3.0, seed=13))
    assert stream.feed(noise(8.0, seed=14, rms=0.001)) > 0
    assert np.all(stream.band_power_db() < band_power_db(print_from_audio(noise(3.0, seed=13)).power_db) - 5.0)

    stream = Stream(noise(3.0, seed=9))
    assert stream.feed(1e-6 * noise(5.0, seed=15)) == 0


def test_an_open_gate_means_music():
    refiner = Stream(noise(3.0, seed=10)).refiner
    spectrum = np.zeros((1, CONFIG.n_freqs), dtype=np.complex64)
    spectrum[0] = np.sqrt(10.0 ** (refiner.snapshot().power_db / 10.0))
    assert not any(refiner.observe(spectrum, gate_open=True) for _ in range(2000))


def test_a_refiner_without_a_print_learns_nothing_and_says_so():
    stream = Stream(None)
    assert stream.feed(noise(1.0, seed=11)) == 0
    with pytest.raises(ValueError, match="seed it first"):
        stream.refiner.snapshot()
