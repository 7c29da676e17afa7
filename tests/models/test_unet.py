"""The causal U-Net: shapes, strict causality, step form == sequence form, mask bounds, features."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from livedenoise.models.config import UNetConfig
from livedenoise.models.features import band_analysis_matrix, band_synthesis_matrix, compressed_band_edges
from livedenoise.models.streaming import UNetStep, state_specs
from livedenoise.models.unet import CausalUNet

N_FREQS = 513
STEP_TOLERANCE = 1e-4


@pytest.fixture(autouse=True)
def single_thread():
    """Frame-by-frame torch calls are dominated by thread-pool hand-offs; one thread is faster."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def small_config(**overrides) -> UNetConfig:
    values = dict(n_rows=32, linear_max_hz=1000.0, channels=(4, 6, 8), gru_hidden=16, floor_rise_db_per_s=6.0)
    values.update(overrides)
    return UNetConfig(**values)


def random_spectra(n_frames: int, batch: int = 1, seed: int = 0) -> torch.Tensor:
    """``(batch, 2, n_freqs, frames)`` with a level that wanders over 60 dB."""
    rng = np.random.default_rng(seed)
    level_db = np.cumsum(rng.normal(0.0, 3.0, n_frames)).clip(-60.0, 0.0)
    spectra = rng.standard_normal((batch, 2, N_FREQS, n_frames)) * 10.0 ** (level_db / 20.0)
    return torch.from_numpy(spectra.astype(np.float32))


