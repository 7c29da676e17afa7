"""Hyperparameters of the causal U-Net family, as one frozen, serializable dataclass.

The config is all a checkpoint or model card needs to rebuild the network; every derived size
(band rows, input channels, state shapes) is computed from it, never written down twice.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

from livedenoise.models.retired_keys import drop_retired
from livedenoise.models.stft_geometry import n_freqs

MASK_PRIORS = ("none", "wiener")
PRINT_CONDITIONINGS = ("none", "input", "film")

# Options of experiments that left the code, at the value that left them off (docs/experiments.md):
# stored configs written before they left still name them.
RETIRED_MODEL_KEYS: dict[str, Any] = {
    "layout": "compressed",
    "skip": "add",
    "attention_channels": 8,
    "output": "gain",
    "gru_span": "all_rows",
    "learn_prior_weight": True,
    "gate_prior": False,
    "phase_lag_hops": 0,
}
# Input channels the noise print adds: rows over its power, its spread, whether one is given.
N_PRINT_CHANNELS = 3


@dataclass(frozen=True)
class UNetConfig:
    """One member of the causal U-Net family.

    ``channels[0]`` is the full-resolution input convolution; each further entry is one encoder
    level that halves the frequency rows, so ``n_rows`` must be divisible by
    ``2 ** (len(channels) - 1)``.
    """

    sample_rate: int = 48000
    n_fft: int = 1024
    hop_samples: int = 128
    # The rows the network convolves over: one per bin up to linear_max_hz, ERB-spaced bands above,
    # n_rows in all.
    n_rows: int = 64
    linear_max_hz: float = 2000.0
    compression_exponent: float = 0.3
    # Power floor before compression (a -120 dB re full-scale-sine bin): keeps silence finite.
    floor_power: float = 1e-10
    # Time constant of the causal running mean that normalizes input level per row.
    norm_time_s: float = 1.0
    # Per-row noise floor, a further input channel: rows smoothed over floor_smooth_s, then a
    # running minimum that rises by at most floor_rise_db_per_s (minimum statistics, as a DSP
    # denoiser tracks stationary noise). 0 leaves the channel out, as in models that predate it.
    floor_rise_db_per_s: float = 0.0
    floor_smooth_s: float = 0.04
    channels: tuple[int, ...] = (16, 24, 32, 32)
    freq_kernel: int = 3
    time_kernel: int = 2
    gru_hidden: int = 128
    # The mask is a gain per bin, mask_max * sigmoid(logit) on each row, interpolated to bins.
    mask_max: float = 1.0
    # "wiener": the gain's logit starts from the Wiener gain of the tracked noise floor (a DSP
    # denoiser's estimate, with a learned over-subtraction per row), and the network learns the
    # correction: stationary noise of any spectrum is removed from the first step, and training
    # is spent on what a floor tracker gets wrong (held notes, noise that moves). Needs the
    # noise-floor channel. "none": the network's logit alone.
    mask_prior: str = "none"
    # Initial mask magnitude: close to pass-through so training starts from "do no harm".
    mask_init: float = 0.9
    # The noise print (per-bin mean log power, spread and mean power of the room's noise alone) as
    # a condition. "input": three further input channels (rows over the print's power, the
    # print's spread, whether a print is given); "film": those, and a scale and shift per channel
    # of every encoder and decoder level computed from the print's shape. Without a print the
    # model reads a learned "no print" input instead and runs blind. "none": no print input.
    print_conditioning: str = "none"
    # With a print, the Wiener prior divides by the print's power instead of the tracked floor;
    # with print_blind_exact or without a Wiener prior (mask_prior = "none"), the print's prior is
    # added to the logit with a weight of its own instead (print_prior_added).
    print_prior: bool = False
    # Without a print, the print's channels read zero and every level's scale and shift is off
    # (no learned "no print" input): blind, the model is its network without the print's weights,
    # whatever those learn (with train.freeze_init, the very network it grew from).
    print_blind_exact: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "channels", tuple(int(c) for c in self.channels))
        self.validate()

    @property
    def n_freqs(self) -> int:
        return n_freqs(self.n_fft)

    @property
    def n_levels(self) -> int:
        """Number of frequency-halving encoder levels."""
        return len(self.channels) - 1

    @property
    def tracks_noise_floor(self) -> bool:
        return self.floor_rise_db_per_s > 0.0

    @property
    def takes_print(self) -> bool:
        return self.print_conditioning != "none"

    @property
    def print_prior_added(self) -> bool:
        """The print's Wiener prior adds to the logit, weighted from zero, rather than standing in
        for the floor's: there is no floor's prior, or blind must stay exactly as grown."""
        return self.print_prior and (self.mask_prior == "none" or self.print_blind_exact)

    @property
    def n_input_channels(self) -> int:
        # Level-normalized and per-row-normalized compressed magnitude and the magnitude over its
        # noise floor; then the print's three channels (over the print, its spread, whether it is given).
        return 2 + int(self.tracks_noise_floor) + N_PRINT_CHANNELS * int(self.takes_print)

    @property
    def bottleneck_rows(self) -> int:
        return self.n_rows // 2**self.n_levels

    @property
    def norm_alpha(self) -> float:
        """Per-hop decay of the running normalization mean."""
        return math.exp(-self.hop_samples / (self.norm_time_s * self.sample_rate))

    @property
    def floor_alpha(self) -> float:
        """Per-hop decay of the smoothing ahead of the noise-floor minimum."""
        return math.exp(-self.hop_samples / (self.floor_smooth_s * self.sample_rate))

    @property
    def floor_rise_per_hop(self) -> float:
        """Natural log of the factor by which the compressed noise floor may rise in one hop."""
        power_db = self.floor_rise_db_per_s * self.hop_samples / self.sample_rate
        return math.log(10.0) * power_db / 10.0 * self.compression_exponent / 2.0

    def validate(self) -> None:
        if self.mask_prior not in MASK_PRIORS:
            raise ValueError(f"mask_prior must be one of {MASK_PRIORS}, got {self.mask_prior!r}")
        if self.mask_prior == "wiener" and not self.tracks_noise_floor:
            raise ValueError("mask_prior='wiener' needs floor_rise_db_per_s > 0 (the noise-floor channel)")
        if self.print_conditioning not in PRINT_CONDITIONINGS:
            raise ValueError(
                f"print_conditioning must be one of {PRINT_CONDITIONINGS}, got {self.print_conditioning!r}"
            )
        if self.print_prior and not self.takes_print:
            raise ValueError("print_prior needs a print_conditioning")
        if self.print_blind_exact and not self.takes_print:
            raise ValueError("print_blind_exact needs a print_conditioning")
        if self.n_fft % self.hop_samples or 2 * self.hop_samples > self.n_fft:
            raise ValueError(f"hop_samples={self.hop_samples} must divide n_fft={self.n_fft} and be <= n_fft/2")
        if len(self.channels) < 2 or min(self.channels) < 1:
            raise ValueError(f"channels needs >= 2 positive entries, got {self.channels}")
        if self.n_rows % 2**self.n_levels:
            raise ValueError(
                f"n_rows={self.n_rows} must be divisible by 2**{self.n_levels} for {self.n_levels} encoder levels"
            )
        if self.n_rows > self.n_freqs:
            raise ValueError(f"n_rows={self.n_rows} exceeds n_freqs={self.n_freqs}")
        if self.freq_kernel < 1 or self.freq_kernel % 2 == 0:
            raise ValueError(f"freq_kernel must be odd and positive, got {self.freq_kernel}")
        if self.time_kernel < 1:
            raise ValueError(f"time_kernel must be >= 1, got {self.time_kernel}")
        if self.gru_hidden < 1:
            raise ValueError(f"gru_hidden must be positive, got {self.gru_hidden}")
        if not 0.0 < self.compression_exponent <= 1.0:
            raise ValueError(f"compression_exponent must be in (0, 1], got {self.compression_exponent}")
        if self.floor_power <= 0.0 or self.norm_time_s <= 0.0 or self.floor_smooth_s <= 0.0:
            raise ValueError("floor_power, norm_time_s and floor_smooth_s must be positive")
        if self.floor_rise_db_per_s < 0.0:
            raise ValueError(
                f"floor_rise_db_per_s must be >= 0 (0: no noise-floor channel), got {self.floor_rise_db_per_s}"
            )
        if not 0.0 < self.mask_init < self.mask_max:
            raise ValueError(f"need 0 < mask_init < mask_max, got {self.mask_init}, {self.mask_max}")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["channels"] = list(self.channels)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> UNetConfig:
        """The config ``to_dict`` wrote; keys of removed experiments load at their off value only."""
        data = drop_retired("model", data, RETIRED_MODEL_KEYS)
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown UNetConfig keys {unknown}; known: {sorted(known)}")
        return cls(**data)
