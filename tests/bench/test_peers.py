"""The peers: each adapter's output lines up with its input and keeps its length and channels, at
48 kHz and at 44.1 kHz; the quality bench runs peers beside models; a missing wheel is one line
that names the extra.

A peer whose wheel the ``peers`` extra cannot install here (its markers exclude this platform or
Python) is skipped; one the extra installs is required under CI=true.
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from scipy.signal import correlate

from components import require
from livedenoise.bench import peers
from test_quality import _run, make_devset

# The peers' own filters (RNNoise's high-pass, per-band gains) shift phase by frequency, so the
# cross-correlation peak of a well-aligned output moves by a sample or two with the signal; a
# misalignment that matters is a hop (480 samples) or more.
ALIGN_TOLERANCE_SAMPLES = 3
SECONDS = 1.2


def _open(name: str, strength_db: float = math.inf) -> peers.Peer:
    wheel = peers.PEERS[name].wheel
    # a missing wheel is a recorded skip on a developer's machine and a failure in CI, offered here or not
    require(peers.wheel_offered(wheel), f"the {wheel} wheel, which the {peers.EXTRA} extra has not for this platform")
    try:
        return peers.open_peer(name, strength_db)
    except peers.PeerUnavailable:
        require(False, f"the {wheel} wheel ({peers.EXTRA} extra)")


def _voice(sample_rate: int, seconds: float, seed: int) -> np.ndarray:
    """``(samples,)`` float32: a voiced glide with syllable-rate loudness, what a speech denoiser keeps.

    Not the plucked notes the latency is measured with, so alignment is checked on other audio.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    hz = rng.uniform(110, 180) + 60 * np.sin(2 * np.pi * rng.uniform(0.5, 1.0) * t) + 40 * t
    phase = 2 * np.pi * np.cumsum(hz) / sample_rate
    voiced = sum(np.sin(k * phase) / k for k in range(1, 30))
    loudness = 0.5 + 0.5 * np.sin(2 * np.pi * 3 * t + rng.uniform(0, np.pi)) ** 2
    return (0.1 * voiced * loudness + 0.003 * rng.standard_normal(t.size)).astype(np.float32)


def _peak_lag(output: np.ndarray, reference: np.ndarray, max_lag: int) -> int:
    full = np.abs(correlate(output.astype(np.float64), reference.astype(np.float64), mode="full"))
    zero = reference.size - 1
    return int(np.argmax(full[zero - max_lag : zero + max_lag + 1])) - max_lag