def trained_looking(model: CausalUNet, seed: int = 0) -> CausalUNet:
    """Perturb every parameter and batch-norm statistic so no path is trivially near zero."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for tensor in model.parameters():
            scale = float(tensor.std()) if tensor.numel() > 1 else 1.0
            tensor.add_(0.3 * max(scale, 0.05) * torch.randn(tensor.shape, generator=generator))
        model.head.weight.mul_(30.0)  # the initial head is tiny on purpose; make the mask move
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.normal_(0.0, 0.2, generator=generator)
                module.running_var.uniform_(0.5, 2.0, generator=generator)
    return model.eval()


def run_steps(model: CausalUNet, spectra: torch.Tensor) -> torch.Tensor:
    """Feed frames one at a time through the step form with explicit states; ``(1, 2, n_freqs, frames)``."""
    step = UNetStep(model).eval()
    states = [torch.zeros(spec.shape) for spec in state_specs(model.config)]
    masks = []
    with torch.no_grad():
        for frame in range(spectra.shape[-1]):
            mask, *states = step(spectra[..., frame], *states)
            masks.append(mask)
    return torch.stack(masks, dim=-1)


def test_step_form_equals_sequence_form():
    torch.manual_seed(0)
    model = trained_looking(CausalUNet(small_config()))
    spectra = random_spectra(500)
    with torch.no_grad():
        expected = model(spectra)
    stepped = run_steps(model, spectra)
    difference = (stepped - expected).abs().amax(dim=(0, 1, 2))
    first_bad = int(torch.nonzero(difference > STEP_TOLERANCE)[0]) if (difference > STEP_TOLERANCE).any() else None
    assert first_bad is None, f"step form differs from sequence form first at frame {first_bad}: {difference.max():.3g}"


def test_wiener_prior_step_form_equals_sequence_form():
    torch.manual_seed(0)
    model = trained_looking(CausalUNet(small_config(mask_prior="wiener")))
    spectra = random_spectra(400, seed=5)
    with torch.no_grad():
        expected = model(spectra)
    torch.testing.assert_close(run_steps(model, spectra), expected, atol=STEP_TOLERANCE, rtol=0.0)


def test_a_stream_in_a_batch_gets_the_mask_it_gets_alone():
    torch.manual_seed(0)
    model = trained_looking(CausalUNet(small_config())).eval()
    spectra = random_spectra(300)
    with torch.no_grad():
        expected = model(spectra)
        both = model(torch.cat([random_spectra(300, seed=3), spectra]))
    torch.testing.assert_close(both[1:], expected, atol=1e-6, rtol=0.0)


def test_the_bottleneck_gru_lets_every_row_hear_every_other():
    """What enters one bottleneck row changes every row."""
    torch.manual_seed(0)
    model = trained_looking(CausalUNet(small_config(n_rows=32, channels=(4, 6, 8)))).eval()
    bottleneck = torch.randn(1, 8, model.config.bottleneck_rows, 50)
    louder = bottleneck.clone()
    louder[:, :, 2] *= 3.0
    state = model.initial_states(1)[-1]
    with torch.no_grad():
        difference = (model._recur(louder, state)[0] - model._recur(bottleneck, state)[0]).abs().amax(dim=(0, 1, 3))
    assert bool((difference > 1e-6).all()), difference


def test_untrained_wiener_prior_removes_stationary_noise_the_plain_model_passes():
    """The prior is a floor tracker's Wiener gain: after the floor settles, rows of steady noise
    get a low gain and a row far above its floor passes; without the prior, the untrained model
    passes everything."""
    rng = np.random.default_rng(1)
    n_frames = 400
    spectra = rng.standard_normal((1, 2, N_FREQS, n_frames)).astype(np.float32) * 0.01
    spectra[:, 0, 100, 200:] += 30.0  # a partial switched on 60 dB above the noise
    spectra = torch.from_numpy(spectra)
    gains = {}
    for prior in ("none", "wiener"):
        torch.manual_seed(0)
        with torch.no_grad():
            gains[prior] = CausalUNet(small_config(mask_prior=prior)).eval()(spectra)[0, 0]
    settled = slice(150, 200)
    noise_bins = [k for k in range(N_FREQS) if abs(k - 100) > 3]
    assert float(gains["none"][noise_bins, settled].mean()) > 0.7
    assert float(gains["wiener"][noise_bins, settled].median()) < 0.1
    assert float(gains["wiener"][100, 210:260].min()) > 0.9


def test_wiener_prior_needs_the_floor_channel_and_a_gain():
    with pytest.raises(ValueError, match="mask_prior"):
        small_config(mask_prior="wiener", floor_rise_db_per_s=0.0)
    with pytest.raises(ValueError, match="mask_prior"):
        small_config(mask_prior="kalman")


def test_default_config_step_equals_sequence():
    torch.manual_seed(0)
    model = trained_looking(CausalUNet())
    spectra = random_spectra(300, seed=3)
    with torch.no_grad():
        expected = model(spectra)
    assert torch.allclose(run_steps(model, spectra), expected, atol=STEP_TOLERANCE, rtol=0.0)


def test_shapes():
    model = CausalUNet(small_config()).eval()
    with torch.no_grad():
        assert model(random_spectra(7, batch=3)).shape == (3, 2, N_FREQS, 7)
        step_out = UNetStep(model)(
            torch.zeros(1, 2, N_FREQS), *(torch.zeros(s.shape) for s in state_specs(model.config))
        )
    assert step_out[0].shape == (1, 2, N_FREQS)
    assert [tuple(t.shape) for t in step_out[1:]] == [s.shape for s in state_specs(model.config)]


def test_strictly_causal():
    torch.manual_seed(1)
    model = trained_looking(CausalUNet(small_config()))
    spectra = random_spectra(120)
    changed = spectra.clone()
    changed[..., 60:] = 5.0 * torch.randn_like(changed[..., 60:])
    with torch.no_grad():
        before, after = model(spectra), model(changed)
    assert torch.equal(before[..., :60], after[..., :60]), "a future frame changed a past mask"
    assert not torch.allclose(before[..., 60:], after[..., 60:]), "the changed frames had no effect at all"


def test_mask_bounded():
    torch.manual_seed(2)
    config = small_config(mask_max=1.2)
    model = trained_looking(CausalUNet(config), seed=5)
    with torch.no_grad():
        for module in model.modules():  # push the head hard to both sides
            if module is model.head:
                module.weight.mul_(50.0)
        mask = model(random_spectra(200, batch=2) * 100.0)
    magnitude = torch.sqrt(mask[:, 0] ** 2 + mask[:, 1] ** 2)
    assert torch.isfinite(mask).all()
    assert magnitude.max() <= config.mask_max + 1e-5
    assert mask[:, 1].abs().max() == 0.0 and mask[:, 0].min() >= 0.0


def test_untrained_model_is_near_pass_through_gain():
    torch.manual_seed(0)  # the initial gain depends on the random weights; the result must not depend on test order
    model = CausalUNet(UNetConfig()).eval()
    with torch.no_grad():
        mask = model(random_spectra(200))
    real_mean = float(mask[:, 0].mean())
    assert abs(real_mean - 0.9) < 0.25, f"initial mean gain {real_mean:.3f} is far from mask_init"


def test_silence_is_finite():
    model = CausalUNet(small_config()).eval()
    with torch.no_grad():
        assert torch.isfinite(model(torch.zeros(1, 2, N_FREQS, 50))).all()


def test_band_matrices():
    config = UNetConfig()
    analysis, synthesis = band_analysis_matrix(config), band_synthesis_matrix(config)
    n_rows = config.n_rows
    assert analysis.shape == (n_rows, N_FREQS) and synthesis.shape == (N_FREQS, n_rows)
    assert (analysis >= 0).all() and (synthesis >= 0).all()
    torch.testing.assert_close(analysis.sum(dim=1), torch.ones(n_rows))
    torch.testing.assert_close(synthesis.sum(dim=1), torch.ones(N_FREQS))
    # A flat mask on the rows is the same flat mask on the bins.
    torch.testing.assert_close(synthesis @ torch.full((n_rows,), 0.7), torch.full((N_FREQS,), 0.7))


def test_compressed_layout_is_per_bin_at_low_frequencies():
    config = UNetConfig()
    edges = compressed_band_edges(config)
    widths = np.diff(edges)
    n_linear = int(config.linear_max_hz / (config.sample_rate / config.n_fft)) + 1
    assert (widths[:n_linear] == 1).all() and widths[-1] > 8 and edges[-1] == N_FREQS
    assert np.all(np.diff(widths[n_linear:]) >= -1), "band widths should grow with frequency"


def test_config_round_trip_and_validation():
    config = small_config(mask_prior="wiener")
    assert UNetConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValueError, match="divisible"):
        UNetConfig(n_rows=60, channels=(8, 8, 8, 8))
    with pytest.raises(ValueError, match="unknown UNetConfig keys"):
        UNetConfig.from_dict({**config.to_dict(), "depth": 3})


def test_state_specs_follow_config():
    config = small_config(time_kernel=3)
    specs = {s.name: s.shape for s in state_specs(config)}
    assert specs["enc0"] == (1, config.n_input_channels, config.n_rows, 2)
    assert specs["enc2"] == (1, config.channels[1], config.n_rows // 2, 2)
    assert specs["gru"] == (1, 1, config.gru_hidden)
    assert "enc0" not in {s.name for s in state_specs(small_config(time_kernel=1))}


def noise_floor_of(config: UNetConfig, rows: torch.Tensor) -> torch.Tensor:
    """The model's noise floor of compressed rows ``(1, 1, n_rows, frames)`` from a fresh stream."""
    model = CausalUNet(config)
    zeros = [torch.zeros(spec.shape) for spec in state_specs(config) if spec.name.startswith("floor_")]
    with torch.no_grad():
        floor, _ = model._noise_floor(rows, *zeros)
    return floor


