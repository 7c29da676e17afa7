"""The noise print in the engine process, on a real JACK server (dummy back end), a noise file for input:
learned from the first seconds then used, given and taken away while it runs, refined in auto mode
towards a new steady noise, kept across a restart; without a print nothing of it shows."""

from __future__ import annotations

import time
from itertools import pairwise

import numpy as np
import pytest
import soundfile as sf

from livedenoise.bench.e2e import PROBE_CLIENT
from livedenoise.realtime.engine.devices import use_jack_client_name
from livedenoise.realtime.engine.print_refiner import TIME_CONSTANT_S, band_edges
from livedenoise.realtime.engine.process import EngineProcess, EngineSettings
from livedenoise.realtime.noise_print import NoisePrint, print_from_audio
from livedenoise.realtime.print_status import print_status

SAMPLE_RATE = 48000
START_TIMEOUT_S = 120.0


def noise(seconds: float, seed: int, rms: float, tilt_db_per_octave: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(seconds * SAMPLE_RATE)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    hz = np.maximum(np.fft.rfftfreq(n, 1.0 / SAMPLE_RATE), 20.0)
    spectrum *= 10.0 ** (tilt_db_per_octave * np.log2(hz / 1000.0) / 20.0)
    audio = np.fft.irfft(spectrum, n)
    return (rms * audio / np.sqrt(np.mean(audio**2))).astype(np.float32)


def band_power_db(noise_print: NoisePrint) -> np.ndarray:
    edges = band_edges(noise_print.n_freqs)
    power = 10.0 ** (noise_print.power_db / 10.0)
    return np.array([10.0 * np.log10(power[a:b].mean()) for a, b in pairwise(edges)])


def wait_for(condition, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.fixture
def engine_on(jack_server, tmp_path):
    """``engine_on(audio, **settings)``: an engine process fed ``audio`` in a loop, started; stopped afterwards."""
    use_jack_client_name(PROBE_CLIENT)
    engines = []

    def make(audio: np.ndarray, **changes) -> EngineProcess:
        path = tmp_path / f"input-{len(engines)}.wav"
        sf.write(path, audio, SAMPLE_RATE, subtype="FLOAT")
        settings = EngineSettings(**{"output_device": "system", "model": "dsp", "source_file": path, **changes})
        engines.append(EngineProcess(settings))
        engines[-1].start(timeout_s=START_TIMEOUT_S)
        return engines[-1]

    yield make
    for engine in engines:
        engine.stop()


def test_the_first_seconds_are_learned_then_used_and_kept_across_a_restart(engine_on):
    room = noise(4.0, seed=1, rms=0.01)
    engine = engine_on(room, learn_seconds=1.0)
    assert wait_for(lambda: any(e.kind == "print_learned" for e in engine.events()), 30.0)
    learned = engine.noise_print
    assert learned is not None and learned.source == "the room"
    assert learned.duration_s == pytest.approx(1.0, abs=0.01)
    assert learned.level_dbfs == pytest.approx(-40.0, abs=0.5)  # 0.01 RMS
    info = engine.state()["print"]
    assert info["used"] and info["learning_left_s"] is None and info["mode"] == "freeze"
    assert print_status(info).startswith("print the room -40.")
    # learned from the first second of the file: the print of that second, made offline
    offline = print_from_audio(room[: int(learned.duration_s * SAMPLE_RATE)])
    assert np.max(np.abs(band_power_db(learned) - band_power_db(offline))) < 0.5
    engine.read_levels()
    time.sleep(1.0)
    level_in, level_out = engine.read_levels()
    assert level_out < level_in - 15.0  # dsp removes the noise the print describes
    engine.restart()
    np.testing.assert_array_equal(engine.noise_print.power_db, learned.power_db)
    info = engine.state()["print"]
    assert info["source"] == "the room" and info["age_s"] >= 0.0 and info["learning_left_s"] is None


def test_a_print_is_given_and_taken_away_while_it_runs_and_a_wrong_one_refused(engine_on):
    room = noise(2.0, seed=2, rms=0.01)
    engine = engine_on(room)
    assert engine.state()["print"]["source"] is None and print_status(engine.state()["print"]) == ""
    given = print_from_audio(room, source="room.wav")
    engine.set_noise_print(given, made_at=time.time() - 120.0)
    assert wait_for(lambda: engine.state()["print"]["source"] == "room.wav", 10.0)
    assert "made 2 min ago, frozen" in print_status(engine.state()["print"])
    other = NoisePrint(48000, 2048, 256, np.zeros(1025), np.zeros(1025), np.zeros(1025), 3.0, -40.0)
    engine.set_noise_print(other)
    assert wait_for(lambda: any(e.kind == "error" and "n_fft 2048" in e.message for e in engine.events()), 10.0)
    assert engine.state()["print"]["source"] == "room.wav" and engine.alive
    engine.set_noise_print(None)
    assert wait_for(lambda: engine.state()["print"]["source"] is None, 10.0)
    assert engine.noise_print is None


def test_auto_mode_learns_a_new_steady_noise_within_its_time_constant(engine_on):
    before = noise(1.5, seed=3, rms=0.004)
    after = noise(40.0, seed=4, rms=0.006, tilt_db_per_octave=1.0)
    engine = engine_on(np.concatenate([before, after]), learn_seconds=1.0, print_mode="auto")
    assert wait_for(lambda: any(e.kind == "print_learned" for e in engine.events()), 30.0)
    target = band_power_db(print_from_audio(after))
    assert np.mean(np.abs(band_power_db(engine.noise_print) - target)) > 2.0
    # three time constants after the change, give or take a start on a busy machine
    assert wait_for(
        lambda: np.max(np.abs(band_power_db(engine.noise_print) - target)) < 1.0, 3 * TIME_CONSTANT_S + 20.0
    )
    info = engine.state()["print"]
    assert info["mode"] == "auto" and info["source"] == "the room, refined" and info["refined_age_s"] < 5.0
    engine.set_print_mode("freeze")
    assert wait_for(lambda: engine.state()["print"]["mode"] == "freeze", 10.0)
    frozen = engine.noise_print
    time.sleep(2.0)
    assert engine.noise_print is frozen  # freeze: nothing new comes back
