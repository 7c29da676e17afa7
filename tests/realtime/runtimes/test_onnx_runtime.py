"""The ONNX Runtime back-end against the torch model it was exported from."""

import json

import numpy as np
import pytest
import torch

from livedenoise.models.card import CARD_METADATA_KEY
from livedenoise.models.config import UNetConfig
from livedenoise.models.unet import CausalUNet
from livedenoise.realtime.denoiser import StreamingDenoiser
from livedenoise.realtime.runtimes.model_choice import open_runtime
from livedenoise.realtime.runtimes.onnx_runtime import OnnxRuntime
from livedenoise.realtime.runtimes.protocol import ModelLoadError, ModelRuntime
from livedenoise.training.export import export_onnx
from livedenoise.training.train import Denoiser

N_FRAMES = 500


@pytest.fixture(scope="module")
def small_model(tmp_path_factory):
    """A small random stateful model: causal conv caches + GRU + normalization state."""
    torch.manual_seed(0)
    model = CausalUNet(UNetConfig(channels=(8, 12), n_rows=32, gru_hidden=24)).eval()
    with torch.no_grad():  # random weights well away from the pass-through init
        for parameter in model.parameters():
            parameter.add_(0.3 * torch.randn_like(parameter))
    path = tmp_path_factory.mktemp("model") / "small.onnx"
    export_onnx(model, path)
    return model, path


def test_step_through_iobinding_equals_torch_sequence_form(small_model):
    model, path = small_model
    runtime = OnnxRuntime(path)
    assert isinstance(runtime, ModelRuntime)
    rng = np.random.default_rng(1)
    spec = (
        rng.standard_normal((1, 2, runtime.card.n_freqs, N_FRAMES)) * rng.uniform(0.01, 3.0, (1, 1, 1, N_FRAMES))
    ).astype(np.float32)
    with torch.no_grad():
        expected = model(torch.from_numpy(spec)).numpy()[0]
    state = runtime.initial_state()
    got = np.stack(
        [runtime.step(np.ascontiguousarray(spec[0, :, :, k]), state).copy() for k in range(N_FRAMES)], axis=-1
    )
    np.testing.assert_allclose(got, expected, atol=2e-4, rtol=1e-3)
    assert np.abs(expected).max() > 0.05  # the comparison is not between two near-zero masks


def test_streaming_denoiser_equals_the_training_view(small_model):
    """Hop-by-hop ONNX + numpy STFT == whole-signal torch model + torch STFT mirror."""
    model, path = small_model
    x = (np.random.default_rng(2).standard_normal(128 * 200) * 0.1).astype(np.float32)
    denoiser = StreamingDenoiser(OnnxRuntime(path), n_channels=1, strength_db=float("inf"))
    streamed = np.concatenate([denoiser.process(x[:5000]), denoiser.process(x[5000:])])
    with torch.no_grad():
        _, _, reference = Denoiser(model)(torch.from_numpy(x)[None])
    np.testing.assert_allclose(streamed, reference[0].numpy(), atol=2e-4)


def test_state_is_per_stream_and_reset_repeats(small_model):
    _, path = small_model
    runtime = OnnxRuntime(path)
    spec = np.random.default_rng(3).standard_normal((2, runtime.card.n_freqs)).astype(np.float32)
    a, b = runtime.initial_state(), runtime.initial_state()
    first = [runtime.step(spec, a).copy() for _ in range(5)]
    assert not np.allclose(first[0], first[4])  # state matters
    np.testing.assert_array_equal(runtime.step(spec, b), first[0])  # b is untouched by a
    a.reset()
    np.testing.assert_array_equal(runtime.step(spec, a), first[0])


def test_a_step_returns_the_states_own_mask_buffer_and_makes_no_view(small_model):
    _, path = small_model
    runtime = OnnxRuntime(path)
    spec = np.random.default_rng(4).standard_normal((2, runtime.card.n_freqs)).astype(np.float32)
    state = runtime.initial_state()
    first = runtime.step(spec, state)
    assert runtime.step(spec, state) is first and first.shape == (2, runtime.card.n_freqs)


def test_missing_corrupt_and_mismatched_models_are_clear_errors(small_model, tmp_path):
    _, path = small_model
    with pytest.raises(ModelLoadError, match="not found"):
        OnnxRuntime(tmp_path / "nope.onnx")
    corrupt = tmp_path / "corrupt.onnx"
    corrupt.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(ModelLoadError, match="cannot load"):
        OnnxRuntime(corrupt)
    # a card beside the model that says something else
    copy = tmp_path / "copy.onnx"
    copy.write_bytes(path.read_bytes())
    card = json.loads(path.with_suffix(".json").read_text())
    card["hop_samples"] = 256
    copy.with_suffix(".json").write_text(json.dumps(card))
    with pytest.raises(ModelLoadError, match="does not match"):
        OnnxRuntime(copy)
    with pytest.raises(ModelLoadError, match="hop"):
        open_runtime(str(path), hop_samples=256)
    with pytest.raises(ModelLoadError, match="unknown provider"):
        OnnxRuntime(path, provider="tpu")


def test_a_graph_without_a_card_is_refused(small_model, tmp_path):
    import onnx

    _, path = small_model
    graph = onnx.load(str(path))
    del graph.metadata_props[:]
    bare = tmp_path / "bare.onnx"
    onnx.save(graph, str(bare))
    with pytest.raises(ModelLoadError, match=CARD_METADATA_KEY):
        OnnxRuntime(bare)


def test_torch_back_end_matches_onnx_step_for_step(small_model, tmp_path):
    from livedenoise.models.checkpoint import save_checkpoint
    from livedenoise.models.torch_runtime import TorchRuntime

    model, path = small_model
    checkpoint = tmp_path / "small.pt"
    save_checkpoint(checkpoint, model)
    torch_runtime = open_runtime(str(checkpoint))
    assert isinstance(torch_runtime, TorchRuntime) and isinstance(torch_runtime, ModelRuntime)
    onnx_runtime = OnnxRuntime(path)
    assert torch_runtime.card.states == onnx_runtime.card.states
    specs = np.random.default_rng(4).standard_normal((100, 2, onnx_runtime.card.n_freqs)).astype(np.float32)
    a, b = torch_runtime.initial_state(), onnx_runtime.initial_state()
    for spec in specs:
        np.testing.assert_allclose(torch_runtime.step(spec, a), onnx_runtime.step(spec, b), atol=2e-4, rtol=1e-3)
    with pytest.raises(ModelLoadError, match="checkpoint"):
        open_runtime(str(tmp_path / "missing.pt"))
