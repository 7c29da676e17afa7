"""Front ends: a model through the streaming denoiser, aligned and of the input's length, described
as a peer is."""

from __future__ import annotations

import numpy as np
import pytest

from livedenoise.bench.front_end import ModelFrontEnd, open_front_end
from livedenoise.realtime.runtimes.protocol import ModelLoadError


def test_a_model_front_end_is_aligned_and_refuses_another_rate():
    front = open_front_end("identity", strength_db=40.0)
    assert isinstance(front, ModelFrontEnd) and front.causal
    audio = np.random.default_rng(0).standard_normal(10_007).astype(np.float32)
    out = front.process_mono(audio, front.sample_rate)
    assert out.shape == audio.shape and np.max(np.abs(out - audio)) < 1e-4
    assert front.latency().algorithmic_samples == 2 * front.hop_samples
    assert front.timing_stats()["n_hops"] > 0
    assert front.describe()["max_attenuation_db"] == 40.0
    with pytest.raises(ModelLoadError, match="44100 Hz"):
        front.process_mono(audio, 44100)


def test_an_unknown_name_is_a_model_load_error():
    with pytest.raises(ModelLoadError, match="unknown model"):
        open_front_end("speexdsp", strength_db=40.0)
