"""The causal U-Net: compressed-magnitude rows in, a bounded gain per bin out.

Every stateful piece (running input normalization, time-causal encoder convolutions, GRU
bottleneck) takes its state explicitly and returns the state after the last frame. The sequence
form starts from zero state; the step form (``streaming.UNetStep``) feeds one frame and the
previous hop's state. Both go through ``_run``, so they share weights and code.

Zero state means "fresh stream": the normalization mean is bias-corrected by a running weight
that starts at zero, and convolution caches of zeros equal zero padding of the past.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from livedenoise.models.config import UNetConfig
from livedenoise.models.features import band_analysis_matrix, band_synthesis_matrix, compress_power
from livedenoise.models.state_layout import StateGroups, state_specs

# Frames per block of the sequence-form running mean: a block is one small matmul.
_NORM_BLOCK_FRAMES = 64
_LEAKY_SLOPE = 0.1
# The Wiener prior: initial over-subtraction (power over the tracked floor at which the gain is
# one half, per row; a running minimum sits below the noise's mean) and the lowest gain it asks for.
_PRIOR_INIT_BIAS = 4.0
_PRIOR_MIN_GAIN = 0.01
# The print's prior: power over the print's mean power at which the gain is one half, at start (the
# print-Wiener's over-subtraction).
_PRINT_PRIOR_INIT_BIAS = 1.5
# Spread of a steady Gaussian noise's log power, in dB: the print's spread channel is zero there.
_STEADY_SPREAD_DB = 5.57
_FILM_HIDDEN = 64


def _activation(x: torch.Tensor) -> torch.Tensor:
    # Leaky ReLU rather than ELU: ONNX Runtime fuses it into the preceding Conv.
    return F.leaky_relu(x, _LEAKY_SLOPE)


class CausalConv(nn.Module):
    """Conv over (rows, frames): centered over rows, current and past frames only; BN + leaky ReLU.

    Input ``(batch, in_channels, rows, frames)``, cache ``(batch, in_channels, rows, time_kernel - 1)``.
    """

    def __init__(self, in_channels: int, out_channels: int, freq_kernel: int, time_kernel: int, freq_stride: int):
        super().__init__()
        self.n_cache_frames = time_kernel - 1
        self.conv = nn.Conv2d(
            in_channels,
            out_channels,
            (freq_kernel, time_kernel),
            stride=(freq_stride, 1),
            padding=(freq_kernel // 2, 0),
            bias=False,
        )
        self.norm = nn.BatchNorm2d(out_channels)

    def forward(self, x: torch.Tensor, cache: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor | None]:
        if cache is None:
            return _activation(self.norm(self.conv(x))), None
        full = torch.cat([cache, x], dim=-1)
        # With as many new frames as cached ones the new cache is the input itself (no Slice node).
        new_cache = x if x.shape[-1] == self.n_cache_frames else full[..., -self.n_cache_frames :]
        return _activation(self.norm(self.conv(full))), new_cache


class UpConv(nn.Module):
    """Frame-local transposed conv that doubles the rows; BN + leaky ReLU.

    ``(batch, in_channels, rows, frames)`` -> ``(batch, out_channels, 2 * rows, frames)``. A kernel
    of ``2 * freq_kernel`` rows at stride 2 is a sub-pixel conv of ``freq_kernel`` rows (each output
    row sees ``freq_kernel`` input rows, no checkerboard overlap) in one graph node.
    """

    def __init__(self, in_channels: int, out_channels: int, freq_kernel: int):
        super().__init__()
        self.conv = nn.ConvTranspose2d(
            in_channels, out_channels, (2 * freq_kernel, 1), stride=(2, 1), padding=(freq_kernel - 1, 0), bias=False
        )
        self.norm = nn.BatchNorm2d(out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _activation(self.norm(self.conv(x)))


class CausalUNet(nn.Module):
    """Sequence form: ``forward(spec)`` with spec ``(batch, 2, n_freqs, frames)`` (real, imaginary)
    returns the mask ``(batch, 2, n_freqs, frames)`` (a gain per bin, its imaginary part zero, as
    the step graph's ``mask`` output has it); no lookahead."""

    def __init__(self, config: UNetConfig | None = None):
        super().__init__()
        self.config = config = config or UNetConfig()
        self.register_buffer("analysis", band_analysis_matrix(config), persistent=False)
        self.register_buffer("synthesis", band_synthesis_matrix(config), persistent=False)
        ch = config.channels
        self.encoders = nn.ModuleList(
            CausalConv(
                config.n_input_channels if level == 0 else ch[level - 1],
                ch[level],
                config.freq_kernel,
                config.time_kernel,
                1 if level == 0 else 2,
            )
            for level in range(len(ch))
        )
        # one GRU over every bottleneck row at once: a band's gain may depend on any other band
        n_bottleneck = ch[-1] * config.bottleneck_rows
        self.gru = nn.GRU(n_bottleneck, config.gru_hidden)
        self.gru_out = nn.Linear(config.gru_hidden, n_bottleneck)
        # Each decoder level reads its input plus the encoder's output at its rows (an additive skip).
        self.decoders = nn.ModuleList(
            UpConv(ch[level], ch[level - 1], config.freq_kernel) for level in range(len(ch) - 1, 0, -1)
        )
        self.head = nn.Conv2d(ch[0], 1, (config.freq_kernel, 1), padding=(config.freq_kernel // 2, 0))
        if config.mask_prior == "wiener":
            self.prior_log_bias = nn.Parameter(torch.full((config.n_rows, 1), math.log(_PRIOR_INIT_BIAS)))
            # training scales the prior's logit as it needs
            self.prior_weight = nn.Parameter(torch.ones(()))
        if config.takes_print:
            # What the print's channels read when no print is given: learned, zero at start (zero
            # for good with print_blind_exact).
            no_print_rows = torch.zeros(2, config.n_rows, 1)
            if config.print_blind_exact:
                self.register_buffer("no_print_rows", no_print_rows, persistent=False)
            else:
                self.no_print_rows = nn.Parameter(no_print_rows)
            if config.print_conditioning == "film":
                if not config.print_blind_exact:
                    self.no_print_shape = nn.Parameter(torch.zeros(2 * config.n_rows))
                n_film = 2 * (sum(ch) + sum(ch[:-1]))
                self.print_film = nn.Sequential(
                    nn.Linear(2 * config.n_rows + 1, _FILM_HIDDEN),
                    nn.LeakyReLU(_LEAKY_SLOPE),
                    nn.Linear(_FILM_HIDDEN, n_film),
                )
            if config.print_prior:
                self.print_prior_log_bias = nn.Parameter(
                    torch.full((config.n_rows, 1), math.log(_PRINT_PRIOR_INIT_BIAS))
                )
                if config.print_prior_added:
                    # zero at start: the model grown is its source's function, with a print too
                    self.print_prior_weight = nn.Parameter(torch.zeros(()))
        self._init_weights()

    def _init_weights(self) -> None:
        config = self.config
        for module in self.modules():
            if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
                nn.init.kaiming_normal_(module.weight, a=_LEAKY_SLOPE, nonlinearity="leaky_relu")
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
        # The GRU path starts near zero so the bottleneck begins as an identity (residual).
        nn.init.normal_(self.gru_out.weight, std=0.01)
        nn.init.zeros_(self.gru_out.bias)
        # A small head with a bias at mask_init: the untrained model is a near pass-through.
        nn.init.normal_(self.head.weight, std=0.01)
        if config.print_conditioning == "film":
            # zero: every level's scale starts at one and its shift at zero, whatever the print
            nn.init.zeros_(self.print_film[-1].weight)
            nn.init.zeros_(self.print_film[-1].bias)
        with torch.no_grad():
            ratio = config.mask_init / config.mask_max
            # with the prior, the untrained model is the prior's Wiener gain
            self.head.bias.fill_(0.0 if config.mask_prior == "wiener" else math.log(ratio / (1.0 - ratio)))

    def initial_states(self, batch: int = 1, device: torch.device | None = None) -> list[torch.Tensor]:
        """Zero states in ``state_specs`` order for ``batch`` streams: batch is the first
        axis, except for the GRU state ``(1, batch, gru_hidden)``."""
        shapes = [
            (1, batch, *spec.shape[2:]) if spec.name == "gru" else (batch, *spec.shape[1:])
            for spec in state_specs(self.config)
        ]
        return [torch.zeros(shape, device=device) for shape in shapes]

    def forward(
        self, spec: torch.Tensor, noise_print: torch.Tensor | None = None, print_present: torch.Tensor | None = None
    ) -> torch.Tensor:
        """The mask of a fresh stream.

        ``noise_print`` ``(batch, 3, n_freqs)``: the print's mean log power, spread and mean power,
        in dB (``NoisePrint.mean_db``, ``spread_db``, ``power_db``); ``print_present`` ``(batch,)``:
        1 where the row of ``noise_print`` holds a print, 0 where the model runs blind. Both are
        ignored by a model that takes no print; leaving them out means no print."""
        states = self.initial_states(spec.shape[0], spec.device)
        return self._run(spec, states, noise_print, print_present)[0]

    def forward_with_state(
        self,
        spec: torch.Tensor,
        states: list[torch.Tensor],
        noise_print: torch.Tensor | None = None,
        print_present: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """spec ``(batch, 2, n_freqs, frames)`` and states (``state_specs`` order) ->
        mask ``(batch, 2, n_freqs, frames)`` and the states after the last frame."""
        return self._run(spec, states, noise_print, print_present)

    def _print_inputs(
        self, rows: torch.Tensor, noise_print: torch.Tensor | None, print_present: torch.Tensor | None
    ) -> tuple[list[torch.Tensor], torch.Tensor | None, torch.Tensor | None, torch.Tensor]:
        """The print's input channels ``(batch, 1, n_rows, frames)`` each, the FiLM scales and shifts
        ``(batch, n_film)`` (None without FiLM), the rows over the print's power (None without a
        print prior) and ``present`` ``(batch, 1, 1, 1)``.

        Where no print is given the channels read the learned ``no_print_rows`` instead, or zero
        with ``print_blind_exact`` (which also turns the FiLM off there)."""
        config = self.config
        batch, n_frames = rows.shape[0], rows.shape[-1]
        if noise_print is None:
            noise_print = torch.zeros(batch, 3, config.n_freqs, device=rows.device)
            print_present = torch.zeros(batch, device=rows.device)
        elif print_present is None:
            print_present = torch.ones(batch, device=rows.device)
        present = print_present.reshape(batch, 1, 1, 1).to(rows.dtype)
        mean_db, spread_db, power_db = noise_print[:, 0], noise_print[:, 1], noise_print[:, 2]
        # (batch, n_rows, 1) each: the print in the rows the network reads
        print_power = torch.matmul(self.analysis, torch.pow(10.0, power_db / 10.0).unsqueeze(-1))
        print_rows = compress_power(print_power, config.compression_exponent, config.floor_power).unsqueeze(1)
        spread_rows = torch.matmul(self.analysis, spread_db.unsqueeze(-1)) / _STEADY_SPREAD_DB - 1.0
        floor = config.floor_power ** (0.5 * config.compression_exponent)
        over_print = rows / (print_rows + floor)
        absent = 1.0 - present
        channels = [
            present * over_print + absent * self.no_print_rows[0],
            (present * spread_rows.unsqueeze(1) + absent * self.no_print_rows[1]).expand(-1, -1, -1, n_frames),
            present.expand(-1, 1, config.n_rows, n_frames),
        ]
        film = None
        if config.print_conditioning == "film":
            # the print's shape across rows (its level is the input channels' business), in tens of dB
            mean_rows = torch.matmul(self.analysis, mean_db.unsqueeze(-1)).squeeze(-1) / 10.0
            shape = torch.cat([mean_rows - mean_rows.mean(dim=1, keepdim=True), spread_rows.squeeze(-1)], dim=1)
            shape = present.reshape(batch, 1) * shape
            if not config.print_blind_exact:
                shape = shape + absent.reshape(batch, 1) * self.no_print_shape
            film = self.print_film(torch.cat([shape, present.reshape(batch, 1)], dim=1))
            if config.print_blind_exact:
                film = present.reshape(batch, 1) * film
        return channels, film, over_print if config.print_prior else None, present

    @staticmethod
    def _film(x: torch.Tensor, film: torch.Tensor | None, offset: int) -> tuple[torch.Tensor, int]:
        """Scale and shift each channel of ``x`` ``(batch, channels, rows, frames)`` by the next
        ``2 * channels`` entries of ``film`` from ``offset``; returns the next offset."""
        if film is None:
            return x, offset
        n = x.shape[1]
        scale = film[:, offset : offset + n].reshape(-1, n, 1, 1)
        shift = film[:, offset + n : offset + 2 * n].reshape(-1, n, 1, 1)
        return x * (1.0 + scale) + shift, offset + 2 * n

    def _run(
        self,
        spec: torch.Tensor,
        states: list[torch.Tensor],
        noise_print: torch.Tensor | None = None,
        print_present: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        config = self.config
        norm_sum, norm_weight, floor_states, conv_caches, gru_state = StateGroups.split(config, states)
        if config.time_kernel == 1:
            conv_caches = [None] * len(self.encoders)

        power = (spec * spec).sum(dim=1)  # (batch, n_freqs, frames)
        rows = compress_power(torch.matmul(self.analysis, power), config.compression_exponent, config.floor_power)
        rows = rows.unsqueeze(1)  # (batch, 1, n_rows, frames): the features are channels over rows and frames
        mean, norm_sum, norm_weight = self._running_mean(rows, norm_sum, norm_weight, config.norm_alpha)

        floor = config.floor_power ** (0.5 * config.compression_exponent)
        level = mean.mean(dim=(1, 2), keepdim=True)
        features = [rows / (level + floor), rows / (mean + floor)]
        over_floor = None
        if config.tracks_noise_floor:
            noise_floor, floor_states = self._noise_floor(rows, *floor_states)
            over_floor = rows / (noise_floor + floor)
            features.append(over_floor)
        film, over_print, present = None, None, None
        if config.takes_print:
            print_channels, film, over_print, present = self._print_inputs(rows, noise_print, print_present)
            features.extend(print_channels)
        x = torch.cat(features, dim=1)

        skips, new_caches, film_offset = [], [], 0
        for encoder, cache in zip(self.encoders, conv_caches, strict=True):
            x, new_cache = encoder(x, cache)
            x, film_offset = self._film(x, film, film_offset)
            skips.append(x)
            new_caches.append(new_cache)

        x, gru_state = self._recur(x, gru_state)

        for decoder, skip in zip(self.decoders, skips[:0:-1], strict=True):
            x, film_offset = self._film(decoder(x + skip), film, film_offset)
        raw = self.head(x + skips[0])

        if config.mask_prior == "wiener":
            floor_logit = self._wiener_logit(over_floor, self.prior_log_bias)
            if over_print is not None and not config.print_prior_added:
                print_logit = self._wiener_logit(over_print, self.print_prior_log_bias)
                floor_logit = present * print_logit + (1.0 - present) * floor_logit
            raw = raw + self.prior_weight * floor_logit
        if over_print is not None and config.print_prior_added:
            raw = raw + present * self.print_prior_weight * self._wiener_logit(over_print, self.print_prior_log_bias)
        mask = self._mask(raw)
        if config.time_kernel == 1:
            new_caches = []
        groups = StateGroups(norm_sum, norm_weight, list(floor_states), new_caches, gru_state)
        return mask, groups.join()

    def _recur(self, x: torch.Tensor, state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The residual GRU over the bottleneck ``(batch, channels, rows, frames)``: one sequence
        of ``channels * rows`` per stream."""
        batch, n_channels, n_rows, n_frames = x.shape
        # (frames, batch, channels * rows); a single frame needs only a reshape.
        if n_frames == 1:
            seq = x.reshape(1, batch, n_channels * n_rows)
        else:
            seq = x.permute(3, 0, 1, 2).reshape(n_frames, batch, n_channels * n_rows)
        recurrent, state = self.gru(seq, state)
        seq = seq + self.gru_out(recurrent)
        if n_frames == 1:
            return seq.reshape(batch, n_channels, n_rows, 1), state
        return seq.reshape(n_frames, batch, n_channels, n_rows).permute(1, 2, 3, 0), state

    @staticmethod
    def _running_mean(
        rows: torch.Tensor, decayed_sum: torch.Tensor, weight: torch.Tensor, alpha: float
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Exponential mean (per-frame decay ``alpha``) over frames of rows ``(batch, channels, n_rows, frames)``.

        State: ``sum_k alpha**k * rows[t - k]`` ``(batch, channels, n_rows, 1)`` and its weight
        ``sum_k alpha**k`` ``(batch, 1, 1, 1)``. Both start at zero, so the mean of a fresh stream
        is exact from its first frame (no warm-up from an arbitrary initial level).
        """
        n_frames = rows.shape[-1]
        if n_frames == 1:
            decayed_sum = alpha * decayed_sum + rows
            weight = alpha * weight + 1.0
            return decayed_sum / weight, decayed_sum, weight
        means = []
        for start in range(0, n_frames, _NORM_BLOCK_FRAMES):
            block = rows[..., start : start + _NORM_BLOCK_FRAMES]
            lag = torch.arange(block.shape[-1], device=rows.device, dtype=rows.dtype)
            gains = torch.tril(alpha ** (lag[:, None] - lag[None, :]))  # (frame, source frame)
            carry = alpha ** (lag + 1.0)
            sums = torch.matmul(block, gains.T) + decayed_sum * carry
            weights = weight * carry + gains.sum(dim=1)
            means.append(sums / weights)
            decayed_sum, weight = sums[..., -1:], weights[..., -1:]
        return torch.cat(means, dim=-1), decayed_sum, weight

    def _noise_floor(
        self, rows: torch.Tensor, smooth_sum: torch.Tensor, smooth_weight: torch.Tensor, inverse_floor: torch.Tensor
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Noise floor of rows ``(batch, channels, n_rows, frames)``, same shape, and its state.

        The floor follows the smoothed rows down at once and up by at most a factor ``exp(rise)``
        per frame: ``floor_t = min(smooth_t, floor_{t-1} * exp(rise))``. The state keeps its
        inverse, so zero state means no floor yet.
        """
        config = self.config
        smooth, smooth_sum, smooth_weight = self._running_mean(rows, smooth_sum, smooth_weight, config.floor_alpha)
        rise = config.floor_rise_per_hop
        if rows.shape[-1] == 1:
            inverse = torch.maximum(inverse_floor * math.exp(-rise), 1.0 / smooth)
            return 1.0 / inverse, [smooth_sum, smooth_weight, inverse]
        # Unrolled: log inverse_t = max(log inverse_{-1} - (t+1) rise, max_{j<=t} (-log smooth_j + (j-t) rise)),
        # one cumulative maximum instead of a loop over frames.
        t = torch.arange(rows.shape[-1], device=rows.device, dtype=rows.dtype) * rise
        best_so_far = torch.cummax(t - torch.log(smooth), dim=-1).values
        log_inverse = torch.maximum(torch.log(inverse_floor) - rise, best_so_far) - t
        inverse = torch.exp(log_inverse)
        return 1.0 / inverse, [smooth_sum, smooth_weight, inverse[..., -1:]]

    def _wiener_logit(self, over_floor: torch.Tensor, log_bias: torch.Tensor) -> torch.Tensor:
        """Logit of the Wiener gain ``1 - bias / snr`` for compressed rows over their noise floor
        (the tracked floor, or the print) ``(batch, 1, n_rows, frames)``, same shape; ``log_bias``
        ``(n_rows, 1)``.

        With ``x = log(snr / bias)`` the logit is ``log(snr / bias - 1) = x + log(1 - exp(-x))``,
        taken in the log domain (the power ratio of a loud row overflows float32) and held at the
        minimum gain's logit where the row is at or under its floor."""
        config = self.config
        # rows are compressed power (power ** (exponent / 2)): back to a power ratio, in logs
        x = torch.log(over_floor + 1e-12) * (2.0 / config.compression_exponent) - log_bias
        lowest = math.log(_PRIOR_MIN_GAIN / (1.0 - _PRIOR_MIN_GAIN))
        x = torch.clamp(x, min=_PRIOR_MIN_GAIN)
        return torch.clamp(x + torch.log(1.0 - torch.exp(-x)), min=lowest)

    def _mask(self, raw: torch.Tensor) -> torch.Tensor:
        """Head output ``(batch, 1, n_rows, frames)`` -> the bin mask ``(batch, 2, n_freqs, frames)``
        (real, imaginary), a gain in ``[0, mask_max]`` with no imaginary part."""
        gain = torch.matmul(self.synthesis, self.config.mask_max * torch.sigmoid(raw))
        return torch.cat([gain, torch.zeros_like(gain)], dim=1)

    def n_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def macs_per_frame(self) -> int:
        """Multiply-accumulates of one step (convs, GRU, linear layers, band matrices)."""
        config = self.config
        counts: list[int] = []

        def conv_hook(module: nn.Conv2d | nn.ConvTranspose2d, _inputs, output: torch.Tensor) -> None:
            k_f, k_t = module.kernel_size
            per_output = module.in_channels // module.groups * k_f * k_t
            if isinstance(module, nn.ConvTranspose2d):  # only every stride-th tap lands on an input row
                per_output //= module.stride[0]
            counts.append(output.shape[1] * output.shape[2] * per_output)

        convs = [m for m in self.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
        handles = [m.register_forward_hook(conv_hook) for m in convs]
        try:
            with torch.no_grad():
                self.forward_with_state(torch.zeros(1, 2, config.n_freqs, 1), self.initial_states())
        finally:
            for handle in handles:
                handle.remove()
        n_in, n_hidden = self.gru.input_size, self.gru.hidden_size
        gru = 3 * (n_in * n_hidden + n_hidden * n_hidden)
        n_analysed = 1 + 3 * int(config.takes_print)  # the power; the print's power, spread and mean, each step
        bands = self.analysis.numel() * n_analysed + self.synthesis.numel()
        film = (
            sum(m.weight.numel() for m in self.print_film if isinstance(m, nn.Linear))
            if config.print_conditioning == "film"
            else 0
        )
        return sum(counts) + gru + self.gru_out.weight.numel() + bands + film
