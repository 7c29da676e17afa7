"""Training configuration: a TOML file becomes frozen dataclasses; any key can be overridden.

Sections: ``[data]``, ``[mix]`` (``MixConfig``), ``[model]`` (``UNetConfig``), ``[loss]``
(``LossConfig``) and ``[train]``. ``--set section.key=value`` overrides a key (the value is read as
TOML, so ``--set mix.snr_db_range=[-5,10]`` works). The resolved configuration is written as TOML
next to every checkpoint.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

import tomllib

from livedenoise.models.config import RETIRED_MODEL_KEYS, UNetConfig
from livedenoise.models.retired_keys import drop_retired
from livedenoise.training.losses import RETIRED_LOSS_KEYS, LossConfig
from livedenoise.training.mixing import RETIRED_MIX_KEYS, MixConfig

DEFAULT_CONFIG = Path(__file__).resolve().parent / "configs" / "default.toml"
# Per section, the keys of experiments that left the code and the value that left each off: a
# resolved config written before they left names them (docs/experiments.md).
RETIRED_SECTION_KEYS = {"model": RETIRED_MODEL_KEYS, "mix": RETIRED_MIX_KEYS, "loss": RETIRED_LOSS_KEYS}


@dataclass(frozen=True)
class DataConfig:
    manifest: str = "data/manifest.jsonl"
    segment_s: float = 3.0
    n_train_items: int = 2000  # examples per epoch
    n_validation_items: int = 48
    cache: bool = True  # decode each recording once into a memory-mapped cache
    n_workers: int = 1
    # The loss's target side (STFTs of the clean target) computed in the data-loader worker with
    # each item, not in the training step.
    target_features: bool = False
    # Validation examples: "mixed" as training mixes them, "recorded" from the validation packages'
    # recordings alone, dry, as the unseen-source dev set is mixed (training/validation_mix.py).
    validation_noise: str = "mixed"
    validation_segment_s: float = 0.0  # 0: segment_s


@dataclass(frozen=True)
class LoopConfig:
    epochs: int = 30
    batch_size: int = 8
    learning_rate: float = 2e-3
    min_learning_rate: float = 1e-4
    warmup_steps: int = 100
    weight_decay: float = 1e-4
    grad_clip: float = 5.0
    seed: int = 0
    device: str = "auto"  # auto, cpu, cuda
    n_threads: int = 0  # torch CPU threads; 0 keeps torch's choice
    out_dir: str = "runs/default"
    # A checkpoint (.pt) or exported model (.onnx) whose weights start a fresh run.
    init_from: str = ""
    # Train only the print's path; the blind network keeps init_from's weights (training/frozen_init.py).
    freeze_init: bool = False
    validation_skip_s: float = 0.25  # the model's normalization state settles first
    # Also keep every epoch's weights as epoch_NNN.pt, so that any epoch can be exported later
    # (say, the one that scores best on the dev set).
    keep_epochs: bool = False
    # Validate, keep and export an exponential moving average of the weights (decay per step;
    # 0 keeps the trained weights themselves).
    ema_decay: float = 0.0


@dataclass(frozen=True)
class TrainConfig:
    data: DataConfig = field(default_factory=DataConfig)
    mix: MixConfig = field(default_factory=MixConfig)
    model: UNetConfig = field(default_factory=UNetConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    train: LoopConfig = field(default_factory=LoopConfig)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _plain(asdict(getattr(self, f.name))) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        sections = {f.name: f for f in fields(cls)}
        unknown = set(data) - set(sections)
        if unknown:
            raise ValueError(f"unknown config sections {sorted(unknown)}; known: {sorted(sections)}")
        built = {}
        for name, spec in sections.items():
            section_type = spec.default_factory  # the section's dataclass
            values = drop_retired(name, data.get(name, {}), RETIRED_SECTION_KEYS.get(name, {}))
            known = {f.name: f for f in fields(section_type)}
            bad = set(values) - set(known)
            if bad:
                raise ValueError(f"unknown keys {sorted(bad)} in [{name}]; known: {sorted(known)}")
            built[name] = section_type(**{k: _typed(v, known[k].default) for k, v in values.items()})
        return cls(**built)


def _typed(value: Any, default: Any) -> Any:
    """TOML arrays become tuples where the dataclass default is a tuple (frozen, hashable)."""
    return tuple(value) if isinstance(default, tuple) and isinstance(value, list) else value


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def load_config(path: str | Path | None = None, overrides: list[str] = ()) -> TrainConfig:
    path = Path(path) if path is not None else DEFAULT_CONFIG
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ValueError(f"config file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path} is not valid TOML: {exc}") from exc
    for item in overrides:
        key, sep, raw = item.partition("=")
        section, dot, name = key.strip().partition(".")
        if not sep or not dot:
            raise ValueError(f"override {item!r} must look like section.key=value")
        try:
            value = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw  # a bare word: take it as a string
        data.setdefault(section, {})[name] = value
    return TrainConfig.from_dict(data)


def to_toml(config: TrainConfig) -> str:
    """The resolved configuration as TOML (tables of scalars, arrays and inline tables)."""
    lines = []
    for section, values in config.to_dict().items():
        lines.append(f"[{section}]")
        lines.extend(f"{key} = {_toml_value(value)}" for key, value in values.items())
        lines.append("")
    return "\n".join(lines)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if is_dataclass(value):
        return _toml_value(asdict(value))
    raise TypeError(f"cannot write {type(value).__name__} as TOML")
