"""The torch mirror of ``realtime.stft``: whole signals at once, for training.

Same windows (``models.stft_geometry``, as the streaming one), same frame positions, same
overlap-add: a spectrum sequence from ``analyze`` is what the streaming analyzer yields hop by hop,
and ``synthesize`` returns what the streaming synthesizer would, delayed by one hop. A test pins the two together.
"""

from __future__ import annotations

import torch

from livedenoise.models.stft_geometry import StftConfig, dual_windows


class TorchStft(torch.nn.Module):
    def __init__(self, n_fft: int = 1024, hop_samples: int = 128) -> None:
        super().__init__()
        self.config = StftConfig(n_fft, hop_samples)
        analysis, synthesis = dual_windows(n_fft, hop_samples)
        self.register_buffer("analysis_window", torch.from_numpy(analysis), persistent=False)
        self.register_buffer("synthesis_tail", torch.from_numpy(synthesis[-2 * hop_samples :].copy()), persistent=False)

    @property
    def latency_samples(self) -> int:
        return self.config.latency_samples

    def analyze(self, audio: torch.Tensor) -> torch.Tensor:
        """``(batch, samples)`` -> complex ``(batch, n_freqs, frames)``, one frame per whole hop.

        Frame k ends at sample ``(k + 1) * hop``; samples before the start count as zeros.
        """
        n_fft, hop = self.config.n_fft, self.config.hop_samples
        n_frames = audio.shape[-1] // hop
        padded = torch.nn.functional.pad(audio[..., : n_frames * hop], (n_fft - hop, 0))
        frames = padded.unfold(-1, n_fft, hop) * self.analysis_window
        return torch.fft.rfft(frames, dim=-1).transpose(-1, -2)

    def synthesize(self, spec: torch.Tensor) -> torch.Tensor:
        """Complex ``(batch, n_freqs, frames)`` -> ``(batch, frames * hop)``, delayed by one hop."""
        n_fft, hop = self.config.n_fft, self.config.hop_samples
        frames = torch.fft.irfft(spec.transpose(-1, -2), n=n_fft, dim=-1)
        segments = frames[..., -2 * hop :] * self.synthesis_tail
        first, second = segments[..., :hop], segments[..., hop:]
        # hop k = first half of frame k + second half of frame k-1
        previous = torch.nn.functional.pad(second[..., :-1, :], (0, 0, 1, 0))
        return (first + previous).flatten(-2)
