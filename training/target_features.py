"""What the training losses need from the clean target, computed once per drawn clip.

The target side of a loss needs no gradient: the target's spectrum with the model's STFT, its
compressed magnitude and compressed complex values (``compressed_spectral_l1``), and its magnitude,
log-magnitude and norm at each resolution of the multi-resolution STFT loss. Mixing draws a new
mixture every epoch, so nothing about the mixture can be kept; but each drawn clip's target can be
analysed in the data loader's worker process, beside the training step rather than inside it
(``data.target_features``). ``DenoiseLoss`` calls the same code on a batch when it is not given the
features, so both paths compute the same loss.

Shapes: the features of a target ``(..., samples)`` keep its leading dimensions, so one clip's
features collate into a batch's like any other tensor.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import torch

from livedenoise.models.stft_torch import TorchStft

EPS = 1e-8
LOG_FLOOR = 1e-5  # log-magnitudes are floored here, about -100 dB


def aligned_target(target: torch.Tensor, hop_samples: int) -> torch.Tensor:
    """The samples of ``target (..., samples)`` that the model's output covers once its one-hop
    delay is taken off: whole hops, less the last."""
    n_out = (target.shape[-1] // hop_samples - 1) * hop_samples
    return target[..., :n_out]


def stft_magnitude(wave: torch.Tensor, n_fft: int) -> torch.Tensor:
    """``(..., samples)`` -> ``(..., n_fft // 2 + 1, frames)``, Hann window, hop ``n_fft // 4``."""
    window = torch.hann_window(n_fft, device=wave.device)
    return torch.stft(wave, n_fft, n_fft // 4, window=window, return_complex=True).abs()


def compressed_target(spectrum: torch.Tensor, exponent: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Compressed magnitude ``|T|^e`` (real) and compressed complex value ``|T|^e T/|T|`` of a
    complex spectrum ``(..., freqs, frames)``; both of its shape."""
    magnitude = spectrum.abs().clamp_min(EPS)
    compressed = magnitude.pow(exponent)
    return compressed, compressed * spectrum / magnitude


def mrstft_target(wave: torch.Tensor, n_fft: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """At one resolution: the magnitude ``(..., freqs, frames)``, its floored log, and the norm of
    the whole spectrogram ``(...)`` (floored, as the spectral convergence divides by it)."""
    magnitude = stft_magnitude(wave, n_fft)
    norm = torch.linalg.norm(magnitude, dim=(-2, -1)).clamp_min(EPS)
    return magnitude, torch.log(magnitude.clamp_min(LOG_FLOOR)), norm


class FeatureChoice(Protocol):
    """The part of a loss config that decides which features to compute (``LossConfig`` has it)."""

    compressed_weight: float
    compression_exponent: float
    mrstft_weight: float
    mrstft_sizes: tuple[int, ...]


class TargetFeatures(torch.nn.Module):
    """``forward(target (..., samples))`` -> a dict of tensors, only for the losses ``config``
    weighs: ``compressed_magnitude`` and ``compressed_complex`` ``(..., freqs, frames)`` of the
    model's STFT (``n_fft``, ``hop_samples``), and for each size N of ``mrstft_sizes``
    ``mrstft_N_magnitude``, ``mrstft_N_log_magnitude`` ``(..., N // 2 + 1, frames)`` and
    ``mrstft_N_norm`` ``(...)`` of the ``aligned_target``.
    """

    def __init__(self, config: FeatureChoice, n_fft: int, hop_samples: int) -> None:
        super().__init__()
        self.config = config
        self.stft = TorchStft(n_fft, hop_samples)

    @torch.no_grad()
    def forward(self, target: torch.Tensor) -> dict[str, torch.Tensor]:
        c = self.config
        features = {}
        if c.compressed_weight:
            spectrum = self.stft.analyze(target)
            features["compressed_magnitude"], features["compressed_complex"] = compressed_target(
                spectrum, c.compression_exponent
            )
        if c.mrstft_weight:
            wave = aligned_target(target, self.stft.config.hop_samples)
            for n_fft in c.mrstft_sizes:
                magnitude, log_magnitude, norm = mrstft_target(wave, n_fft)
                features[f"mrstft_{n_fft}_magnitude"] = magnitude
                features[f"mrstft_{n_fft}_log_magnitude"] = log_magnitude
                features[f"mrstft_{n_fft}_norm"] = norm
        return features

    @staticmethod
    def mrstft(features: Mapping[str, torch.Tensor], n_fft: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """What ``mrstft_target`` gives at ``n_fft``, read back from ``features``."""
        prefix = f"mrstft_{n_fft}_"
        return features[prefix + "magnitude"], features[prefix + "log_magnitude"], features[prefix + "norm"]
