import numpy as np
import pytest

from livedenoise.realtime.stft import StftAnalyzer, StftConfig, StftSynthesizer, dual_windows


@pytest.mark.parametrize("n_fft,hop", [(1024, 128), (1024, 256), (1024, 512), (2048, 128), (512, 64), (16, 1), (8, 4)])
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


def round_trip(config, x):
    analyzer, synthesizer = StftAnalyzer(config, 1), StftSynthesizer(config, 1)
    spec = np.zeros((1, config.n_freqs), np.complex64)
    y = np.zeros_like(x)
    for k in range(x.shape[1] // config.hop_samples):
        hop = slice(k * config.hop_samples, (k + 1) * config.hop_samples)
        analyzer.analyze_into(x[:, hop], spec)
        synthesizer.synthesize_into(spec, y[:, hop])
    return y


@pytest.mark.parametrize("n_fft", [512, 1024, 2048])
def test_an_impulse_comes_out_one_hop_later_whatever_the_analysis_window(n_fft):
    """Latency is set by the hop, not by the analysis window: measured, not read from the config."""
    config = StftConfig(n_fft, 128)
    x = np.zeros((1, 128 * 40), np.float32)
    x[0, 3000] = 1.0
    y = round_trip(config, x)
    assert int(np.argmax(np.abs(y[0]))) - 3000 == 128 == config.latency_samples


@pytest.mark.parametrize("n_fft,hop", [(1024, 100), (1024, 1024), (0, 128), (1024, -1), (1536, 128)])
def test_bad_geometry_is_refused(n_fft, hop):
    with pytest.raises(ValueError):
        StftConfig(n_fft, hop)


def test_low_e_string_partials_peak_in_separate_bins():
    """Each of a low E string's first partials peaks in the bin nearest its frequency, no two in one bin."""
    config, sample_rate = StftConfig(1024, 128), 48000
    t = np.arange(128 * 32) / sample_rate
    peaks = []
    for k in range(1, 6):
        analyzer = StftAnalyzer(config, 1)
        spec = np.zeros((1, config.n_freqs), np.complex64)
        tone = np.sin(2 * np.pi * 82.41 * k * t).astype(np.float32)[np.newaxis]
        for i in range(32):
            analyzer.analyze_into(tone[:, i * 128 : (i + 1) * 128], spec)
        assert spec.shape == (1, config.n_fft // 2 + 1)
        peaks.append(int(np.argmax(np.abs(spec[0]))))
        assert peaks[-1] == round(82.41 * k * config.n_fft / sample_rate)
    assert len(set(peaks)) == len(peaks)


def test_a_continued_analyzer_goes_on_where_the_other_was_in_its_circular_frame():
    config = StftConfig(256, 64)
    x = np.random.default_rng(2).standard_normal((2, 64 * 7)).astype(np.float32)
    first, second = StftAnalyzer(config, 2), StftAnalyzer(config, 2)
    spec = np.zeros((2, config.n_freqs), np.complex64)
    for k in range(5):  # not a whole turn of the frame: the oldest sample is not at index 0
        first.analyze_into(x[:, k * 64 : (k + 1) * 64], spec)
    second.continue_from(first)
    want = np.zeros_like(spec)
    for k in range(5, 7):
        first.analyze_into(x[:, k * 64 : (k + 1) * 64], want)
        second.analyze_into(x[:, k * 64 : (k + 1) * 64], spec)
        np.testing.assert_array_equal(spec, want)


def test_a_hop_in_either_memory_layout_gives_the_same_spectrum():
    config = StftConfig(256, 64)
    hop = np.random.default_rng(3).standard_normal((2, 64)).astype(np.float32)
    spectra = []
    for layout in (np.ascontiguousarray(hop), np.asfortranarray(hop)):
        spec = np.zeros((2, config.n_freqs), np.complex64)
        StftAnalyzer(config, 2).analyze_into(layout, spec)
        spectra.append(spec)
    np.testing.assert_array_equal(spectra[0], spectra[1])
