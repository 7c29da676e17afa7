"""AudioEngine on a real JACK server (dummy back end): latency, continuity, overloads, device loss, controls, taps."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np
import pytest

from livedenoise.bench.e2e import LoopbackProbe, find_engine_ports, jack_ports, jack_rewire, round_trip
from livedenoise.realtime.engine import AudioEngine, EngineError
from livedenoise.realtime.model_choice import open_runtime

SYSTEM = "system"


def make_engine(model="identity", **kwargs) -> AudioEngine:
    runtime = open_runtime(model) if isinstance(model, str) else model
    return AudioEngine(runtime, SYSTEM, SYSTEM, **kwargs)


def wait_for(condition, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


@pytest.mark.parametrize("model", ["identity", "dsp"])
def test_round_trip_latency_is_device_buffering_plus_engine_latency(jack_server, model):
    engine = make_engine(model)
    try:
        trip = round_trip(engine, engine.input_device.index)
        # The engine's stream reports its in+out buffering on the graph (two periods on the dummy
        # driver); the probe that closes the loop in the same graph adds its own period.
        reported_samples = engine.device_latency_samples
    finally:
        engine.stop()
    assert reported_samples == 2 * jack_server.period_samples
    device_samples = reported_samples + jack_server.period_samples
    expected = device_samples + engine.algorithmic_latency_samples
    lag = int(np.median(trip["lags_samples"]))
    assert abs(lag - expected) <= engine.blocksize, f"round trip {trip['lags_samples']}, expected {expected}"


def test_engine_streams_at_block_128_and_accounts_for_every_xrun(jack_server):
    # Whether a shared machine schedules every cycle in time is measured by `bench e2e`, not here:
    # this checks what the engine controls. Inline processing cannot lose samples between its rings,
    # and every xrun the engine counts is one the server reports.
    engine = make_engine("dsp", blocksize=128)
    engine.start()
    try:
        time.sleep(10.0)
        assert not engine.poll()
        stats = engine.stats()
    finally:
        engine.stop()
    assert stats["n_callbacks"] > 0.8 * 10 * 48000 / 128
    assert stats["n_ring_xruns"] == 0, stats
    assert stats["n_device_xruns"] <= jack_server.n_xruns(), (stats, jack_server.log())


def test_no_sample_lost_or_duplicated(jack_server):
    sent = (np.arange(12000, dtype=np.float32) % 997 - 498) / 1000.0  # distinct, non-periodic within a hop
    # Bursts are sent until enough arrive clean (each takes 0.7 s of the probe's recording).
    n_clean_wanted, max_bursts = 3, 24
    engine = make_engine("identity")
    before = set(jack_ports())
    engine.start()
    engine_in, engine_out = find_engine_ports(before)
    probe = LoopbackProbe(engine.input_device.index, engine.sample_rate, engine.blocksize, max_seconds=max_bursts)
    clean_bursts = []
    try:
        jack_rewire(probe.output_port, engine_in)
        jack_rewire(engine_out, probe.input_port)
        for _ in range(max_bursts):
            if len(clean_bursts) == n_clean_wanted:
                break
            n_xruns0, n_server_xruns0 = engine.n_xruns, jack_server.n_xruns()
            at = probe.send(sent)
            time.sleep(0.2 + 2 * sent.size / engine.sample_rate)
            # An xrun loses samples whatever the engine does, and a shared machine has one now and
            # then: only bursts that no xrun interrupted are checked.
            if engine.n_xruns == n_xruns0 and jack_server.n_xruns() == n_server_xruns0:
                lag = probe.lag_samples(sent[:4095], at, 4800)
                clean_bursts.append(probe._record[at + lag : at + lag + sent.size].copy())
    finally:
        probe.close()
        engine.stop()
    assert clean_bursts, f"an xrun interrupted every burst:\n{jack_server.log()}"
    for received in clean_bursts:
        error = np.abs(received - sent)
        first_bad = int(np.argmax(error > 1e-3))
        assert error.max() <= 1e-3, f"first mismatch at sample {first_bad}: {received[first_bad]} != {sent[first_bad]}"


class SlowRuntime:
    """Wraps a runtime; while ``slow`` is set, each step spins for ``delay_s`` first."""

    def __init__(self, runtime, delay_s: float) -> None:
        self._runtime = runtime
        self.card = runtime.card
        self.delay_s = delay_s
        self.slow = False
        self.n_steps = 0

    def initial_state(self):
        return self._runtime.initial_state()

    def step(self, spec, state):
        self.n_steps += 1
        if self.slow:
            end = time.perf_counter() + self.delay_s
            while time.perf_counter() < end:
                pass
        return self._runtime.step(spec, state)


SLOW_WINDOW_S = 2.0


def test_overload_falls_back_to_dry_and_recovers(jack_server):
    runtime = SlowRuntime(open_runtime("dsp"), delay_s=2 * 128 / 48000)
    engine = make_engine(runtime)
    engine.start()
    try:
        time.sleep(0.5)
        # The machine's own xruns (a thread woken late) are counted over a quiet window of the same
        # length first, so the bound below measures what the slow model adds.
        n_xruns0 = engine.n_xruns
        time.sleep(SLOW_WINDOW_S)
        n_xruns_quiet = engine.n_xruns - n_xruns0
        n_xruns0, n_callbacks0 = engine.n_xruns, engine.n_callbacks
        runtime.slow = True
        time.sleep(SLOW_WINDOW_S)
        runtime.slow = False
        n_overloads = engine.n_overloads
        n_xruns_slow = engine.n_xruns - n_xruns0
        n_callbacks_slow = engine.n_callbacks - n_callbacks0
        assert wait_for(lambda: engine._n_dry_hops_left == 0, 3.0)
        n_steps0, n_callbacks0 = runtime.n_steps, engine.n_callbacks
        time.sleep(1.0)
        n_model_hops = runtime.n_steps - n_steps0
        n_hops = engine.n_callbacks - n_callbacks0
        assert not engine.poll()
    finally:
        engine.stop()
    assert n_overloads >= 1
    assert engine.n_dry_hops > n_overloads  # every overload was followed by dry hops
    # Back-off doubles up to 1 s: 2 s of a too-slow model costs a handful of overloads, not hundreds.
    assert n_overloads <= 12, f"{n_overloads} overloads"
    # Without the guard every callback of the window would be late; with it, only the overloaded hops.
    assert n_xruns_slow - n_xruns_quiet <= 0.1 * n_callbacks_slow, (
        f"{n_xruns_slow} xruns in {n_callbacks_slow} callbacks while slow, {n_xruns_quiet} in a quiet window"
    )
    assert n_model_hops >= 0.9 * n_hops, f"model ran {n_model_hops} of {n_hops} hops after the load dropped"


def test_controls_change_bypass_strength_and_model(jack_server):
    engine = make_engine("dsp")
    engine.start()
    try:
        engine.set_bypass(True)
        engine.set_strength_db(12.0)
        assert wait_for(lambda: engine.denoiser.bypass and engine.denoiser.strength_db == 12.0)
        identity = open_runtime("identity")
        engine.set_runtime(identity)
        assert wait_for(lambda: engine.denoiser.runtime is identity)
        assert engine.denoiser.bypass and engine.denoiser.strength_db == 12.0
        with pytest.raises(ValueError):
            engine.set_strength_db(-1.0)
    finally:
        engine.stop()


def test_taps_deliver_without_blocking(jack_server):
    engine = make_engine("dsp", tap_capacity=32)
    engine.start()
    try:
        assert wait_for(lambda: engine.columns.n_unread > 0)
        columns = engine.columns.drain()
        assert columns.ndim == 3 and columns.shape[1:] == (3, engine.denoiser.stft.n_freqs)
        assert np.isfinite(columns).all()
        level = None
        assert wait_for(lambda: engine.levels.n_unread > 0)
        level = engine.levels.latest()
        assert level.shape == (4,) and np.all(level <= 1.0)
        # A reader that stops reading costs the audio path nothing: items are dropped, callbacks go on.
        n_callbacks0 = engine.n_callbacks
        time.sleep(0.5)
        assert engine.hops.n_dropped > 0
        assert engine.n_callbacks - n_callbacks0 > 0.5 * 0.5 * 48000 / 128
        assert engine.hops.get().shape == (1, engine.hop_samples)
    finally:
        engine.stop()


DEVICE_LOSS_SCRIPT = """
import json, os, sys, time
from livedenoise.realtime.engine import AudioEngine, EngineError
from livedenoise.realtime.model_choice import open_runtime
engine = AudioEngine(open_runtime("identity"), "system", "system")
engine.start()
time.sleep(0.5)
print("streaming", flush=True)
sys.stdin.readline()  # the test kills the server now
deadline = time.monotonic() + 5.0
events = []
while not events and time.monotonic() < deadline:
    time.sleep(0.05)
    events = engine.poll()
