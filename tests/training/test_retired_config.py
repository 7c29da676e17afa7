"""Training configs written before an experiment left the code still load; one that used it is refused."""

from pathlib import Path

import pytest

from livedenoise.training.config import RETIRED_SECTION_KEYS, TrainConfig, load_config, to_toml

ROOT = Path(__file__).resolve().parents[2]
# A resolved config as a run writes it: every option the code has today.
STAGE_CONFIG = ROOT / "training" / "stage" / "config.toml"
RETIRED = [(section, key) for section, keys in RETIRED_SECTION_KEYS.items() for key in sorted(keys)]


def _used(off):
    """A value that turns the experiment on (or changes it)."""
    if isinstance(off, bool):
        return not off
    if isinstance(off, str):
        return "other"
    if isinstance(off, tuple):
        return [value * 2 for value in off]
    return off + 1 if off != float("inf") else 20.0


def written_before_the_retirement(tmp_path: Path) -> Path:
    """The stage's resolved config as a run wrote it while the experiments were in the code: every
    retired key at its off value, in its section."""
    lines, sections = [], set()
    for line in STAGE_CONFIG.read_text().splitlines():
        lines.append(line)
        section = line.strip()[1:-1] if line.startswith("[") else None
        if section in RETIRED_SECTION_KEYS:
            sections.add(section)
            lines += [f"{key} = {_toml(off)}" for key, off in RETIRED_SECTION_KEYS[section].items()]
    assert sections == set(RETIRED_SECTION_KEYS), "the stage's config lacks a section a retired key lived in"
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_resolved_config_that_names_retired_keys_at_their_off_values_loads(tmp_path):
    old = written_before_the_retirement(tmp_path)
    config = load_config(old)
    assert config == load_config(STAGE_CONFIG)
    assert config == load_config(old, [f"{section}.{key}={_toml(off)}" for section, key, off in _offs()])
    written = to_toml(config)
    assert not any(f"\n{key} = " in written for _, key in RETIRED), "a retired key is written again"


def _offs():
    return [(section, key, RETIRED_SECTION_KEYS[section][key]) for section, key in RETIRED]


def _toml(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return "inf" if value == float("inf") else repr(value)


@pytest.mark.parametrize("section, key", RETIRED)
def test_a_retired_key_at_another_value_is_refused_with_where_to_read_about_it(section, key):
    used = _used(RETIRED_SECTION_KEYS[section][key])
    with pytest.raises(
        ValueError, match=rf"{section}\.{key} = .* was an experiment, removed; see docs/experiments\.md"
    ):
        TrainConfig.from_dict({section: {key: used}})


def test_an_unknown_key_is_still_refused():
    with pytest.raises(ValueError, match=r"unknown keys \['depth'\] in \[loss\]"):
        TrainConfig.from_dict({"loss": {"depth": 3}})
