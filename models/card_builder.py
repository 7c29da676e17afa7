"""The model card of a CausalUNet, derived from its config: what the exporter and the torch runtime publish."""

from __future__ import annotations

from typing import Any

from livedenoise.models.card import ModelCard
from livedenoise.models.features import describe_features
from livedenoise.models.state_layout import state_specs
from livedenoise.models.unet import CausalUNet

CARD_EXTRA_KEYS = ("name", "training", "metrics")


def build_card(
    model: CausalUNet, name: str, card_extra: dict[str, Any] | None = None, versions: dict[str, str] | None = None
) -> ModelCard:
    """``card_extra`` may set ``name``, ``training`` and ``metrics``; anything else is refused."""
    config = model.config
    extra = dict(card_extra or {})
    unknown = sorted(set(extra) - set(CARD_EXTRA_KEYS))
    if unknown:
        raise ValueError(f"card_extra keys {unknown} are not card fields; use {list(CARD_EXTRA_KEYS)}")
    card = ModelCard(
        name=str(extra.get("name", name)),
        sample_rate=config.sample_rate,
        n_fft=config.n_fft,
        hop_samples=config.hop_samples,
        states=state_specs(config),
        mask_kind="gain",
        features=describe_features(config),
        config=config.to_dict(),
        training=dict(extra.get("training", {})),
        metrics=dict(extra.get("metrics", {})),
        versions=dict(versions or {}),
    )
    card.validate()
    return card