t0 = time.monotonic()
engine.stop()
result = {"events": [[e.kind, e.message] for e in events], "stop_s": time.monotonic() - t0, "running": engine.running}
print(json.dumps(result), flush=True)
os._exit(0)  # PortAudio's exit handler would wait on the dead stream
"""


def test_device_loss_gives_an_error_event_and_a_clean_stop_then_starts_again(jack_servers):
    # In child processes: PortAudio's JACK back end cannot be shut down after its server dies, so
    # starting again on a fresh server takes a fresh process.
    for _ in range(2):
        server = jack_servers()
        child = subprocess.Popen([sys.executable, "-c", DEVICE_LOSS_SCRIPT], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
        try:
            assert child.stdout.readline().strip() == "streaming"
            server.kill()
            child.stdin.write("\n")
            child.stdin.flush()
            result = json.loads(child.stdout.readline())
            assert child.wait(timeout=10) == 0
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
            child.stdin.close()
            child.stdout.close()
        assert [kind for kind, _ in result["events"]] == ["device_lost"], result
        assert "device" in result["events"][0][1]
        assert result["stop_s"] < 2.0 and not result["running"]


@pytest.mark.parametrize("jack_server", [44100], indirect=True)
def test_a_device_at_another_rate_is_refused_with_a_clear_message(jack_server):
    engine = make_engine("dsp")
    with pytest.raises(EngineError, match="48000 Hz") as info:
        engine.start()
    assert "livedenoise file" in str(info.value)  # and says what to do instead
    assert not engine.running