def test_noise_floor_ignores_music_and_follows_noise():
    config = small_config()
    frames_per_s = config.sample_rate / config.hop_samples
    rng = np.random.default_rng(0)
    noise = rng.uniform(0.9, 1.1, (1, 1, config.n_rows, int(6 * frames_per_s)))
    rows = noise.copy()
    rows[..., int(1 * frames_per_s) : int(1.5 * frames_per_s)] *= 8.0  # half a second of a loud note
    rows[..., int(3 * frames_per_s) :] *= 0.25  # the noise drops by 0.75 (compressed)
    floor = noise_floor_of(config, torch.from_numpy(rows.astype(np.float32))).numpy()
    during_note = floor[..., int(1.45 * frames_per_s)]
    after_drop = floor[..., int(3.2 * frames_per_s)]
    assert np.all((during_note > 0.8) & (during_note < 1.2)), "a short loud note lifted the floor"
    assert np.all((after_drop > 0.2) & (after_drop < 0.3)), "the floor did not follow the noise down"
    # A louder noise is followed up at the configured rate: the floor climbs, but slowly.
    louder = np.concatenate([noise, 4.0 * noise], axis=-1)
    floor = noise_floor_of(config, torch.from_numpy(louder.astype(np.float32))).numpy()
    one_second_later = floor[..., noise.shape[-1] + int(frames_per_s)]
    expected = 0.9 * np.exp(config.floor_rise_per_hop * frames_per_s)
    assert np.all(one_second_later < 1.5 * expected) and np.all(one_second_later > 0.5 * expected)


def test_noise_floor_channel_is_optional():
    without = small_config(floor_rise_db_per_s=0.0)
    assert without.n_input_channels == 2 and not any(s.name.startswith("floor_") for s in state_specs(without))
    assert UNetConfig().floor_rise_db_per_s == 0.0, "configs written before the channel existed must keep loading"
    assert small_config().n_input_channels == 3
    with pytest.raises(ValueError, match="floor_rise_db_per_s"):
        small_config(floor_rise_db_per_s=-1.0)
