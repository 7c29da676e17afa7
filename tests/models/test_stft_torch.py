import numpy as np
import torch

from livedenoise.models.stft_torch import TorchStft
from livedenoise.realtime.stft import StftAnalyzer, StftConfig, StftSynthesizer


def test_torch_mirror_matches_the_streaming_stft_frame_for_frame():
    config = StftConfig(1024, 128)
    x = np.random.default_rng(0).standard_normal((2, 128 * 30)).astype(np.float32)
    analyzer, synthesizer = StftAnalyzer(config, 2), StftSynthesizer(config, 2)
    spec = np.zeros((2, config.n_freqs), np.complex64)
    specs, hops = [], np.zeros_like(x)
    for k in range(30):
        analyzer.analyze_into(x[:, k * 128 : (k + 1) * 128], spec)
        specs.append(spec.copy())
        # a frame-dependent gain so synthesis is checked on spectra that are not plain analysis output
        synthesizer.synthesize_into(spec * (0.5 + 0.01 * k), hops[:, k * 128 : (k + 1) * 128])
    streaming_spec = np.stack(specs, axis=-1)

    stft = TorchStft(1024, 128)
    torch_spec = stft.analyze(torch.from_numpy(x))
    assert torch_spec.shape == (2, config.n_freqs, 30)
    np.testing.assert_allclose(torch_spec.numpy(), streaming_spec, atol=1e-4)
    gains = 0.5 + 0.01 * torch.arange(30)
    torch_out = stft.synthesize(torch_spec * gains)
    np.testing.assert_allclose(torch_out.numpy(), hops, atol=1e-5)


def test_torch_mirror_reconstructs_delayed_by_one_hop():
    stft = TorchStft(1024, 256)
    x = torch.randn(3, 256 * 20)
    y = stft.synthesize(stft.analyze(x))
    torch.testing.assert_close(y[:, 256:], x[:, :-256], atol=1e-5, rtol=0)
