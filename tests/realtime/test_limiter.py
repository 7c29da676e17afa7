"""The safety limit: nothing passes the ceiling, nothing below it is touched, no delay, the same in any
blocking; in the engine's callback and in `file` for formats that clip."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from livedenoise.realtime.cli.main import main
from livedenoise.realtime.denoiser import StreamingDenoiser
from livedenoise.realtime.engine.callback import EngineCallback
from livedenoise.realtime.limiter import CEILING_DB, SafetyLimiter
from livedenoise.realtime.runtimes.model_choice import open_runtime

CEILING = 10 ** (CEILING_DB / 20)


def fuzz(seconds: float = 1.0, peak: float = 0.99, n_channels: int = 2) -> np.ndarray:
    """A square wave at ``peak`` (a fuzz pedal's), the right channel half as loud: ``(channels, samples)``."""
    t = np.arange(int(48000 * seconds)) / 48000
    square = peak * np.sign(np.sin(2 * np.pi * 110.0 * t))
    return np.stack([square, 0.5 * square][:n_channels]).astype(np.float32)


def limited(signal: np.ndarray, chunk: int, **settings) -> tuple[np.ndarray, SafetyLimiter]:
    limiter = SafetyLimiter(48000, **settings)
    out = signal.copy()
    for start in range(0, out.shape[1], chunk):
        limiter.process_into(out[:, start : start + chunk])
    return out, limiter


def test_nothing_passes_the_ceiling_and_the_channels_keep_their_balance():
    out, limiter = limited(fuzz(), 128, gain_db=6.0)
    assert np.abs(out).max() <= CEILING * (1 + 1e-6)
    assert limiter.n_limited_samples > 0.9 * out.shape[1]
    np.testing.assert_allclose(out[1], 0.5 * out[0], rtol=1e-6)  # one gain for both: the image stays


def test_what_stays_under_the_ceiling_is_untouched_and_not_delayed():
    quiet = 0.5 * fuzz()
    out, limiter = limited(quiet, 128)
    assert np.array_equal(out, quiet) and limiter.n_limited_samples == 0
    # one hot sample: everything before it passes as it was, it lands on the ceiling
    signal = quiet.copy()
    signal[:, 1000] = [2.0, 1.0]
    out, _ = limited(signal, 128)
    assert np.array_equal(out[:, :1000], signal[:, :1000]) and out[0, 1000] == pytest.approx(CEILING)


@pytest.mark.parametrize("chunk", [1, 127, 128, 129, 48000])
def test_any_blocking_gives_the_same_samples(chunk):
    whole, _ = limited(fuzz(), 48000, gain_db=6.0)
    out, _ = limited(fuzz(), chunk, gain_db=6.0)
    mismatch = np.flatnonzero(out != whole)
    assert mismatch.size == 0, f"first mismatch at {mismatch[:1]}"


def test_off_it_only_applies_the_gain():
    out, limiter = limited(fuzz(), 128, gain_db=6.0, enabled=False)
    np.testing.assert_allclose(out, fuzz() * 10 ** (6 / 20), rtol=1e-6)
    assert limiter.n_limited_samples == 0


def test_the_engines_callback_limits_what_leaves_and_takes_gain_and_limit_as_controls():
    callback = EngineCallback(StreamingDenoiser(open_runtime("identity"), 2), 128)
    signal = fuzz(0.5)
    block_out = np.zeros((2, 128), np.float32)
    peaks = []
    for start in range(0, signal.shape[1] - 127, 128):
        if start == 128 * 100:
            callback.set_limiter(False)
            callback.set_output_gain_db(-6.0)
        callback.process_block(signal[:, start : start + 128], block_out)
        peaks.append(np.abs(block_out).max())
    assert max(peaks[:100]) <= CEILING * (1 + 1e-6) and callback.stats()["n_limited_samples"] > 0
    assert callback.output_gain_db == -6.0 and not callback.limiter_enabled
    assert max(peaks[101:]) == pytest.approx(0.99 * 10 ** (-6 / 20), rel=1e-4)
    with pytest.raises(ValueError, match="24"):
        callback.set_output_gain_db(30.0)


@pytest.mark.parametrize("subtype,limits", [("PCM_16", True), ("FLOAT", False)])
def test_file_keeps_an_integer_output_under_full_scale(tmp_path, capsys, subtype, limits):
    src, dst = tmp_path / "fuzz.wav", tmp_path / "out.wav"
    sf.write(src, fuzz(2.0, peak=0.99 if limits else 1.2).T, 48000, subtype=subtype)
    assert main(["file", str(src), str(dst), "--model", "identity", "--no-progress"]) == 0
    out = sf.read(dst, dtype="float32")[0]
    said = capsys.readouterr().out
    if limits:
        assert np.abs(out).max() <= CEILING + 1 / 32768 and "the safety limit turned" in said
    else:
        assert np.abs(out).max() > 1.1 and "safety limit" not in said  # a float file holds what passes full scale
