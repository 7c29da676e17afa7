"""How validation examples (checkpoint choice) are mixed, by ``data.validation_noise``.

"mixed" draws noise as training does, from ``mix.noise_weights`` with every augmentation. In a
recipe where most of the noise is synthetic (the procedural generator, colored noise, hum), that
validation mostly scores the generator the model trains on, and it ranked models further from the
unseen-source dev set's order than "recorded" does (neither matches it for every model).
"recorded" draws only the validation packages' recordings, one noise per example, dry and
unvaried, at the dev set's SNRs: the validation split mixed as the unseen-source dev set mixes its
own split.

Either way every validation example holds music and noise: transparency is measured on its own.
"""

from __future__ import annotations

import dataclasses

from livedenoise.training.devset import SNRS_DB
from livedenoise.training.mixing import RECORDED_TYPES, MixConfig

VALIDATION_NOISE_KINDS = ("mixed", "recorded")


def validation_mix(kind: str, mix: MixConfig) -> MixConfig:
    """The ``MixConfig`` of validation examples, given the training run's ``mix``."""
    if mix.draws_prints:
        # every example with its own print, unjittered: checkpoints are chosen by what a print gives
        mix = dataclasses.replace(
            mix,
            print_none_prob=0.0,
            print_mismatch_prob=0.0,
            print_music_prob=0.0,
            print_level_jitter_db=0.0,
            print_tilt_jitter_db_per_octave=0.0,
            print_drift_db=0.0,
            print_s_range=(3.0, 3.0),
        )
    if kind == "mixed":
        return mix
    if kind != "recorded":
        raise ValueError(f"data.validation_noise must be one of {VALIDATION_NOISE_KINDS}, not {kind!r}")
    recorded = {name: weight for name, weight in mix.noise_weights.items() if name in RECORDED_TYPES and weight > 0}
    if not recorded:
        raise ValueError(
            f"data.validation_noise = 'recorded' needs a recorded noise type ({sorted(RECORDED_TYPES)}) "
            "with a positive weight in mix.noise_weights"
        )
    return dataclasses.replace(
        mix,
        snr_db_range=(min(SNRS_DB), max(SNRS_DB)),
        noise_weights=recorded,
        second_noise_prob=0.0,
        reverb_prob=0.0,
        band_limit_prob=0.0,
        noise_variation_prob=0.0,
        recording_eq_prob=0.0,
        recording_reverb_prob=0.0,
        recording_swell_prob=0.0,
    )
