"""NoisePrint: statistics on known signals, the level, the saved file, refused inputs, and prints of files."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf
from scipy.signal import butter, sosfilt

from livedenoise.realtime.noise_print import (
    MIN_SECONDS,
    NoisePrint,
    NoisePrintError,
    PrintAccumulator,
    load_noise_print,
    model_input_spectra,
    print_from_audio,
    print_from_file,
)

SAMPLE_RATE = 48000
BIN_HZ = SAMPLE_RATE / 1024
# Gaussian noise: the power in a bin is exponential, whose log has a standard deviation of
# pi / sqrt(6) nepers (5.57 dB) and a mean Euler's gamma (2.51 dB) below the log of the mean.
GAUSSIAN_SPREAD_DB = 10.0 / np.log(10.0) * np.pi / np.sqrt(6.0)
GAUSSIAN_MEAN_BELOW_POWER_DB = 10.0 / np.log(10.0) * np.euler_gamma


def white_noise(seconds: float, rms: float = 0.01, seed: int = 0, n_channels: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rms * rng.standard_normal((n_channels, round(seconds * SAMPLE_RATE)))).astype(np.float32)


def inner(values: np.ndarray) -> np.ndarray:
    """Every bin but DC and Nyquist, whose spectra are real and so spread otherwise."""
    return values[1:-1]


def test_white_noise_gives_a_flat_print_with_the_spread_of_gaussian_noise():
    noise_print = print_from_audio(white_noise(4.0))
    assert noise_print.n_freqs == 513 and (noise_print.n_fft, noise_print.hop_samples) == (1024, 128)
    mean_db = inner(noise_print.mean_db)
    assert mean_db.std() < 1.0 and mean_db.max() - mean_db.min() < 4.0
    assert abs(float(np.median(inner(noise_print.spread_db))) - GAUSSIAN_SPREAD_DB) < 0.3
    below = inner(noise_print.power_db - noise_print.mean_db)
    assert abs(float(np.median(below)) - GAUSSIAN_MEAN_BELOW_POWER_DB) < 0.3


@pytest.mark.parametrize("rms_dbfs", [-60.0, -30.0, -12.0])
def test_the_level_is_the_noise_rms_in_dbfs(rms_dbfs):
    noise_print = print_from_audio(white_noise(2.0, rms=10.0 ** (rms_dbfs / 20.0)))
    assert noise_print.level_dbfs == pytest.approx(rms_dbfs, abs=0.2)


def test_a_hum_shows_its_lines_and_their_steadiness():
    t = np.arange(3 * SAMPLE_RATE) / SAMPLE_RATE
    harmonics_hz = (100.0, 300.0, 500.0, 700.0)  # a buzz's odd harmonics, two to four bins apart
    hum = sum(0.05 / n * np.sin(2 * np.pi * f * t + n) for n, f in enumerate(harmonics_hz, 1))
    background = 1e-4 * np.random.default_rng(1).standard_normal((1, t.size))
    noise_print = print_from_audio((hum + background).astype(np.float32))
    floor_db = float(np.median(noise_print.mean_db))
    lines = [
        int(np.floor(f / BIN_HZ)) + int(np.argmax(noise_print.mean_db[int(f / BIN_HZ) : int(f / BIN_HZ) + 2]))
        for f in harmonics_hz
    ]
    for k in lines:
        assert noise_print.mean_db[k] > floor_db + 30.0, f"no line at bin {k}"
        # steadier than noise (5.6 dB): a line's power hardly moves from frame to frame
        assert noise_print.spread_db[k] < 3.0, f"the line at bin {k} is not steady"
    for k, following in zip(lines[:-1], lines[1:], strict=True):
        assert noise_print.mean_db[(k + following) // 2] < noise_print.mean_db[k] - 8.0, f"no dip after bin {k}"
    high = slice(round(10000 / BIN_HZ), -1)  # far from the lines, the print is the background's
    alone = print_from_audio(background.astype(np.float32))
    assert np.abs(noise_print.mean_db[high] - alone.mean_db[high]).mean() < 1.5


def test_stereo_is_the_channels_mean_magnitude():
    mono = white_noise(1.0)
    both = np.concatenate([mono, mono])
    assert np.array_equal(print_from_audio(both).mean_db, print_from_audio(mono).mean_db)
    louder = np.concatenate([mono, 3.0 * mono])  # mean magnitude twice the mono one: +6.02 dB
    gain_db = print_from_audio(louder).power_db - print_from_audio(mono).power_db
    assert np.allclose(gain_db, 20 * np.log10(2.0), atol=0.01)


def test_the_accumulator_spectrum_by_spectrum_equals_a_print_of_the_audio():
    audio = white_noise(1.0, seed=3)
    accumulator = PrintAccumulator()
    for spec in model_input_spectra(audio):
        accumulator.add(spec)
    made = accumulator.to_print()
    whole = print_from_audio(audio)
    assert np.array_equal(made.mean_db, whole.mean_db) and made.duration_s == whole.duration_s
    accumulator.reset()
    assert accumulator.n_frames == 0 and accumulator.seconds == 0.0


def test_a_print_shorter_than_two_seconds_is_short():
    assert print_from_audio(white_noise(1.5)).is_short
    assert not print_from_audio(white_noise(2.1)).is_short


def test_the_print_is_saved_and_loaded_back(tmp_path):
    noise_print = print_from_audio(white_noise(1.0), source="room.wav")
    path = tmp_path / "room.print.json"
    noise_print.save(path)
    loaded = NoisePrint.load(path)
    for name in ("mean_db", "spread_db", "power_db"):
        assert np.allclose(getattr(loaded, name), getattr(noise_print, name), atol=1e-3)
    assert (loaded.sample_rate, loaded.n_fft, loaded.hop_samples, loaded.source) == (48000, 1024, 128, "room.wav")
    assert loaded.duration_s == pytest.approx(noise_print.duration_s, abs=1e-4)
    assert loaded.level_dbfs == pytest.approx(noise_print.level_dbfs, abs=1e-3)
    again = tmp_path / "again.json"
    loaded.save(again)
    assert again.read_text() == path.read_text()
    assert np.array_equal(load_noise_print(path).mean_db, loaded.mean_db)


def test_a_print_made_with_more_gain_is_the_same_print_louder():
    noise_print = print_from_audio(white_noise(1.0))
    louder = noise_print.with_gain_db(6.0)
    assert np.allclose(louder.power_db - noise_print.power_db, 6.0)
    assert np.array_equal(louder.spread_db, noise_print.spread_db)
    assert louder.level_dbfs == pytest.approx(noise_print.level_dbfs + 6.0)


@pytest.mark.parametrize(
    ("audio", "message"),
    [
        (white_noise(MIN_SECONDS - 0.01), "too short"),
        (np.zeros((1, SAMPLE_RATE), dtype=np.float32), r"digital silence \(every sample is zero\)"),
        (np.full((1, SAMPLE_RATE), 1e-7, dtype=np.float32), r"digital silence \(-1\d\d dBFS\)"),
        (np.full((1, SAMPLE_RATE), np.nan, dtype=np.float32), "not audio"),
        (np.zeros((1, 0), dtype=np.float32), "too short"),
    ],
    ids=["short", "silence", "dc", "nan", "empty"],
)
def test_audio_that_cannot_make_a_print_is_refused(audio, message):
    with pytest.raises(NoisePrintError, match=message):
        print_from_audio(audio)


def test_half_a_second_is_enough():
    assert print_from_audio(white_noise(MIN_SECONDS)).duration_s == pytest.approx(MIN_SECONDS, abs=128 / SAMPLE_RATE)


def test_files_that_are_not_prints_nor_audio_are_refused(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(NoisePrintError, match="as audio"):
        load_noise_print(text)
    other_json = tmp_path / "other.json"
    other_json.write_text(json.dumps({"format": "something else"}))
    with pytest.raises(NoisePrintError, match="not a livedenoise noise print"):
        load_noise_print(other_json)
    broken = tmp_path / "broken.json"
    broken.write_text("{ not json")
    with pytest.raises(NoisePrintError, match="not a livedenoise noise print"):
        load_noise_print(broken)
    damaged = tmp_path / "damaged.json"
    data = print_from_audio(white_noise(1.0)).to_dict()
    data["mean_db"] = data["mean_db"][:10]
    damaged.write_text(json.dumps(data))
    with pytest.raises(NoisePrintError, match="mean_db must be 513"):
        load_noise_print(damaged)
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps({**data, "version": 99}))
    with pytest.raises(NoisePrintError, match="version 99"):
        load_noise_print(newer)
    with pytest.raises(NoisePrintError, match="not found"):
        load_noise_print(tmp_path / "missing.wav")


def test_a_saved_print_of_another_geometry_is_refused(tmp_path):
    path = tmp_path / "hop256.json"
    print_from_audio(white_noise(1.0), hop_samples=256).save(path)
    with pytest.raises(NoisePrintError, match="hop 256.*hop 128"):
        load_noise_print(path)
    assert load_noise_print(path, hop_samples=256).hop_samples == 256


def test_saving_into_a_missing_folder_writes_nothing(tmp_path):
    with pytest.raises(NoisePrintError, match="does not exist"):
        print_from_audio(white_noise(1.0)).save(tmp_path / "missing" / "print.json")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("file_rate", [48000, 44100])
def test_a_region_of_a_file_equals_the_same_region_cut_out_by_hand(tmp_path, file_rate):
    rng = np.random.default_rng(5)
    audio = (0.02 * rng.standard_normal((6 * file_rate, 2))).astype(np.float32)
    audio[: 2 * file_rate] *= 0.1  # the region differs from the rest, so a wrong cut shows
    whole = tmp_path / "take.wav"
    sf.write(whole, audio, file_rate, subtype="FLOAT")
    cut = tmp_path / "cut.wav"
    sf.write(cut, audio[round(2.5 * file_rate) : round(4.5 * file_rate)], file_rate, subtype="FLOAT")
    region = print_from_file(whole, 2.5, 4.5)
    by_hand = print_from_file(cut)
    assert np.array_equal(region.mean_db, by_hand.mean_db) and np.array_equal(region.power_db, by_hand.power_db)
    assert region.duration_s == by_hand.duration_s == pytest.approx(2.0, abs=0.03)
    assert region.level_dbfs == by_hand.level_dbfs
    assert region.source == "take.wav 2.5-4.5 s" and region.sample_rate == SAMPLE_RATE
    assert print_from_file(whole, end_s=2.0).level_dbfs == pytest.approx(region.level_dbfs - 20.0, abs=0.3)


def test_a_file_at_another_rate_is_resampled_to_the_model_rate(tmp_path):
    path = tmp_path / "room.flac"
    sf.write(path, white_noise(2.0, rms=0.01)[0], SAMPLE_RATE)
    at_48k = print_from_file(path)
    assert at_48k.level_dbfs == pytest.approx(-40.0, abs=0.2) and at_48k.source == "room.flac"
    # noise below 8 kHz holds the same at 44.1 kHz and 48 kHz: the prints agree, bin for bin
    rng = np.random.default_rng(2)
    for rate, name in ((48000, "low48.wav"), (44100, "low44.wav")):
        noise = sosfilt(butter(8, 8000, fs=rate, output="sos"), 0.05 * rng.standard_normal(3 * rate))
        sf.write(tmp_path / name, noise.astype(np.float32), rate, subtype="FLOAT")
    native, resampled = print_from_file(tmp_path / "low48.wav"), print_from_file(tmp_path / "low44.wav")
    assert resampled.sample_rate == SAMPLE_RATE and resampled.duration_s == pytest.approx(3.0, abs=0.03)
    band = slice(2, round(6000 / BIN_HZ))
    assert np.abs(resampled.mean_db[band] - native.mean_db[band]).mean() < 0.5
    assert resampled.level_dbfs == pytest.approx(native.level_dbfs, abs=0.3)


def test_a_region_outside_the_file_is_refused(tmp_path):
    path = tmp_path / "take.wav"
    sf.write(path, white_noise(2.0)[0], SAMPLE_RATE)
    with pytest.raises(NoisePrintError, match="lasts 2.00 s"):
        print_from_file(path, 3.0, 4.0)
    with pytest.raises(NoisePrintError, match="empty"):
        print_from_file(path, 1.0, 1.0)
    with pytest.raises(NoisePrintError, match="too short"):
        print_from_file(path, 1.0, 1.2)
