"""A whole signal through the denoiser and the noise gate, as the engine runs them, decisions recorded.

``gate_signal`` feeds the same ``StreamingDenoiser`` and ``NoiseGate`` hop by hop (the gate as the
denoiser's ``hop_hook``, so offline equals streaming sample for sample), cuts the denoiser's latency
and returns, aligned with the input: the gated audio, the denoiser's output before the gate, the
gate's gain per sample, and its open/shut decision per sample (one per hop). What a gate is judged
on is read from these: the delay from a pluck to the gate opening, opens on noise alone, and the
note's tail lost when it shuts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from livedenoise.realtime.denoiser import StreamingDenoiser
from livedenoise.realtime.gate import GateSettings, NoiseGate
from livedenoise.realtime.runtimes.protocol import ModelRuntime


@dataclass(frozen=True)
class GatedSignal:
    audio: np.ndarray  # (channels, samples) float32: denoised and gated
    ungated: np.ndarray  # (channels, samples) float32: denoised, before the gate
    gain: np.ndarray  # (samples,) float32: the gate's gain
    is_open: np.ndarray  # (samples,) bool: the gate's decision, constant over each hop
    sample_rate: int
    hop_samples: int

    @property
    def opens(self) -> np.ndarray:
        """Samples where the gate opens (its first open sample each time)."""
        flags = self.is_open.astype(np.int8)
        return np.flatnonzero(np.diff(flags, prepend=0) == 1)


class _Recorder:
    """Runs the gate as the denoiser's hook and keeps each hop's input, gains and decision."""

    def __init__(self, gate: NoiseGate) -> None:
        self.gate = gate
        self.ungated: list[np.ndarray] = []
        self.gains: list[np.ndarray] = []
        self.flags: list[bool] = []

    def process_into(self, hop: np.ndarray, mask: np.ndarray, spectrum: np.ndarray) -> None:
        self.ungated.append(hop.copy())
        self.gate.process_into(hop, mask, spectrum)
        self.gains.append(self.gate.gains.copy())
        self.flags.append(self.gate.is_open)

    def configure(self, **params) -> None:
        self.gate.configure(**params)

    def reset(self) -> None:
        self.gate.reset()

    @property
    def is_open(self) -> bool:
        return self.gate.is_open


def gate_signal(
    audio: np.ndarray, runtime: ModelRuntime, settings: GateSettings = GateSettings(), strength_db: float = 40.0
) -> GatedSignal:
    """Denoise and gate ``audio`` ``(channels, samples)`` or ``(samples,)`` at the model's rate."""
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim == 1:
        audio = audio[np.newaxis]
    if audio.ndim != 2 or audio.shape[1] == 0:
        raise ValueError(f"expected audio (channels, samples) with samples > 0, got shape {audio.shape}")
    n_channels, n = audio.shape
    denoiser = StreamingDenoiser(runtime, n_channels, strength_db=strength_db)
    gate = NoiseGate(denoiser.sample_rate, denoiser.hop_samples, n_channels, denoiser.stft.n_freqs, settings)
    recorder = _Recorder(gate)
    denoiser.hop_hook = recorder
    gated = np.concatenate([denoiser.process(audio), denoiser.flush()], axis=1)
    start = denoiser.latency_samples
    h = denoiser.hop_samples
    flags = np.repeat(np.asarray(recorder.flags, dtype=bool), h)
    return GatedSignal(
        audio=gated[:, start : start + n],
        ungated=np.concatenate(recorder.ungated, axis=1)[:, start : start + n],
        gain=np.concatenate(recorder.gains)[start : start + n],
        is_open=flags[start : start + n],
        sample_rate=denoiser.sample_rate,
        hop_samples=h,
    )
