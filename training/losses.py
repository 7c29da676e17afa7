"""Training losses: compressed-magnitude L1, multi-resolution STFT, SI-SDR, music kept, mixed by weights.

Compressed magnitudes (``|X|^0.3``) weigh quiet partials closer to loud ones, as hearing does;
the complex term keeps the phase of what the mask passes honest; the multi-resolution STFT loss
judges the waveform at time scales other than the model's own frame; SI-SDR is the metric we report.

Each spectral loss here takes what it needs from the clean target already computed
(``target_features``: no gradient flows there), so that part can run once per drawn clip in the
data loader's worker rather than in every training step; ``DenoiseLoss`` computes it itself when
it is not given.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch

from livedenoise.training.target_features import EPS, LOG_FLOOR, TargetFeatures, aligned_target, stft_magnitude

# an example holds noise when it is more than -60 dB of the input's energy (not float rounding)
NOISE_PRESENT = 1e-6
# Terms of experiments that left the code, at the value that left them off (docs/experiments.md):
# resolved configs written before they left still name them.
RETIRED_LOSS_KEYS: dict[str, Any] = {
    "logit_limit": 8.0,
    "logit_weight": 0.0,
    "sisdr_ceiling_db": math.inf,
    "frequency_weighting": "uniform",
    "residual_noise_weight": 0.0,
    "residual_noise_floor_db": -40.0,
    "noise_leak_weight": 0.0,
    "noise_leak_floor_db": -20.0,
}


@dataclass(frozen=True)
class LossConfig:
    compressed_weight: float = 1.0
    mrstft_weight: float = 0.5
    sisdr_weight: float = 0.02
    compression_exponent: float = 0.3
    mrstft_sizes: tuple[int, ...] = (512, 1024, 2048)
    # Music with noise: what the mask does to the music alone, as the music's SDR after it (dB,
    # saturating at music_kept_ceiling_db). The other terms judge the sum of music and noise; this
    # one holds the mask to the music under the noise (a print-Wiener prior takes held notes with it).
    music_kept_weight: float = 0.0
    music_kept_ceiling_db: float = 20.0


def compressed_spectral_l1(
    estimate: torch.Tensor,
    target_magnitude: torch.Tensor,
    target_complex: torch.Tensor,
    exponent: float = 0.3,
) -> torch.Tensor:
    """L1 on compressed magnitudes plus on compressed complex values; ``estimate`` complex
    ``(batch, freqs, frames)``, the targets as ``compressed_target`` (``target_features``) gives them."""
    est_mag = estimate.abs().clamp_min(EPS)
    est_c = est_mag.pow(exponent)
    magnitude_error = (est_c - target_magnitude).abs()
    complex_error = (est_c * estimate / est_mag - target_complex).abs()
    return magnitude_error.mean() + complex_error.mean()


def multi_resolution_stft(
    estimate: torch.Tensor,
    targets: Mapping[int, tuple[torch.Tensor, torch.Tensor, torch.Tensor]],
) -> torch.Tensor:
    """Spectral convergence + log-magnitude L1 at several resolutions; ``estimate (batch, samples)``,
    ``targets`` maps each FFT size to what ``mrstft_target`` (``target_features``) gives for it."""
    total = estimate.new_zeros(())
    for n_fft, (tgt, tgt_log, tgt_norm) in targets.items():
        est = stft_magnitude(estimate, n_fft)
        # a silent target has no scale to converge to: the log term judges it
        convergence = torch.where(tgt_norm > EPS, torch.linalg.norm(tgt - est, dim=(-2, -1)) / tgt_norm, 0.0)
        log_l1 = (torch.log(est.clamp_min(LOG_FLOOR)) - tgt_log).abs().mean(dim=(-2, -1))
        total = total + (convergence + log_l1).mean()
    return total / len(targets)


def _mask(estimate_spec: torch.Tensor, noisy_spec: torch.Tensor) -> torch.Tensor:
    """The mask per bin that made the estimate from the noisy spectrum (silent bins pass nothing)."""
    return estimate_spec * noisy_spec.conj() / (noisy_spec.abs().pow(2) + EPS)


def music_kept_db(
    estimate_spec: torch.Tensor,
    noisy_spec: torch.Tensor,
    target_spec: torch.Tensor,
    scored: torch.Tensor,
    ceiling_db: float,
) -> torch.Tensor:
    """Mean over the ``scored (batch,)`` examples of the SDR (dB) of the music (``target_spec``) after
    the mask that made ``estimate_spec`` from ``noisy_spec``; the ceiling's share of the music's
    energy joins the error, so it approaches ``ceiling_db`` smoothly. Zero when none is scored."""
    masked = _mask(estimate_spec, noisy_spec) * target_spec
    energy = target_spec.abs().pow(2).sum(dim=(-2, -1))
    error = (masked - target_spec).abs().pow(2).sum(dim=(-2, -1)) + energy * 10 ** (-ceiling_db / 10)
    level = 10 * torch.log10((energy + EPS) / (error + EPS))
    return torch.where(scored, level, 0.0).sum() / scored.sum().clamp_min(1)


def si_sdr(estimate: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Scale-invariant SDR in dB per example; ``(batch, samples)`` -> ``(batch,)``."""
    reference = reference - reference.mean(dim=-1, keepdim=True)
    estimate = estimate - estimate.mean(dim=-1, keepdim=True)
    scale = (estimate * reference).sum(-1, keepdim=True) / (reference.pow(2).sum(-1, keepdim=True) + EPS)
    projection = scale * reference
    residual = estimate - projection
    return 10 * torch.log10((projection.pow(2).sum(-1) + EPS) / (residual.pow(2).sum(-1) + EPS))