@pytest.mark.parametrize("sample_rate", [48000, 44100])
@pytest.mark.parametrize("name", list(peers.PEERS))
def test_output_is_aligned_with_the_input_and_of_its_length(name, sample_rate):
    peer = _open(name)
    n_samples = int(SECONDS * sample_rate) + 7  # not a whole number of hops
    audio = np.stack([_voice(sample_rate, SECONDS + 0.01, seed)[:n_samples] for seed in (1, 2)], axis=1)
    out = peer.process(audio, sample_rate)
    assert out.shape == audio.shape and out.dtype == np.float32
    assert np.all(np.isfinite(out))
    for c in range(2):
        assert np.sqrt(np.mean(out[:, c] ** 2)) > 0.05 * np.sqrt(np.mean(audio[:, c] ** 2)), "the voice was removed"
        # Searched over more than the peer's whole delay: an unremoved or doubly removed delay shows.
        lag = _peak_lag(out[:, c], audio[:, c], max_lag=4800 * sample_rate // 48000)
        assert abs(lag) <= ALIGN_TOLERANCE_SAMPLES, f"{name} channel {c}: output {lag} samples late"
    np.testing.assert_array_equal(peer.process(audio, sample_rate), out)  # a fresh state each call


@pytest.mark.parametrize("name", list(peers.PEERS))
def test_it_removes_noise_and_reports_latency_and_compute_per_hop(name):
    peer = _open(name, strength_db=40.0)
    noise = 0.05 * np.random.default_rng(3).standard_normal((48000, 1)).astype(np.float32)
    out = peer.process(noise, 48000)
    removed_db = 10 * np.log10(np.mean(noise**2) / np.mean(out[12000:] ** 2))
    assert removed_db > 3.0, f"{name} removed {removed_db:.1f} dB of white noise"
    if peer.max_attenuation_db is not None:
        assert removed_db < peer.max_attenuation_db + 1.0
    latency = peer.latency()
    if peer.causal:
        # At least its own hop of framing, plus a delay that is never negative for a causal filter.
        assert peer.latency_samples >= 0 and latency.algorithmic_samples >= peer.hop_samples
    else:
        assert latency.algorithmic_samples == 0
    stats = peer.timing_stats()
    assert stats["hop_samples"] == peer.hop_samples
    assert stats["n_hops"] >= 48000 // peer.hop_samples and stats["real_time_factor"] > 0.0
    assert (stats["p99_us"] is None) == (not peer.causal)
    assert set(peer.describe()) == {
        "runtime",
        "native_sample_rate",
        "hop_samples",
        "causal",
        "max_attenuation_db",
        "latency",
    }


@pytest.mark.parametrize("name", list(peers.PEERS))
def test_bad_shapes_and_empty_input(name):
    peer = _open(name)
    assert peer.process(np.zeros((0, 2), np.float32), 48000).shape == (0, 2)
    with pytest.raises(ValueError, match=r"\(samples, channels\)"):
        peer.process(np.zeros(480, np.float32), 48000)


def test_bench_quality_runs_peers_beside_models(tmp_path):
    for name in ("rnnoise", "noisereduce"):
        _open(name)
    folder = make_devset(tmp_path / "devset")
    code, report = _run(folder, tmp_path, "identity,rnnoise,noisereduce", "--markdown", str(tmp_path / "q.md"))
    assert code == 0 and report["skipped"] == []
    models = report["models"]
    rnnoise, noisereduce = models["rnnoise"], models["noisereduce"]
    assert rnnoise["causal"] and not noisereduce["causal"]
    assert rnnoise["latency"]["algorithmic_ms"] > models["identity"]["latency"]["algorithmic_ms"]
    for result in (rnnoise, noisereduce):
        assert len(result["examples"]) == 8 and result["attenuation"]["mean_db"] > 6.0
        assert result["real_time_factor"] > 0.0
    markdown = (tmp_path / "q.md").read_text()
    assert "| rnnoise |" in markdown and "| offline |" in markdown


def test_a_missing_wheel_is_one_line_naming_the_extra(tmp_path):
    # The wheel made unimportable in a child process, as if it were not installed.
    program = (
        "import sys; sys.modules['pyrnnoise'] = None\n"
        "from livedenoise.realtime.cli.main import main\n"
        "sys.exit(main(sys.argv[1:]))"
    )
    folder = make_devset(tmp_path / "devset")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            program,
            "bench",
            "quality",
            "--set",
            str(folder),
            "--model",
            "identity,rnnoise",
            "--json",
            str(tmp_path / "q.json"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "pyrnnoise" in result.stderr and f"livedenoise[{peers.EXTRA}]" in result.stderr
    assert not (tmp_path / "q.json").exists()


def test_noisereduce_learns_from_a_prints_audio_and_the_others_take_none():
    from livedenoise.bench.print_modes import GivenPrint

    peer = _open("noisereduce", strength_db=40.0)
    rng = np.random.default_rng(3)
    noise, other = (0.05 * rng.standard_normal(48000).astype(np.float32) for _ in range(2))

    def removed_db(out):
        return 10 * np.log10(np.mean(noise[12000:] ** 2) / np.mean(out[12000:] ** 2))

    blind = removed_db(peer.process_mono(noise, 48000))
    peer.set_noise_print(GivenPrint(audio=other))  # another stretch of the same noise: its y_noise
    given = removed_db(peer.process_mono(noise, 48000))
    peer.set_noise_print(GivenPrint(audio=0.01 * other))  # a print 40 dB too quiet: it keeps the noise
    assert given > blind + 10.0 and removed_db(peer.process_mono(noise, 48000)) < 1.0
    peer.set_noise_print(None)
    assert removed_db(peer.process_mono(noise, 48000)) == pytest.approx(blind, abs=1e-6)
    assert removed_db(peer.process_after_lead_in(other, noise, 48000)) == pytest.approx(given, abs=1e-6)
    rnnoise = _open("rnnoise")
    assert not rnnoise.takes_noise_print
    with pytest.raises(peers.ModelLoadError, match="takes no noise print"):
        rnnoise.set_noise_print(GivenPrint(audio=other))


def test_bench_quality_gives_noisereduce_the_print_and_skips_peers_that_take_none(tmp_path):
    from test_print_modes import add_prints

    for name in ("rnnoise", "noisereduce"):
        _open(name)
    folder = add_prints(make_devset(tmp_path / "devset"))
    code, report = _run(folder, tmp_path, "rnnoise,noisereduce", "--print", "none,given")
    assert code == 0
    assert set(report["models"]) == {"rnnoise", "noisereduce", "noisereduce +given print"}
    assert report["skipped"] == [{"model": "rnnoise +given print", "reason": "rnnoise takes no noise print"}]
    given, blind = report["models"]["noisereduce +given print"], report["models"]["noisereduce"]
    assert given["print"] == "given" and given["attenuation"]["mean_db"] > blind["attenuation"]["mean_db"]
