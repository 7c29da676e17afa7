"""The model card: everything a runtime needs to run a model, and what a person needs to trust it.

A card travels twice with every shipped model: as JSON beside the ONNX file and as the ONNX
metadata entry ``model_card``. The runtime configures itself from it (sample rate, STFT, state
specs), so a model file is self-describing. No torch here: the real-time side reads cards too.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from livedenoise.models.errors import LivedenoiseError
from livedenoise.models.stft_geometry import n_freqs

CARD_METADATA_KEY = "model_card"
CARD_FORMAT_VERSION = 1
# A model that takes a noise print reads it after the spectrum, in this order (see models/streaming.py).
PRINT_INPUT_NAMES = ("noise_print", "print_present")


def print_input_shapes(n_freqs: int) -> dict[str, tuple[int, ...]]:
    """The step graph's print inputs: the print's mean, spread and mean power in dB per bin, and 1 or 0."""
    return {"noise_print": (1, 3, n_freqs), "print_present": (1,)}


class ModelCardError(LivedenoiseError, ValueError):
    """A card is missing, malformed or does not match the model it describes."""


@dataclass(frozen=True)
class StateSpec:
    """One recurrent or convolution cache of the step graph.

    The graph reads ``{name}_state`` and writes ``{name}_state_out``, both of ``shape``.
    """

    name: str
    shape: tuple[int, ...]

    @property
    def input_name(self) -> str:
        return f"{self.name}_state"

    @property
    def output_name(self) -> str:
        return f"{self.name}_state_out"


@dataclass(frozen=True)
class ModelCard:
    """What a step model computes and how it was made.

    Step graph contract: input ``spec`` float32 ``(1, 2, n_freqs)`` holds the real and imaginary
    parts of one analysis frame (the channel mean for linked stereo); output ``mask`` float32
    ``(1, 2, n_freqs)`` is a complex ratio mask (real, imaginary) applied to every channel's
    spectrum. A real gain mask has a zero imaginary part.
    """

    name: str
    sample_rate: int
    n_fft: int
    hop_samples: int
    states: tuple[StateSpec, ...] = ()
    mask_kind: str = "gain"  # "gain", "complex" or "magnitude" (how the graph forms its mask)
    features: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, Any] = field(default_factory=dict)
    format_version: int = CARD_FORMAT_VERSION

    @property
    def n_freqs(self) -> int:
        return n_freqs(self.n_fft)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["states"] = [{"name": s.name, "shape": list(s.shape)} for s in self.states]
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelCard:
        try:
            states = tuple(StateSpec(s["name"], tuple(int(d) for d in s["shape"])) for s in data.get("states", ()))
            card = cls(
                name=str(data["name"]),
                sample_rate=int(data["sample_rate"]),
                n_fft=int(data["n_fft"]),
                hop_samples=int(data["hop_samples"]),
                states=states,
                mask_kind=str(data.get("mask_kind", "gain")),
                features=dict(data.get("features", {})),
                config=dict(data.get("config", {})),
                training=dict(data.get("training", {})),
                metrics=dict(data.get("metrics", {})),
                versions=dict(data.get("versions", {})),
                format_version=int(data.get("format_version", CARD_FORMAT_VERSION)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelCardError(f"malformed model card: {exc!r}") from exc
        card.validate()
        return card

    @classmethod
    def from_json(cls, text: str) -> ModelCard:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ModelCardError(f"model card is not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ModelCardError("model card must be a JSON object")
        return cls.from_dict(data)

    @classmethod
    def load(cls, path: str | Path) -> ModelCard:
        return cls.from_json(Path(path).read_text(encoding="utf-8"))

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json() + "\n", encoding="utf-8")

    def validate(self) -> None:
        if self.format_version > CARD_FORMAT_VERSION:
            raise ModelCardError(
                f"model card format {self.format_version} is newer than this livedenoise "
                f"understands ({CARD_FORMAT_VERSION}); upgrade livedenoise"
            )
        if self.sample_rate <= 0 or self.n_fft <= 0 or self.hop_samples <= 0:
            raise ModelCardError("sample_rate, n_fft and hop_samples must be positive")
        if self.n_fft % self.hop_samples or 2 * self.hop_samples > self.n_fft:
            raise ModelCardError(
                f"hop_samples={self.hop_samples} must divide n_fft={self.n_fft} and be at most n_fft/2"
            )
        if self.mask_kind not in ("gain", "complex", "magnitude"):
            raise ModelCardError(f"unknown mask_kind {self.mask_kind!r}")
        names = [s.name for s in self.states]
        if len(set(names)) != len(names):
            raise ModelCardError(f"duplicate state names in {names}")