class DenoiseLoss(torch.nn.Module):
    """The weighted sum of the losses, for the model's STFT (``n_fft``, ``hop_samples``).

    ``forward(estimate_spec, estimate_wave, target, features=None, noisy_spec=None)``:
    the estimate spectrum ``(batch, freqs, frames)`` and waveform ``(batch, frames * hop)`` as
    ``Denoiser`` returns them (the waveform one hop late), the clean target ``(batch, samples)`` of
    the noisy input, optionally its ``TargetFeatures`` computed beforehand (without them they are
    computed here, with the same result), and the noisy spectrum for the ``music_kept_weight`` term.
    Returns the loss and each part's value.
    """

    def __init__(self, config: LossConfig, n_fft: int, hop_samples: int) -> None:
        super().__init__()
        self.config = config
        self.hop_samples = hop_samples
        self.target_features = TargetFeatures(config, n_fft, hop_samples)

    def forward(
        self,
        estimate_spec: torch.Tensor,
        estimate_wave: torch.Tensor,
        target: torch.Tensor,
        features: Mapping[str, torch.Tensor] | None = None,
        noisy_spec: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, dict[str, float]]:
        c = self.config
        if features is None:
            features = self.target_features(target)
        estimate = estimate_wave[:, self.hop_samples :]
        reference = aligned_target(target, self.hop_samples)
        audible = reference.pow(2).sum(-1) > EPS
        parts = {}
        if c.compressed_weight:
            loss = compressed_spectral_l1(
                estimate_spec,
                features["compressed_magnitude"],
                features["compressed_complex"],
                c.compression_exponent,
            )
            parts["compressed"] = (c.compressed_weight, loss)
        if c.mrstft_weight:
            targets = {n_fft: self.target_features.mrstft(features, n_fft) for n_fft in c.mrstft_sizes}
            parts["mrstft"] = (c.mrstft_weight, multi_resolution_stft(estimate, targets))
        if c.sisdr_weight:
            # SI-SDR has no reference in a silent target: those are left out
            scores = torch.where(audible, si_sdr(estimate, reference), 0.0)
            parts["neg_sisdr"] = (c.sisdr_weight, -scores.sum() / audible.sum().clamp_min(1))
        if c.music_kept_weight:
            if noisy_spec is None:
                raise ValueError("loss.music_kept_weight needs the noisy spectrum")
            with torch.no_grad():
                target_spec = self.target_features.stft.analyze(target)
                noise_energy = (noisy_spec - target_spec).abs().pow(2).sum(dim=(-2, -1))
                # scored on music under noise: music alone and noise alone are left out
                mixed = audible & (noise_energy > NOISE_PRESENT * noisy_spec.abs().pow(2).sum(dim=(-2, -1)))
            kept = music_kept_db(estimate_spec, noisy_spec, target_spec, mixed, c.music_kept_ceiling_db)
            parts["neg_music_kept_db"] = (c.music_kept_weight, -kept)
        total = sum(weight * value for weight, value in parts.values())
        return total, {name: float(value.detach()) for name, (_, value) in parts.items()}
