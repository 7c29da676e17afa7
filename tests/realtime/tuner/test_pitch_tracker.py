"""YIN pitch tracker: guitar pitches within +-5 cents, unvoiced on silence and noise, streaming
equal to whole-signal."""

from __future__ import annotations

import numpy as np
import pytest

from livedenoise.realtime.tuner.notes import midi_to_hz
from livedenoise.realtime.tuner.pitch_tracker import PitchTracker, cents_off, track_pitch

SAMPLE_RATE = 48000
SETTLED = 20  # frames until the analysis frame is full of the tone


def harmonic_tone(hz: float, amplitudes, seconds: float = 1.0, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    tone = sum(a * np.sin(2 * np.pi * hz * (k + 1) * t + rng.uniform(0, 2 * np.pi)) for k, a in enumerate(amplitudes))
    return (0.1 * tone).astype(np.float32)


@pytest.mark.parametrize("midi", [40, 45, 50, 55, 59, 64, 71, 76, 83, 88])
@pytest.mark.parametrize("detune_cents", [0.0, 13.0, -31.0])
def test_guitar_pitches_within_5_cents(midi, detune_cents):
    hz = float(midi_to_hz(midi)) * 2 ** (detune_cents / 1200)
    _, tracked, confidence = track_pitch(harmonic_tone(hz, [1.0, 0.5, 0.3, 0.2, 0.1]), SAMPLE_RATE)
    settled = tracked[SETTLED:]
    assert np.all(np.isfinite(settled)), f"unvoiced frames at {hz:.2f} Hz"
    assert np.max(np.abs(cents_off(settled, hz))) < 5.0
    assert confidence[SETTLED:].min() > 0.9


@pytest.mark.parametrize("midi", [40, 43, 47, 52])
@pytest.mark.parametrize(
    "amplitudes",
    [
        [0.1, 1.0, 0.7, 0.5, 0.3, 0.2],  # through a small speaker: fundamental 20 dB under the 2nd partial
        [0.05, 1.0, 0.1, 0.5, 0.05, 0.3],  # a decayed low string: odd partials nearly gone too
    ],
)
def test_weak_fundamental_is_not_an_octave_error(midi, amplitudes):
    hz = float(midi_to_hz(midi))
    _, tracked, _ = track_pitch(harmonic_tone(hz, amplitudes), SAMPLE_RATE)
    assert np.max(np.abs(cents_off(tracked[SETTLED:], hz))) < 5.0


def test_silence_and_noise_are_unvoiced():
    rng = np.random.default_rng(1)
    white = 0.1 * rng.standard_normal(SAMPLE_RATE)
    spectrum = np.fft.rfft(rng.standard_normal(SAMPLE_RATE))
    pink = np.fft.irfft(spectrum / np.sqrt(np.arange(1, spectrum.size + 1)))
    for name, audio in (("silence", np.zeros(SAMPLE_RATE)), ("white", white), ("pink", 0.1 * pink / pink.std())):
        _, tracked, _ = track_pitch(audio, SAMPLE_RATE)
        assert np.isnan(tracked).all(), f"{name}: {np.isfinite(tracked).sum()} voiced frames"


def test_cents_off():
    assert cents_off(880.0, 440.0) == pytest.approx(1200.0)
    assert cents_off(440.0 * 2 ** (5 / 1200), 440.0) == pytest.approx(5.0)
    assert cents_off(440.0, 440.0 * 2 ** (5 / 1200)) == pytest.approx(-5.0)
    assert midi_to_hz(69) == 440.0


@pytest.mark.parametrize("hop_samples", [1, 64, 480, 481])
def test_streaming_equals_whole_signal(hop_samples):
    audio = np.concatenate([np.zeros(3000, np.float32), harmonic_tone(110.0, [1.0, 0.5, 0.2], 0.3)])
    tracker = PitchTracker(SAMPLE_RATE, hop_samples=hop_samples)
    n_frames = audio.size // hop_samples
    if hop_samples == 1:
        n_frames = 2600  # enough to cross from silence into the tone
        audio = audio[2900 : 2900 + n_frames]
    streamed = np.array([tracker.push(audio[k * hop_samples : (k + 1) * hop_samples]) for k in range(n_frames)])
    times_s, hz, confidence = PitchTracker(SAMPLE_RATE, hop_samples=hop_samples).track(audio)
    assert times_s.shape == hz.shape == (n_frames,)
    mismatch = np.flatnonzero(~((streamed[:, 0] == hz) | (np.isnan(streamed[:, 0]) & np.isnan(hz))))
    assert mismatch.size == 0, f"first mismatch at frame {mismatch[:1]}"
    np.testing.assert_array_equal(streamed[:, 1], confidence)
    assert np.isfinite(hz).any()


def test_reset_repeats_and_times_are_frame_centres():
    audio = harmonic_tone(196.0, [1.0, 0.4])
    tracker = PitchTracker(SAMPLE_RATE)
    first = [tracker.push(audio[k * 480 : (k + 1) * 480]) for k in range(40)]
    tracker.reset()
    again = [tracker.push(audio[k * 480 : (k + 1) * 480]) for k in range(40)]
    np.testing.assert_array_equal(first, again)
    times_s = tracker.frame_times_s(3)
    np.testing.assert_allclose(np.diff(times_s), 480 / SAMPLE_RATE)
    assert times_s[0] == pytest.approx((480 - tracker.frame_samples / 2) / SAMPLE_RATE)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="min_hz"):
        PitchTracker(SAMPLE_RATE, min_hz=500.0, max_hz=400.0)
    with pytest.raises(ValueError, match="at most"):
        PitchTracker(SAMPLE_RATE).push(np.zeros(10_000))
