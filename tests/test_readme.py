"""The README's claims, checked against the code: commands and flags against ``--help``, figures
against the model card, latency against ``Latency``, the two set-up commands against the Makefile.

Nothing here installs or downloads anything: `make` only prints its plan.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
import subprocess
from functools import cache
from pathlib import Path

import pytest

from livedenoise.realtime.cli.main import SUBCOMMANDS, main
from livedenoise.realtime.latency import Latency

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
CARD = json.loads((ROOT / "models" / "weights" / "default.json").read_text(encoding="utf-8"))
# Commands the README describes that are still being built: while one is listed here it must not
# exist yet, so the day it lands this test fails until it is checked like the others.
PENDING_COMMANDS: set[str] = set()
# As a person types them: not as a sub-make of the `make test` that may be running this test.
PLAIN_ENV = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}


def section(title: str) -> str:
    match = re.search(rf"^#+ {re.escape(title)}\n(.*?)(?=^#+ |\Z)", README, re.S | re.M)
    assert match, f"README has no section {title!r}"
    return match.group(1)


def table_rows(text: str) -> list[list[str]]:
    """The body rows of the first Markdown table in ``text``, cells stripped."""
    lines = [line for line in text.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]


def code_lines() -> list[str]:
    """Every `livedenoise ...` line in the README's sh blocks, comments removed."""
    blocks = re.findall(r"```sh\n(.*?)```", README, re.S)
    lines = [line.split("#")[0].strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line.startswith("livedenoise")]


@cache
def help_text(words: tuple[str, ...]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exit_info:
        main([*words, "--help"])
    assert exit_info.value.code == 0, f"livedenoise {' '.join(words)} --help failed"
    return out.getvalue()


def command_words(line: str) -> tuple[str, ...]:
    """``livedenoise bench latency --model x`` -> ``("bench", "latency")``: the command and any sub-command."""
    words = shlex.split(line)[1:]
    command = [words[0]]
    if len(words) > 1 and not words[1].startswith("-") and f"\n    {words[1]} " in help_text((words[0],)):
        command.append(words[1])
    return tuple(command)


def check_line(line: str) -> None:
    words = shlex.split(line)
    if words[1] in PENDING_COMMANDS:
        assert words[1] not in SUBCOMMANDS, f"`livedenoise {words[1]}` has landed: take it out of PENDING_COMMANDS"
        return
    assert words[1] in SUBCOMMANDS, f"README: `{line}` is not a command"
    text = help_text(command_words(line))
    for flag in (w.split("=")[0] for w in words if w.startswith("--")):
        assert flag in text, f"README: `{line}` uses {flag}, which `--help` does not list"


def test_every_command_in_the_table_exists_with_its_flags():
    rows = table_rows(section("All the commands"))
    assert len(rows) >= 8
    for cell, _ in rows:
        check_line(cell.strip("`"))
    listed = {shlex.split(cell.strip("`"))[1] for cell, _ in rows}
    assert listed == set(SUBCOMMANDS), "the table lists every command there is, and no other"


def test_every_command_in_the_code_blocks_exists_with_its_flags():
    lines = code_lines()
    assert any(line.startswith("livedenoise run") for line in lines)
    for line in lines:
        check_line(line)


def test_the_shared_model_flags_are_the_ones_every_model_command_takes():
    flags = re.findall(r"^- `(--[a-z-]+)`", section("All the commands"), re.M)
    assert flags == ["--model", "--provider", "--strength-db"]
    for words in (("demo",), ("file",), ("run",), ("gui",), ("bench", "latency"), ("bench", "e2e"), ("bench", "quality"),
                  ("bench", "gui"), ("bench", "tuner")):
        text = help_text(words)
        assert all(flag in text for flag in flags), words
        assert ".pt" in text and "cuda" in text and "auto" in text


def _figure(value: float, decimals: int, sign: bool = False) -> str:
    return f"{value:+.{decimals}f}" if sign else f"{value:.{decimals}f}"


def card_row(figures: dict) -> list[str]:
    """A figure table row as the README writes it, from one model's card entry."""
    overall, tuner = figures["overall"], figures["tuner"]
    return [
        f"{_figure(figures['headline']['si_sdri_db'], 2, sign=True)} dB "
        f"({overall['si_sdr_in_db']:.2f} -> {overall['si_sdr_out_db']:.2f})",
        f"{figures['transparency']['si_sdr_db']:.1f} dB",
        f"{figures['attenuation']['mean_db']:.1f} dB",
        f"{overall['lsd_in_db']:.1f} -> {overall['lsd_out_db']:.1f} dB",
        f"{100 * tuner['in']['hit_rate']:.1f}% -> {100 * tuner['out']['hit_rate']:.1f}%",
        f"{figures['real_time_factor']:.3f}",
    ]


def test_the_figure_table_is_the_cards():
    rows = table_rows(section("The shipped model, measured"))
    models = CARD["metrics"]["dev_set"]["models"]
    shipped = next(key for key in models if key.endswith(".onnx"))
    assert [row[0] for row in rows] == [CARD["name"], "DSP baseline (`dsp`)"]
    for row, key in zip(rows, (shipped, "dsp")):
        assert [cell.replace("**", "") for cell in row[1:]] == card_row(models[key]), key
    devset = CARD["metrics"]["dev_set"]["devset"]
    text = " ".join(section("The shipped model, measured").split())
    assert f"(`{devset['path']}`, format {devset['format']}, {devset['n_examples']} examples" in text


def test_latency_figures_are_the_shipped_models():
    latency = Latency(CARD["sample_rate"], CARD["hop_samples"], CARD["hop_samples"])
    algorithmic = f"{latency.algorithmic_ms:.2f} ms"
    assert f"with {algorithmic} of algorithmic latency" in README and f"latency is {algorithmic}" in README
    example = re.search(r"```text\n(latency .*?)\n```", README, re.S).group(1)
    assert example.startswith(latency.describe())
    through = Latency(CARD["sample_rate"], CARD["hop_samples"], CARD["hop_samples"], device_samples=256,
                      round_trip_samples=512)
    assert example == through.describe()


def test_make_run_and_make_test_are_the_makefiles():
    block = re.search(r"## Install.*?```sh\n(.*?)```", README, re.S).group(1)
    assert [line.split("#")[0].strip() for line in block.strip().splitlines()] == ["make run", "make test"]
    plan = subprocess.run(["make", "-n", "-B", "test"], cwd=ROOT, env=PLAIN_ENV, capture_output=True, text=True, check=True).stdout
    assert "apt-get install" in plan and "pip install" in plan
    assert plan.strip().splitlines()[-1].endswith("-m pytest")
    run_plan = subprocess.run(["make", "-n", "run"], cwd=ROOT, env=PLAIN_ENV, capture_output=True, text=True, check=True).stdout
    decision = run_plan.strip().splitlines()[-1]  # the app with a display, the demo without one
    assert "DISPLAY" in decision and "livedenoise gui;" in decision and "livedenoise demo;" in decision
    assert "make test" in (ROOT / ".ci" / "run").read_text() and "export CI=true" in (ROOT / ".ci" / "run").read_text()


def test_the_history_is_in_the_changelog_not_the_readme():
    assert "v1" not in README and "| v7 |" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_every_picture_the_readme_shows_is_in_the_repository():
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)
    assert "docs/gui.png" in pictures
    for path in pictures:
        assert (ROOT / path).is_file(), path
