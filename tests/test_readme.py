"""The README's and docs/'s claims, checked against the code: commands and flags against ``--help``,
figures against the model card and against each other, latency against ``Latency``, links, pictures
and paths against the repository, the two set-up commands against the Makefile, and the changelog's
newest release against the shipped model and the project's version.

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
import tomllib

from livedenoise.realtime.cli.main import SUBCOMMANDS, main
from livedenoise.realtime.latency import Latency

ROOT = Path(__file__).resolve().parent.parent
README_PATH = ROOT / "README.md"
README = README_PATH.read_text(encoding="utf-8")
DOC_PATHS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README_PATH, *DOC_PATHS]
CHANGELOG = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
CARD = json.loads((ROOT / "models" / "weights" / "default.json").read_text(encoding="utf-8"))
# Commands the README describes that are still being built: while one is listed here it must not
# exist yet, so the day it lands this test fails until it is checked like the others.
PENDING_COMMANDS: set[str] = set()
# As a person types them: not as a sub-make of the `make test` that may be running this test.
PLAIN_ENV = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
# A guide, not a notebook: measurements and experiments go to docs/.
README_MAX_LINES = 350
# Where commands write or read what a user makes: not in the repository.
GENERATED_ROOTS = ("data/", "runs/", "out/", ".venv/")
# `torchrun ... -m livedenoise.realtime.cli.main train ...` runs `livedenoise train ...`.
MODULE_ENTRY = "-m livedenoise.realtime.cli.main"


def page_id(path: Path) -> str:
    return str(path.relative_to(ROOT))


def page_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def section(title: str, text: str = README) -> str:
    match = re.search(rf"^#+ {re.escape(title)}\n(.*?)(?=^#+ |\Z)", text, re.S | re.M)
    assert match, f"no section {title!r}"
    return match.group(1)


def table_rows(text: str) -> list[list[str]]:
    """The body rows of the first Markdown table in ``text``, cells stripped."""
    lines = [line for line in text.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]


def code_lines(text: str) -> list[str]:
    """Every `livedenoise ...` command in ``text``'s sh blocks (continued lines joined, comments removed)."""
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    joined = [re.sub(r"\s*\\\n\s*", " ", block) for block in blocks]
    lines = [line.split("#")[0].strip() for block in joined for line in block.splitlines()]
    commands = []
    for line in lines:
        line = line.replace(MODULE_ENTRY, "livedenoise")
        # After what runs it (`nice -n 10`, `OMP_NUM_THREADS=1`, `torchrun ...`), the command itself.
        command = re.search(r"(?:^|\s)(livedenoise\s.*)$", line)
        if command:
            commands.append(command.group(1))
    return commands


def inline_commands(text: str) -> list[str]:
    """Every `livedenoise ...` command quoted in the prose, as one line."""
    return [" ".join(span.split()) for span in re.findall(r"`(livedenoise [^`]+)`", text)]


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


def check_line(line: str, where: str = "README") -> None:
    words = shlex.split(line)
    if words[1] in PENDING_COMMANDS:
        assert words[1] not in SUBCOMMANDS, f"`livedenoise {words[1]}` has landed: take it out of PENDING_COMMANDS"
        return
    assert words[1] in SUBCOMMANDS, f"{where}: `{line}` is not a command"
    text = help_text(command_words(line))
    for flag in (w.split("=")[0] for w in words if w.startswith("--")):
        # The whole flag: `--gate` is not listed by `--gate-threshold-db`.
        assert re.search(rf"{re.escape(flag)}(?![\w-])", text), (
            f"{where}: `{line}` uses {flag}, which `--help` does not list"
        )


