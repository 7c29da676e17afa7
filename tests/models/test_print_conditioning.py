"""The print-conditioned U-Net: step form == sequence form and ONNX == torch with a print and
without one; without a print it is the blind model it grew from; a print changes what it does."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from livedenoise.models.checkpoint import init_from_model
from livedenoise.models.config import UNetConfig
from livedenoise.models.streaming import UNetStep, print_input_shapes, state_specs
from livedenoise.models.unet import CausalUNet
from test_unet import random_spectra, small_config, trained_looking

N_FREQS = UNetConfig().n_freqs


def conditioned_config(conditioning: str = "film", prior: bool = True) -> UNetConfig:
    return small_config(mask_prior="wiener", print_conditioning=conditioning, print_prior=prior)


def random_print(batch: int = 1, seed: int = 1) -> torch.Tensor:
    """``(batch, 3, n_freqs)``: a print (mean, spread, power in dB) of a noise with a wandering spectrum."""
    rng = np.random.default_rng(seed)
    power_db = np.cumsum(rng.normal(0.0, 1.0, (batch, N_FREQS)), axis=1) - 50.0
    spread_db = rng.uniform(4.0, 9.0, (batch, N_FREQS))
    return torch.from_numpy(np.stack([power_db - 2.5, spread_db, power_db], axis=1).astype(np.float32))


def steps_with_print(model: CausalUNet, spectra: torch.Tensor, noise_print: torch.Tensor, present: float):
    step = UNetStep(model).eval()
    states = [torch.zeros(spec.shape) for spec in state_specs(model.config)]
    masks = []
    with torch.no_grad():
        for frame in range(spectra.shape[-1]):
            mask, *states = step(spectra[..., frame], noise_print, torch.tensor([present]), *states)
            masks.append(mask)
    return torch.stack(masks, dim=-1)


@pytest.mark.parametrize("conditioning, prior", [("input", False), ("input", True), ("film", False), ("film", True)])
@pytest.mark.parametrize("present", [1.0, 0.0])
def test_step_form_equals_sequence_form_with_and_without_a_print(conditioning, prior, present):
    model = trained_looking(CausalUNet(conditioned_config(conditioning, prior)))
    with torch.no_grad():
        torch.nn.init.normal_(next(p for n, p in model.named_parameters() if n.startswith("no_print")), std=0.5)
    spectra, noise_print = random_spectra(40), random_print()
    with torch.no_grad():
        sequence = model(spectra, noise_print, torch.tensor([present]))
    np.testing.assert_allclose(steps_with_print(model, spectra, noise_print, present), sequence, atol=2e-5)


def test_without_a_print_a_grown_model_is_the_blind_model_it_grew_from():
    blind = trained_looking(CausalUNet(small_config(mask_prior="wiener")))
    grown = CausalUNet(conditioned_config()).eval()
    init_from_model(grown, blind, "blind")
    spectra = random_spectra(30, batch=2)
    with torch.no_grad():
        expected = blind(spectra)
        np.testing.assert_allclose(grown(spectra), expected, atol=1e-6)
        # a print row marked absent is ignored, whatever it holds
        np.testing.assert_allclose(grown(spectra, random_print(2), torch.zeros(2)), expected, atol=1e-6)
        given = grown(spectra, random_print(2), torch.ones(2))
    assert float((given - expected).abs().max()) > 0.05, "a given print must change the mask"


def exact_config(mask_prior: str = "none") -> UNetConfig:
    """Grown on a model with or without a Wiener prior, blind exactly that model."""
    return small_config(mask_prior=mask_prior, print_conditioning="film", print_prior=True, print_blind_exact=True)


def print_path(model: CausalUNet, source: CausalUNet) -> list[torch.Tensor]:
    """The weights ``model`` has and ``source`` lacks: what its print adds."""
    theirs = source.state_dict()
    return [p for n, p in model.named_parameters() if n not in theirs]


@pytest.mark.parametrize("mask_prior", ["none", "wiener"])
def test_blind_exact_the_model_is_its_source_whatever_the_print_path_holds(mask_prior):
    blind = trained_looking(CausalUNet(small_config(mask_prior=mask_prior)))
    grown = CausalUNet(exact_config(mask_prior)).eval()
    init_from_model(grown, blind, "blind")
    spectra, noise_print = random_spectra(30, batch=2), random_print(2)
    with torch.no_grad():
        expected = blind(spectra)
        # grown, the print's prior and FiLM start with no weight: a print changes nothing yet
        np.testing.assert_allclose(grown(spectra, noise_print, torch.ones(2)), expected, atol=1e-6)
        for weight in print_path(grown, blind):
            weight.add_(torch.randn_like(weight))
        grown.encoders[0].conv.weight[:, blind.config.n_input_channels :].normal_()
        np.testing.assert_allclose(grown(spectra), expected, atol=1e-6)
        np.testing.assert_allclose(grown(spectra, noise_print, torch.zeros(2)), expected, atol=1e-6)
        given = grown(spectra, noise_print, torch.ones(2))
    assert float((given - expected).abs().max()) > 0.05, "a given print must change the mask"


@pytest.mark.parametrize("mask_prior", ["none", "wiener"])
def test_blind_exact_step_form_and_onnx_equal_the_sequence_form(tmp_path, mask_prior):
    from livedenoise.training.export import check_onnx_parity, export_onnx

    model = trained_looking(CausalUNet(exact_config(mask_prior)))
    spectra, noise_print = random_spectra(40), random_print()
    with torch.no_grad():
        for present in (1.0, 0.0):
            sequence = model(spectra, noise_print, torch.tensor([present]))
            np.testing.assert_allclose(steps_with_print(model, spectra, noise_print, present), sequence, atol=2e-5)
    export_onnx(model, tmp_path / "m.onnx")
    assert check_onnx_parity(model, tmp_path / "m.onnx", seed=5) < 1e-3


def test_the_print_prior_removes_the_printed_noise_and_keeps_a_louder_tone():
    """Untrained, the print's Wiener prior alone: bins at the print's level go down, a tone 30 dB above stays."""
    model = CausalUNet(small_config(mask_prior="wiener", print_conditioning="input", print_prior=True)).eval()
    rng = np.random.default_rng(3)
    n_frames = 200
    noise = rng.standard_normal((1, 2, N_FREQS, n_frames)).astype(np.float32) * 0.01
    spectra = noise.copy()
    spectra[0, 0, 10] += 0.3  # a held partial in bin 10 (a row of its own), 30 dB over the noise
    power_db = np.full(N_FREQS, 10 * np.log10(2 * 0.01**2), dtype=np.float32)
    noise_print = torch.from_numpy(np.stack([power_db - 2.5, np.full(N_FREQS, 5.6), power_db])[None].astype(np.float32))
    with torch.no_grad():
        mask = model(torch.from_numpy(spectra), noise_print, torch.ones(1))[0, 0, :, 50:]
    assert float(mask[10].mean()) > 0.8
    others = torch.cat([mask[100:300], mask[350:500]])
    assert float(others.mean()) < 0.4


def test_print_inputs_of_the_step_graph():
    assert print_input_shapes(small_config()) == {}
    assert print_input_shapes(conditioned_config()) == {"noise_print": (1, 3, N_FREQS), "print_present": (1,)}


@pytest.mark.parametrize("conditioning", ["input", "film"])
def test_onnx_step_equals_torch_with_a_print_and_blind(tmp_path, conditioning):
    from livedenoise.training.export import check_onnx_parity, export_onnx

    model = trained_looking(CausalUNet(conditioned_config(conditioning)))
    card = export_onnx(model, tmp_path / "m.onnx")
    # export ran the parity check once with a print and once blind; run it again at another seed
    assert check_onnx_parity(model, tmp_path / "m.onnx", seed=5) < 1e-3
    assert card.to_dict()["config"]["print_conditioning"] == conditioning


def test_config_refuses_a_print_prior_without_a_print_and_an_unknown_conditioning():
    with pytest.raises(ValueError, match="print_prior"):
        small_config(mask_prior="wiener", print_prior=True)
    with pytest.raises(ValueError, match="print_conditioning"):
        small_config(print_conditioning="everywhere")
    with pytest.raises(ValueError, match="print_blind_exact"):
        small_config(print_blind_exact=True)
