"""Providers of the ONNX runtime: cpu, cuda (an error without a usable GPU), auto (CUDA, else the CPU, said once).

The state tensors and the frame are bound on the session's device; on the CPU the same binding
code runs with device "cpu", so these tests exercise it in CI. Where CUDA loads, the CUDA cases
compare with the CPU instead of expecting the error.
"""

import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from livedenoise.realtime.denoiser import StreamingDenoiser
from livedenoise.realtime.runtimes.model_choice import SHIPPED_MODEL
from livedenoise.realtime.runtimes.onnx_runtime import OnnxRuntime
from livedenoise.realtime.runtimes.protocol import ModelLoadError

LIVEDENOISE = str(Path(sys.executable).parent / "livedenoise")


def cuda_loads() -> bool:
    try:
        return OnnxRuntime(SHIPPED_MODEL, provider="auto").provider == "cuda"
    except ModelLoadError:
        return False


@pytest.fixture(scope="module")
def cpu_runtime():
    return OnnxRuntime(SHIPPED_MODEL, provider="cpu")


def frames(n_freqs, n_frames=64, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n_frames, 2, n_freqs)) * rng.uniform(0.01, 3.0, (n_frames, 1, 1))).astype(np.float32)


def test_cuda_is_a_one_line_error_without_a_usable_gpu_and_auto_says_it_runs_on_the_cpu(tmp_path):
    src = tmp_path / "in.wav"
    sf.write(src, np.zeros((4800, 1), np.float32), 48000)
    cuda = subprocess.run(
        [LIVEDENOISE, "file", src, tmp_path / "a.wav", "--provider", "cuda"], capture_output=True, text=True
    )
    auto = subprocess.run(
        [LIVEDENOISE, "file", src, tmp_path / "b.wav", "--provider", "auto"], capture_output=True, text=True
    )
    assert auto.returncode == 0, auto.stderr
    if cuda_loads():
        assert cuda.returncode == 0 and auto.stderr == "", cuda.stderr + auto.stderr
        return
    assert cuda.returncode == 1
    assert cuda.stderr.strip().splitlines() == [cuda.stderr.strip()] and "--provider cuda" in cuda.stderr
    assert "\x1b[" not in cuda.stderr + auto.stderr  # none of ONNX Runtime's coloured log
    assert auto.stderr.strip().splitlines() == [auto.stderr.strip()] and "running on the CPU" in auto.stderr


def cuda_session_opens() -> bool:
    """Whether a session asked for CUDA alone opens here (not what ``auto`` decides)."""
    try:
        OnnxRuntime(SHIPPED_MODEL, provider="cuda")
    except ModelLoadError:
        return False
    return True


def test_auto_takes_cuda_where_it_opens_and_matches_the_cpu_else_runs_on_the_cpu_saying_why(cpu_runtime):
    auto = OnnxRuntime(SHIPPED_MODEL, provider="auto")
    if not cuda_session_opens():
        assert auto.provider == "cpu" and auto.session.get_providers() == ["CPUExecutionProvider"]
        assert auto.fallback_reason, "auto fell back to the CPU without saying why"
        return
    assert auto.provider == "cuda" and auto.fallback_reason is None
    a, b = cpu_runtime.initial_state(), auto.initial_state()
    for spec in frames(cpu_runtime.card.n_freqs):
        np.testing.assert_allclose(auto.step(spec, b), cpu_runtime.step(spec, a), atol=1e-4)


def test_state_lives_in_bound_tensors_that_swap_each_hop_and_reset_to_zero(cpu_runtime):
    state = cpu_runtime.initial_state()
    names = [s.name for s in cpu_runtime.card.states]
    assert all(not state.state(name).any() for name in names)
    for spec in frames(cpu_runtime.card.n_freqs, n_frames=3):
        cpu_runtime.step(spec, state)
    assert any(state.state(name).any() for name in names)
    state.reset()
    assert all(not state.state(name).any() for name in names)


def test_a_hop_through_the_bound_device_tensors_keeps_no_memory(cpu_runtime):
    denoiser = StreamingDenoiser(cpu_runtime, 2)
    hop_in = np.random.default_rng(0).standard_normal((2, denoiser.hop_samples)).astype(np.float32)
    hop_out = np.zeros_like(hop_in)
    for _ in range(500):
        denoiser.process_into(hop_in, hop_out)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(3000):
            denoiser.process_into(hop_in, hop_out)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # ONNX Runtime's Python layer keeps a few transient objects of its own; a kept allocation per hop is 3000 of them
    assert grown < 6000, f"{grown} bytes kept after 3000 hops"