def heading_anchors(text: str) -> set[str]:
    """The anchors a Markdown renderer gives ``text``'s headings (lower case, punctuation dropped, spaces to -)."""
    titles = re.findall(r"^#+ (.+)$", text, re.M)
    return {re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-") for title in titles}


def test_every_command_in_the_table_exists_with_its_flags():
    rows = table_rows(section("All the commands"))
    assert len(rows) >= 8
    for cell, _ in rows:
        check_line(cell.strip("`"))
    listed = {shlex.split(cell.strip("`"))[1] for cell, _ in rows}
    assert listed == set(SUBCOMMANDS), "the table lists every command there is, and no other"


def test_every_command_in_the_code_blocks_exists_with_its_flags():
    lines = code_lines(README)
    assert any(line.startswith("livedenoise run") for line in lines)
    for line in lines:
        check_line(line)


@pytest.mark.parametrize("path", PAGES, ids=page_id)
def test_every_command_a_page_shows_exists_with_its_flags(path):
    text = page_text(path)
    lines = code_lines(text) + inline_commands(text)
    assert lines or path == ROOT / "docs" / "model.md", f"{page_id(path)} shows no command"
    for line in lines:
        check_line(line, page_id(path))


def test_the_commands_behind_the_docs_figures_are_checked_too():
    # A command split over lines (`\`) or run as a module is still read as the command it is.
    lines = code_lines(page_text(ROOT / "docs" / "training.md"))
    assert any(
        line.startswith("livedenoise train training/configs/generalize.toml --set data.manifest") for line in lines
    )


def test_the_shared_model_flags_are_the_ones_every_model_command_takes():
    flags = re.findall(r"^- `(--[a-z-]+)`", section("All the commands"), re.M)
    assert flags == ["--model", "--provider", "--strength-db"]
    for words in (
        ("demo",),
        ("file",),
        ("run",),
        ("gui",),
        ("bench", "latency"),
        ("bench", "e2e"),
        ("bench", "quality"),
        ("bench", "gui"),
        ("bench", "tuner"),
    ):
        text = help_text(words)
        assert all(flag in text for flag in flags), words
        assert ".pt" in text and "cuda" in text and "auto" in text


def _figure(value: float, decimals: int, sign: bool = False) -> str:
    return f"{value:+.{decimals}f}" if sign else f"{value:.{decimals}f}"


def card_row(figures: dict) -> list[str]:
    """A figure table row as docs/model.md writes it, from one model's card entry (or `bench quality` report);
    the real-time factor last, where the entry has one."""
    overall, tuner = figures["overall"], figures["tuner"]
    row = [
        f"{_figure(figures['headline']['si_sdri_db'], 2, sign=True)} dB "
        f"({overall['si_sdr_in_db']:.2f} -> {overall['si_sdr_out_db']:.2f})",
        f"{figures['transparency']['si_sdr_db']:.1f} dB",
        f"{figures['attenuation']['mean_db']:.1f} dB",
        f"{overall['lsd_in_db']:.1f} -> {overall['lsd_out_db']:.1f} dB",
        f"{100 * tuner['in']['hit_rate']:.1f}% -> {100 * tuner['out']['hit_rate']:.1f}%",
    ]
    return row + [f"{figures['real_time_factor']:.3f}"] if "real_time_factor" in figures else row


def test_the_model_figure_table_is_the_cards():
    measured = section("Measured", page_text(ROOT / "docs" / "model.md"))
    rows = table_rows(measured)
    models = CARD["metrics"]["dev_set"]["models"]
    shipped = next(key for key in models if key.endswith(".onnx"))
    assert [row[0] for row in rows] == [CARD["name"], "DSP baseline (`dsp`)"]
    for row, key in zip(rows, (shipped, "dsp"), strict=True):
        assert [cell.replace("**", "") for cell in row[1:]] == card_row(models[key]), key
    devset = CARD["metrics"]["dev_set"]["devset"]
    text = " ".join(measured.split())
    assert f"(`{devset['path']}`, format {devset['format']}, {devset['n_examples']} examples" in text


def test_the_model_s_size_is_the_shipped_model_s():
    from livedenoise.training.onnx_weights import load_onnx_model  # torch, which `make` installs

    model, _ = load_onnx_model(ROOT / "models" / "weights" / "default.onnx")
    size = f"{model.n_parameters() / 1000:.0f} k parameters, {model.macs_per_frame() / 1e6:.2f} M multiply-adds per hop"
    assert f"`{CARD['name']}`: {size}" in " ".join(page_text(ROOT / "docs" / "model.md").split())


def test_the_readme_has_one_table_of_figures_with_the_command_that_measured_it():
    tables = re.findall(r"^\|[-| ]+\|$", README, re.M)
    assert len(tables) == 2, "the README holds the headline table and the command table; the rest is in docs/"
    headline = section("Compare with other denoisers")
    rows = {row[0]: row for row in table_rows(headline)}
    assert {"livedenoise (`default`)", "DSP baseline (`dsp`)"} <= set(rows) and len(rows) >= 5
    algorithmic = Latency(CARD["sample_rate"], CARD["hop_samples"], CARD["hop_samples"]).algorithmic_ms
    assert rows["livedenoise (`default`)"][-1] == rows["DSP baseline (`dsp`)"][-1] == f"{algorithmic:.1f} ms"
    commands = [line for line in code_lines(headline) if line.startswith("livedenoise bench quality")]
    assert any("--set data/devset-unseen" in line and "--per-cell 1" in line for line in commands)
    for name in re.findall(r"\(`([a-z]+)`\)", " ".join(rows)):
        assert any(name in line.split("--model")[1] for line in commands), f"the command does not run {name}"


def test_v7_s_figures_in_the_experiments_are_the_ones_measured():
    ours = table_rows(section("Compare with other denoisers"))[0]
    experiments = page_text(ROOT / "docs" / "experiments.md")
    variants = {row[0].split(" (")[0]: row for row in table_rows(section("Variants, trained alike", experiments))}
    # One example per cell, as the headline: the same SI-SDR, transparency and attenuation.
    assert variants["v7"][2:5] == [cell.replace("**", "") for cell in ours[1:4]]
    unseen = table_rows(section("On sources it has never heard", page_text(ROOT / "docs" / "model.md")))[0]
    whole_set = unseen[1].replace("**", "").split(" (")[0]
    per_cell = ours[1].replace("**", "")
    for line in experiments.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if line.startswith("| v7 |"):
            figure = next(cell for cell in cells if cell.endswith(" dB"))
            assert figure in (per_cell, whole_set), line


def test_latency_figures_are_the_shipped_models():
    latency = Latency(CARD["sample_rate"], CARD["hop_samples"], CARD["hop_samples"])
    algorithmic = f"{latency.algorithmic_ms:.2f} ms"
    assert f"with {algorithmic} of algorithmic latency" in README and f"latency is {algorithmic}" in README
    for path in PAGES:
        stated = re.findall(r"algorithmic latency is (\S+ ms)", " ".join(page_text(path).split()))
        assert all(figure == algorithmic for figure in stated), page_id(path)
    example = re.search(r"```text\n(latency .*?)\n```", README, re.S).group(1)
    assert example.startswith(latency.describe())
    through = Latency(
        CARD["sample_rate"], CARD["hop_samples"], CARD["hop_samples"], device_samples=256, round_trip_samples=512
    )
    assert example == through.describe()


def test_make_run_and_make_test_are_the_makefiles():
    block = re.search(r"## Install.*?```sh\n(.*?)```", README, re.S).group(1)
    assert [line.split("#")[0].strip() for line in block.strip().splitlines()] == ["make run", "make test"]
    plan = subprocess.run(
        ["make", "-n", "-B", "test"], cwd=ROOT, env=PLAIN_ENV, capture_output=True, text=True, check=True
    ).stdout
    assert "apt-get install" in plan and "pip install" in plan
    assert plan.strip().splitlines()[-1].endswith("-m pytest")
    run_plan = subprocess.run(
        ["make", "-n", "run"], cwd=ROOT, env=PLAIN_ENV, capture_output=True, text=True, check=True
    ).stdout
    decision = run_plan.strip().splitlines()[-1]  # the app with a display, the demo without one
    assert "DISPLAY" in decision and "livedenoise gui;" in decision and "livedenoise demo;" in decision
    assert "make test" in (ROOT / ".ci" / "run").read_text() and "export CI=true" in (ROOT / ".ci" / "run").read_text()


def test_the_readme_is_a_guide_and_links_to_every_doc():
    assert len(README.splitlines()) <= README_MAX_LINES, "move measurements and history to docs/ or the changelog"
    assert "v1" not in README, "the model's history is in the changelog and docs/model.md"
    linked = set(re.findall(r"\]\((docs/[^)#]+\.md)", README))
    unlinked = {page_id(path) for path in DOC_PATHS} - linked
    assert not unlinked, f"the README links every page in docs/ (as [docs/x.md](docs/x.md)); not {sorted(unlinked)}"


def releases() -> list[tuple[str, str]]:
    """(version, model) of every release in the changelog, newest first."""
    return re.findall(r"^## (\d+\.\d+\.\d+) - (\S+) \(\d{4}-\d{2}-\d{2}\)$", CHANGELOG, re.M)


def test_the_newest_release_is_the_shipped_model_and_the_project_s_version():
    assert re.findall(r"^## (.+)$", CHANGELOG, re.M)[0] == "Unreleased"
    versions = releases()
    assert versions, "CHANGELOG.md has no release"
    newest_version, newest_model = versions[0]
    assert newest_model == CARD["name"]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["version"] == newest_version
    numbers = [tuple(int(part) for part in version.split(".")) for version, _ in versions]
    assert numbers == sorted(numbers, reverse=True) and len(set(numbers)) == len(numbers)


def test_unreleased_is_short_and_points_to_the_docs():
    unreleased = re.search(r"^## Unreleased\n(.*?)(?=^## )", CHANGELOG, re.S | re.M).group(1)
    entries = re.findall(r"^- .*?(?=^- |\Z)", unreleased, re.S | re.M)
    assert entries
    for entry in entries:
        assert len(entry.strip().splitlines()) <= 4, f"the detail belongs in docs/: {entry[:80]!r}"


@pytest.mark.parametrize("path", [*PAGES, ROOT / "CHANGELOG.md"], ids=page_id)
def test_every_link_and_picture_is_in_the_repository(path):
    text = page_text(path)
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if target.startswith(("http://", "https://")):
            continue
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        assert linked.exists(), f"{page_id(path)}: {target} is not in the repository"
        if anchor:
            assert anchor in heading_anchors(linked.read_text(encoding="utf-8")), (
                f"{page_id(path)}: no heading for {target}"
            )
    if path == README_PATH:
        assert "docs/gui.png" in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)


@pytest.mark.parametrize("path", PAGES, ids=page_id)
def test_every_file_a_page_names_is_in_the_repository(path):
    """A module that moved leaves no stale path behind: every quoted repository path exists."""
    names = re.findall(r"`([A-Za-z_.][\w.-]*(?:/[\w.*-]+)+/?)`", page_text(path))
    for name in names:
        if name.startswith(GENERATED_ROOTS) or "*" in name or "NNN" in name or "NAME" in name:
            continue
        assert (ROOT / name).exists(), f"{page_id(path)} names `{name}`, which is not in the repository"
