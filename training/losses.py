"""Training losses: compressed-magnitude L1, multi-resolution STFT, SI-SDR, mixed by weights.

Compressed magnitudes (``|X|^0.3``) weigh quiet partials closer to loud ones, as hearing does;
the complex term keeps the phase of what the mask passes honest; the multi-resolution STFT loss
judges the waveform at time scales other than the model's own frame; SI-SDR is the metric we report.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

EPS = 1e-8


@dataclass(frozen=True)
class LossConfig:
    compressed_weight: float = 1.0
    mrstft_weight: float = 0.5
    sisdr_weight: float = 0.02
    compression_exponent: float = 0.3
    mrstft_sizes: tuple[int, ...] = (512, 1024, 2048)


def compressed_spectral_l1(estimate: torch.Tensor, target: torch.Tensor, exponent: float = 0.3) -> torch.Tensor:
    """L1 on compressed magnitudes plus on compressed complex values; complex ``(batch, freqs, frames)``."""
    est_mag = estimate.abs().clamp_min(EPS)
    tgt_mag = target.abs().clamp_min(EPS)
    est_c, tgt_c = est_mag.pow(exponent), tgt_mag.pow(exponent)
    magnitude = (est_c - tgt_c).abs().mean()
    complex_term = (est_c * estimate / est_mag - tgt_c * target / tgt_mag).abs().mean()
    return magnitude + complex_term


def multi_resolution_stft(estimate: torch.Tensor, target: torch.Tensor, sizes: tuple[int, ...]) -> torch.Tensor:
    """Spectral convergence + log-magnitude L1 at several resolutions; waveforms ``(batch, samples)``."""
    total = estimate.new_zeros(())
    for n_fft in sizes:
        window = torch.hann_window(n_fft, device=estimate.device)
        est = torch.stft(estimate, n_fft, n_fft // 4, window=window, return_complex=True).abs()
        tgt = torch.stft(target, n_fft, n_fft // 4, window=window, return_complex=True).abs()
        convergence = torch.linalg.norm(tgt - est, dim=(-2, -1)) / torch.linalg.norm(tgt, dim=(-2, -1)).clamp_min(EPS)
        log_l1 = (torch.log(est.clamp_min(1e-5)) - torch.log(tgt.clamp_min(1e-5))).abs().mean(dim=(-2, -1))
        total = total + (convergence + log_l1).mean()
    return total / len(sizes)


def si_sdr(estimate: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Scale-invariant SDR in dB per example; ``(batch, samples)`` -> ``(batch,)``."""
    reference = reference - reference.mean(dim=-1, keepdim=True)
    estimate = estimate - estimate.mean(dim=-1, keepdim=True)
    scale = (estimate * reference).sum(-1, keepdim=True) / (reference.pow(2).sum(-1, keepdim=True) + EPS)
    projection = scale * reference
    residual = estimate - projection
    return 10 * torch.log10((projection.pow(2).sum(-1) + EPS) / (residual.pow(2).sum(-1) + EPS))


class DenoiseLoss(torch.nn.Module):
    def __init__(self, config: LossConfig = LossConfig()) -> None:
        super().__init__()
        self.config = config

    def forward(
        self, est_spec: torch.Tensor, tgt_spec: torch.Tensor, est_wave: torch.Tensor, tgt_wave: torch.Tensor
    ) -> tuple[torch.Tensor, dict[str, float]]:
        c = self.config
        parts = {}
        if c.compressed_weight:
            parts["compressed"] = (c.compressed_weight, compressed_spectral_l1(est_spec, tgt_spec, c.compression_exponent))
        if c.mrstft_weight:
            parts["mrstft"] = (c.mrstft_weight, multi_resolution_stft(est_wave, tgt_wave, c.mrstft_sizes))
        if c.sisdr_weight:
            parts["neg_sisdr"] = (c.sisdr_weight, -si_sdr(est_wave, tgt_wave).mean())
        total = sum(weight * value for weight, value in parts.values())
        return total, {name: float(value.detach()) for name, (_, value) in parts.items()}
