import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from livedenoise.realtime.cli.main import main
from livedenoise.realtime.denoiser import StreamingDenoiser
from livedenoise.realtime.file_mode import AudioFileError, denoise_file
from livedenoise.realtime.runtimes.identity import IdentityRuntime
from livedenoise.realtime.runtimes.model_choice import open_runtime

HOP = 128


def band_limited(n_channels, n_frames, sample_rate, seed=0):
    """Sines well below every Nyquist in play, with a smooth start, ``(frames, channels)``."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_frames) / sample_rate
    x = np.zeros((n_frames, n_channels))
    for c in range(n_channels):
        for f in rng.uniform(80, 8000, 6):
            x[:, c] += 0.1 * np.sin(2 * np.pi * f * t + rng.uniform(0, 6))
    fade = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.05)
    return (x * fade[:, None]).astype(np.float32)


def noise_like(n_channels, n_frames, seed=0):
    return (0.02 * np.random.default_rng(seed).standard_normal((n_frames, n_channels))).astype(np.float32)


def livedenoise(*args):
    return subprocess.run(
        [sys.executable, "-m", "livedenoise.realtime.cli.main", *map(str, args)], capture_output=True, text=True
    )


@pytest.mark.parametrize(
    "sample_rate,n_channels,atol",
    [(48000, 1, 1e-5), (44100, 2, 2e-4)],  # the 44.1 kHz round trip passes through soxr twice
)
def test_identity_round_trip_has_identical_length_and_alignment(tmp_path, sample_rate, n_channels, atol):
    x = band_limited(n_channels, sample_rate * 2 + 77, sample_rate)
    src, dst = tmp_path / "in.wav", tmp_path / "out.wav"
    sf.write(src, x, sample_rate, subtype="FLOAT")
    report = denoise_file(src, dst, IdentityRuntime())
    y, rate = sf.read(dst, dtype="float32", always_2d=True)
    assert rate == sample_rate and y.shape == x.shape
    assert report.resampled == (sample_rate != 48000)
    np.testing.assert_allclose(y, x, atol=atol)
    # one sample off would be far outside the tolerance: the signal moves more than that per sample
    assert np.abs(y[1:] - x[:-1]).max() > 100 * atol


@pytest.fixture(scope="module")
def shipped():
    return open_runtime("default")


@pytest.mark.parametrize("sample_rate", [22050, 44100, 48000, 96000])
def test_file_mode_does_not_depend_on_its_block_size(tmp_path, shipped, sample_rate):
    """With the shipped model, sample for sample, at the model's rate and through the resampler."""
    x = band_limited(2, sample_rate // 4 + 77, sample_rate, seed=4) + noise_like(2, sample_rate // 4 + 77)
    src = tmp_path / "in.wav"
    sf.write(src, x, sample_rate, subtype="FLOAT")
    outputs = []
    for block_frames in (HOP - 1, HOP, 4097, 1 << 16):
        denoise_file(src, tmp_path / "out.wav", shipped, block_frames=block_frames)
        outputs.append(sf.read(tmp_path / "out.wav", dtype="float32", always_2d=True)[0])
    for block_frames, y in zip((HOP - 1, HOP, 4097), outputs, strict=False):  # the last output is the reference
        mismatch = np.flatnonzero(np.any(y != outputs[-1], axis=1))
        assert mismatch.size == 0, f"block {block_frames}: first mismatch at frame {mismatch[0]}"
    assert outputs[-1].shape == x.shape and np.abs(outputs[-1] - x).max() > 1e-3


def test_file_mode_equals_the_streaming_denoiser_at_the_model_rate(tmp_path, shipped):
    x = band_limited(2, 48000 // 2 + 77, 48000, seed=5) + noise_like(2, 48000 // 2 + 77)
    src, dst = tmp_path / "in.wav", tmp_path / "out.wav"
    sf.write(src, x, 48000, subtype="FLOAT")
    denoise_file(src, dst, shipped)
    denoiser = StreamingDenoiser(shipped, n_channels=2)
    expected = np.concatenate([denoiser.process(x.T), denoiser.flush()], axis=1)[:, denoiser.latency_samples :].T
    np.testing.assert_array_equal(sf.read(dst, dtype="float32", always_2d=True)[0], expected)


def test_cli_file_returns_the_input_undelayed(tmp_path):
    x = band_limited(1, 48000, 48000, seed=2)
    src, dst = tmp_path / "in.wav", tmp_path / "out.flac"
    sf.write(src, x, 48000, subtype="FLOAT")
    result = livedenoise("file", src, dst, "--model", "identity")
    assert result.returncode == 0, result.stderr
    y, _ = sf.read(dst, dtype="float32", always_2d=True)
    np.testing.assert_allclose(y, x, atol=1e-4)  # FLAC stores 24-bit here


@pytest.mark.parametrize("strength_db", [3.0, 6.0, 12.0])
def test_cli_file_removes_as_much_noise_as_strength_db_says(tmp_path, capsys, strength_db):
    """The shipped model takes about 27 dB off white noise: the flag is what leaves the rest."""
    noise = noise_like(1, 2 * 48000, seed=6)
    src, dst = tmp_path / "noise.wav", tmp_path / "out.wav"
    sf.write(src, noise, 48000, subtype="FLOAT")
    assert main(["file", str(src), str(dst), "--strength-db", f"{strength_db:g}", "--no-progress"]) == 0
    y = sf.read(dst, dtype="float32", always_2d=True)[0]
    settled = slice(48000 // 2, None)  # the model's running normalization settles in half a second
    kept = np.sum(y[settled].astype(np.float64) ** 2) / np.sum(noise[settled].astype(np.float64) ** 2)
    removed_db = -10 * np.log10(kept)
    assert removed_db == pytest.approx(strength_db, abs=0.5)


def test_cli_file_at_strength_zero_gives_the_input_back(tmp_path, capsys):
    """No attenuation allowed: the DSP baseline's real gains are raised to one, and the file comes back."""
    x = band_limited(1, 48000, 48000, seed=7) + noise_like(1, 48000, seed=7)
    src, dst = tmp_path / "in.wav", tmp_path / "out.wav"
    sf.write(src, x, 48000, subtype="FLOAT")
    assert main(["file", str(src), str(dst), "--model", "dsp", "--strength-db", "0", "--no-progress"]) == 0
    np.testing.assert_allclose(sf.read(dst, dtype="float32", always_2d=True)[0], x, atol=1e-5)


def test_eight_channels_keep_their_count_and_length(tmp_path):
    x = band_limited(8, 20000, 48000, seed=3)
    src, dst = tmp_path / "in.wav", tmp_path / "out.wav"
    sf.write(src, x, 48000, subtype="PCM_24")
    denoise_file(src, dst, open_runtime("dsp"))
    y, _ = sf.read(dst, always_2d=True)
    assert y.shape == (20000, 8)
    assert np.all(np.isfinite(y))


def test_nan_inf_and_clipping_in_a_file_never_reach_the_output(tmp_path):
    x = band_limited(1, 48000, 48000)
    x[1000:1100] = np.nan
    x[2000:2100] = np.inf
    x[3000:4000] = np.clip(x[3000:4000] * 50, -1, 1)
    src, dst = tmp_path / "in.wav", tmp_path / "out.wav"
    sf.write(src, x, 48000, subtype="FLOAT")
    report = denoise_file(src, dst, open_runtime("dsp"))
    y, _ = sf.read(dst)
    assert np.all(np.isfinite(y))
    assert report.n_sanitized_samples == 200


def test_silence_stays_silence(tmp_path):
    src, dst = tmp_path / "in.wav", tmp_path / "out.wav"
    sf.write(src, np.zeros((10000, 2), np.float32), 48000)
    denoise_file(src, dst, open_runtime("dsp"))
    y, _ = sf.read(dst)
    assert y.shape == (10000, 2) and np.abs(y).max() == 0.0


def test_output_equal_to_input_is_refused_and_input_kept(tmp_path):
    src = tmp_path / "take.wav"
    x = band_limited(1, 4800, 48000)
    sf.write(src, x, 48000, subtype="FLOAT")
    before = src.read_bytes()
    for target in (src, tmp_path / "." / "take.wav"):
        with pytest.raises(AudioFileError, match="is the input"):
            denoise_file(src, target, IdentityRuntime())
    link = tmp_path / "link.wav"
    link.symlink_to(src)
    with pytest.raises(AudioFileError, match="is the input"):
        denoise_file(src, link, IdentityRuntime())
    assert src.read_bytes() == before
    result = livedenoise("file", src, src)
    assert result.returncode != 0 and "is the input" in result.stderr
    assert src.read_bytes() == before


def test_empty_file_is_a_clear_error_and_writes_nothing(tmp_path):
    src, dst = tmp_path / "empty.wav", tmp_path / "out.wav"
    sf.write(src, np.zeros((0, 1), np.float32), 48000)
    with pytest.raises(AudioFileError, match="no audio"):
        denoise_file(src, dst, IdentityRuntime())
    assert list(tmp_path.iterdir()) == [src]


def test_unreadable_file_is_a_clear_error_and_writes_nothing(tmp_path):
    src, dst = tmp_path / "notes.wav", tmp_path / "out.wav"
    src.write_text("this is not audio")
    result = livedenoise("file", src, dst)
    assert result.returncode == 1
    assert "cannot read" in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == [src]


def test_missing_input_and_bad_output_type_are_clear_errors(tmp_path):
    src = tmp_path / "in.wav"
    sf.write(src, np.zeros((100, 1), np.float32), 48000)
    with pytest.raises(AudioFileError, match="not found"):
        denoise_file(tmp_path / "nope.wav", tmp_path / "out.wav", IdentityRuntime())
    with pytest.raises(AudioFileError, match="cannot write"):
        denoise_file(src, tmp_path / "out.xyz", IdentityRuntime())
    with pytest.raises(AudioFileError, match="does not exist"):
        denoise_file(src, tmp_path / "missing-dir" / "out.wav", IdentityRuntime())


def test_failure_mid_file_leaves_no_partial_output(tmp_path):
    class Exploding(IdentityRuntime):
        def __init__(self):
            super().__init__()
            self.n_steps = 0

        def step(self, spec, state):
            self.n_steps += 1
            if self.n_steps > 400:
                raise RuntimeError("model failed")
            return super().step(spec, state)

    src, dst = tmp_path / "in.wav", tmp_path / "out.wav"
    sf.write(src, band_limited(1, 48000 * 3, 48000), 48000)
    with pytest.raises(RuntimeError, match="model failed"):
        denoise_file(src, dst, Exploding())
    assert list(tmp_path.iterdir()) == [src]
