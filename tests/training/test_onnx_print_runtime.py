"""A print-conditioned model exported to ONNX runs in the real-time runtime with its print: the
runtime takes the print (no print-Wiener wrapper), its masks equal torch's with the print and
blind, and a print swap between hops takes effect at the next hop."""

from __future__ import annotations

import numpy as np
import torch

from livedenoise.models.unet import CausalUNet
from livedenoise.realtime.noise_print import NoisePrint
from livedenoise.realtime.runtimes.model_choice import open_runtime
from livedenoise.realtime.runtimes.onnx_runtime import OnnxRuntime
from livedenoise.training.export import export_onnx
from test_print_conditioning import conditioned_config, random_print
from test_unet import random_spectra, trained_looking


def _as_noise_print(stats: torch.Tensor) -> NoisePrint:
    mean_db, spread_db, power_db = stats[0].numpy()
    return NoisePrint(48000, 1024, 128, mean_db, spread_db, power_db, duration_s=3.0, level_dbfs=-40.0)


def test_the_runtime_feeds_the_print_and_a_swap_lands_on_the_next_hop(tmp_path):
    model = trained_looking(CausalUNet(conditioned_config("film")))
    export_onnx(model, tmp_path / "printed.onnx")
    stats = random_print()
    runtime = open_runtime(str(tmp_path / "printed.onnx"), noise_print=_as_noise_print(stats))
    assert isinstance(runtime, OnnxRuntime) and runtime.accepts_noise_print
    spectra = random_spectra(24)
    with torch.no_grad():
        with_print = model(spectra, stats, torch.ones(1)).numpy()
        blind = model(spectra).numpy()
    state = runtime.initial_state()
    masks = []
    for frame in range(spectra.shape[-1]):
        if frame == 12:
            runtime.set_noise_print(None)  # back to blind: a fresh stream from here would be the blind model
        masks.append(runtime.step(spectra[0, ..., frame].numpy(), state).copy())
    masks = np.stack(masks, axis=-1)
    np.testing.assert_allclose(masks[..., :12], with_print[0, ..., :12], atol=1e-3)
    assert np.abs(masks[..., 12] - with_print[0, ..., 12]).max() > 1e-3, "the swap took effect at the next hop"

    runtime.set_noise_print(None)
    state = runtime.initial_state()
    blind_steps = np.stack([runtime.step(spectra[0, ..., f].numpy(), state).copy() for f in range(24)], axis=-1)
    np.testing.assert_allclose(blind_steps, blind[0], atol=1e-3)


def test_a_blind_onnx_model_refuses_a_print_of_its_own(tmp_path):
    from test_unet import small_config

    export_onnx(trained_looking(CausalUNet(small_config())), tmp_path / "blind.onnx")
    runtime = OnnxRuntime(tmp_path / "blind.onnx")
    assert not runtime.accepts_noise_print
