import numpy as np
import pytest

from livedenoise.realtime.stft import StftAnalyzer, StftConfig, StftSynthesizer, dual_windows


@pytest.mark.parametrize("n_fft,hop", [(1024, 128), (1024, 256), (1024, 512), (2048, 128), (512, 64)])
def test_analysis_then_synthesis_reconstructs_delayed_by_latency(n_fft, hop):
    config = StftConfig(n_fft, hop)
    analyzer, synthesizer = StftAnalyzer(config, 2), StftSynthesizer(config, 2)
    x = np.random.default_rng(1).standard_normal((2, hop * 40)).astype(np.float32)
    spec = np.zeros((2, config.n_freqs), np.complex64)
    y = np.zeros_like(x)
    for k in range(40):
        analyzer.analyze_into(x[:, k * hop : (k + 1) * hop], spec)
        synthesizer.synthesize_into(spec, y[:, k * hop : (k + 1) * hop])
    lag = config.latency_samples
    np.testing.assert_allclose(y[:, lag:], x[:, :-lag], atol=2e-6)
    np.testing.assert_allclose(y[:, :lag], 0.0, atol=2e-6)


def test_windows_shape_and_product():
    analysis, synthesis = dual_windows(1024, 128)
    assert analysis.shape == synthesis.shape == (1024,)
    assert np.all(synthesis[: 1024 - 256] == 0.0), "synthesis must only span the last 2*hop samples"
    product = analysis[-256:] * synthesis[-256:]
    # a periodic Hann of length 2*hop sums to one at that hop
    np.testing.assert_allclose(product[:128] + product[128:], 1.0, atol=1e-6)


def test_latency_is_one_hop():
    assert StftConfig(1024, 128).latency_samples == 128
    assert StftConfig(1024, 128).n_freqs == 513


@pytest.mark.parametrize("n_fft,hop", [(1024, 100), (1024, 1024), (0, 128), (1024, -1), (1536, 128)])
def test_bad_geometry_is_refused(n_fft, hop):
    with pytest.raises(ValueError):
        StftConfig(n_fft, hop)


def test_low_e_string_harmonics_fall_in_separate_bins():
    config = StftConfig(1024, 128)
    bin_hz = 48000 / config.n_fft
    assert bin_hz < 82.41 / 1.5  # the low E fundamental and its neighbours are resolved
