"""Every figure docs/ quotes, checked against the measurement it came from, kept in docs/figures/.

A table in a page of docs/ with a figure in its body (a number outside code spans and commit names) is
a table of figures. Each one must have exactly one file in docs/figures/ (or be checked by another
test, ``CHECKED_ELSEWHERE``); a table of words needs none. A file is one of two kinds:

- **a bench report**: what the command shown above the table writes with ``--json``, holding the keys
  the page quotes (a rerun writes the whole report, which then checks the same way). ``BENCH_REPORTS``
  ties each to its table (page, section, which table of the section), the command, and a function that
  writes the table's rows from the report as the page writes them, and the result claims its prose
  makes from the same figures.
- **a record**, for figures that no one bench run wrote (several runs, other commits, a script, a
  training run): ``{"page", "section", "command", "measured", "table", "claims"}``. ``command`` is the
  command shown in the page above the table or in its section (a whole inline code span, a command
  line of a code block, or a whole code block), or null where ``measured`` says what made them.
  ``table`` is ``{"columns": [...], "rows": [[...], ...]}``, one entry per column: a string is the
  cell's words; a number, or a list of numbers, the figures in the cell in order; null an empty cell.
  ``claims`` (optional, and all a record holds where the figures are prose) are sentences of
  the page that state a result, ``{"text", "figures"}``. A figure matches when the page shows it
  rounded as it is shown (``+2.60``, ``2,078``, ``13%``).

A record names its table by page, section (the heading above it) and columns, so a table added to a
page needs a record of its own and no change here. A record whose table or claim is gone from its page
fails too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from livedenoise.bench import soak
from livedenoise.realtime.batch import lead_noise
from test_readme import CARD, card_row

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
FIGURES = DOCS / "figures"
# A figure as a page shows it: a sign only where no digit or letter comes before it (6.3-6.5 is a range),
# thousands grouped by commas, decimals, a power of ten (7e-5).
NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:e-?\d+)?")
# A commit named in the prose (2bd51af) is no figure.
COMMIT = re.compile(r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{7,64}\b")
HEADING = re.compile(r"^#{1,6} (.+)$")
SEPARATOR = re.compile(r"^\|(?:\s*:?-+:?\s*\|)+$")


@dataclass(frozen=True)
class DocTable:
    page: str
    section: str
    index: int  # among the tables of its section
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    line: int  # of the header, counted from 0

    @property
    def holds_figures(self) -> bool:
        """A figure in a cell, outside code (`--seconds 30`) and commits."""
        return any(figures_in(re.sub(r"`[^`]*`", "", cell)) for row in self.rows for cell in row)


@dataclass(frozen=True)
class Page:
    path: str
    lines: tuple[str, ...]
    tables: tuple[DocTable, ...]
    sections: tuple[tuple[str, int, int], ...]  # title, first line, end line

    def section_lines(self, title: str) -> tuple[int, int]:
        spans = [(first, end) for name, first, end in self.sections if name == title]
        assert len(spans) == 1, f"{self.path}: {len(spans)} sections titled {title!r}"
        return spans[0]


def _cells(line: str) -> tuple[str, ...]:
    return tuple(cell.strip() for cell in line.strip().strip("|").split("|"))


def parse_page(path: str, text: str) -> Page:
    lines = tuple(text.splitlines())
    tables, headings, in_code, section, counts = [], [], False, "", {}
    k = 0
    while k < len(lines):
        line = lines[k]
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and HEADING.match(line):
            section = HEADING.match(line).group(1).strip()
            headings.append((section, k))
        elif not in_code and line.startswith("|") and k + 1 < len(lines) and SEPARATOR.match(lines[k + 1]):
            end = k + 2
            while end < len(lines) and lines[end].startswith("|"):
                end += 1
            index = counts.get(section, 0)
            counts[section] = index + 1
            rows = tuple(_cells(row) for row in lines[k + 2 : end])
            tables.append(DocTable(path, section, index, _cells(line), rows, k))
            k = end
            continue
        k += 1
    sections = tuple(
        (title, first, headings[i + 1][1] if i + 1 < len(headings) else len(lines))
        for i, (title, first) in enumerate(headings)
    )
    return Page(path, lines, tuple(tables), sections)


@cache
def read_page(path: str) -> Page:
    return parse_page(path, (ROOT / path).read_text(encoding="utf-8"))


def doc_pages() -> list[str]:
    return [str(path.relative_to(ROOT)) for path in sorted(DOCS.glob("*.md"))]


def words(text: str) -> str:
    return " ".join(text.replace("**", "").split())


def shown_as(token: str, value: float) -> str:
    """``value`` written as ``token`` is: its sign, thousands commas, decimals, power of ten."""
    mantissa = token.split("e")[0]
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    style = (
        f"{'+' if token.startswith('+') else ''}{',' if ',' in token else ''}.{decimals}{'e' if 'e' in token else 'f'}"
    )
    return re.sub(r"e(-?)\+?0*(\d)", r"e\1\2", f"{value:{style}}")


def figures_in(text: str) -> list[str]:
    return NUMBER.findall(COMMIT.sub("", text))


def check_figures(where: str, shown: str, values: list[float]) -> None:
    tokens = figures_in(shown)
    assert len(tokens) == len(values), f"{where}: {shown!r} shows {len(tokens)} figures, the record {len(values)}"
    for token, value in zip(tokens, values, strict=True):
        assert token == shown_as(token, value), f"{where}: {shown!r} shows {token}, the record {value}"


def check_row(where: str, shown: tuple[str, ...], expected: list) -> None:
    assert len(shown) == len(expected), f"{where}: {len(shown)} cells, the record {len(expected)}"
    for column, (cell, value) in enumerate(zip(shown, expected, strict=True)):
        cell, at = words(cell), f"{where}, column {column + 1}"
        if isinstance(value, str):
            assert cell == value, f"{at}: the page says {cell!r}, the record {value!r}"
        elif value is None:
            assert not cell, f"{at}: {cell!r} where the record has nothing"
        else:
            check_figures(at, cell, value if isinstance(value, list) else [value])


def code_shown(page: Page, end_line: int) -> set[str]:
    """Every inline code span, command line of a code block and whole code block in ``page`` before
    ``end_line``, whitespace collapsed (a line continued with a backslash is one line)."""
    text = "\n".join(page.lines[:end_line])
    shown = set()
    for block in re.findall(r"^```[^\n]*\n(.*?)^```", text, re.S | re.M):
        shown.add(words(block))
        for line in re.sub(r"\\\n", " ", block).splitlines():
            shown.add(words(re.split(r"\s#", line)[0]))
    prose = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    shown |= {words(span) for span in re.findall(r"`([^`]+)`", prose)}
    return shown


def section_text(page: Page, title: str) -> str:
    first, end = page.section_lines(title)
    return words("\n".join(page.lines[first:end]))


def check_claims(page: Page, section: str, claims: list[dict]) -> None:
    text = section_text(page, section)
    for claim in claims:
        said = words(claim["text"])
        assert said in text, f"{page.path}, {section!r}: no longer says {said!r}"
        check_figures(f"{page.path}, {section!r}: {said!r}", said, claim["figures"])


def check_command(page: Page, section: str, below: int, command: str) -> None:
    """``command`` is shown above line ``below`` or anywhere in ``section``."""
    _, end = page.section_lines(section)
    assert words(command) in code_shown(page, max(below, end)), (
        f"{page.path}, {section!r}: the page does not show `{words(command)[:80]}`"
    )


# Bench reports ---------------------------------------------------------------------------------


def percent(value: float) -> str:
    return f"{100 * value:.0f}%"


def latency_rows(report: dict, table: DocTable, page: Page) -> None:
    results = report["results"]
    assert len(table.rows) == len(results)
    for row, result in zip(table.rows, results, strict=True):
        if "runtime" in result:
            assert row[0].startswith(result["runtime"]), row
        hop_us = 1e6 * result["hop_samples"] / 48000
        assert list(row[1:]) == [
            str(result["hop_samples"]),
            f"{result['p50_us']:.0f} us",
            f"{result['p99_us']:.0f} us",
            f"{result['real_time_factor']:.3f}",
            percent(result["p99_share_of_hop"]),
        ], result["model"]
        assert percent(result["p99_us"] / hop_us) == row[-1], "p99 / hop is p99 over the hop's duration"
    assert results[0]["runtime"] == CARD["name"], "measured when the shipped model shipped"
    text = section_text(page, table.section)
    assert f"{report['seconds_per_measurement']:.0f} s of audio each" in text
    shown = re.search(r"--model (\S+)", text).group(1).split(",")
    assert [r["model"] for r in results] == shown, "the command runs the models in the table's order"


def _hop_ms(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def tuner_rows(report: dict, table: DocTable, page: Page) -> None:
    summaries = report["summaries"]
    causal = {r["front_end"]: r["describe"]["causal"] for r in report["results"]}
    assert len(table.rows) == len(summaries)
    for row, s in zip(table.rows, summaries, strict=True):
        assert row[0].endswith(f"(`{s['front_end']}`)"), row
        latency = (
            "offline only" if not causal[s["front_end"]] else f"{s['latency_ms']:.1f} ms" if s["latency_ms"] else "0 ms"
        )
        compute = (
            "-" if s["compute_per_hop_us"] is None else f"{s['compute_per_hop_us']:.0f} µs ({_hop_ms(s['hop_ms'])} ms)"
        )
        hits = " / ".join(percent(s["by_snr_db"][snr]["hit_rate"]) for snr in ("-5", "0", "5", "10"))
        expected = [
            latency,
            compute,
            f"{s['clean']['median_abs_cents']:.2f}",
            f"{s['clean']['median_lock_ms']:.0f} ms",
            hits,
            percent(s["noisy"]["octave_error_rate"]),
            percent(s["noisy"]["locked"]),
            f"{s['noisy']['median_lock_live_ms']:.0f} ms",
        ]
        assert [words(cell) for cell in row[1:]] == expected, s["front_end"]
    # What the prose below the table says of them.
    by_name = {s["front_end"]: s for s in summaries}
    noisy = by_name["none"]

    def above_noisy(name: str) -> bool:
        return all(
            by_name[name]["by_snr_db"][snr]["hit_rate"] > noisy["by_snr_db"][snr]["hit_rate"]
            for snr in noisy["by_snr_db"]
        )

    for name in ("default", "dsp", "rnnoise"):
        assert above_noisy(name), f"{name} hits more frames than the noisy input at every SNR"
        assert by_name[name]["noisy"]["median_lock_live_ms"] <= noisy["noisy"]["median_lock_live_ms"], name
    assert not above_noisy("deepfilternet") and not above_noisy("noisereduce")
    clean_off = {name for name, s in by_name.items() if s["clean"]["median_abs_cents"] > 1.0}
    assert clean_off == {"deepfilternet"}
    text = section_text(page, table.section)
    assert f"but DeepFilterNet3 ({by_name['deepfilternet']['clean']['median_abs_cents']:.1f} cents)" in text


def gate_rows(report: dict, table: DocTable, page: Page) -> None:
    causal = {r["front_end"]: r["describe"]["causal"] for r in report["results"]}
    expected = []
    for s in report["summaries"]:
        if not causal[s["front_end"]]:
            continue  # an offline front end's output has no live gate
        name = "noisy input" if s["front_end"] == "none" else f"`{s['front_end']}`"
        shown = (
            {"mask": "mask", "level, as fast as mask": "level, as fast"} if "mask" in s["gates"] else {"level": "level"}
        )
        for key, label in shown.items():
            g = s["gates"][key]
            unit = "dBFS" if g["kind"] == "level" else "dB"
            expected.append(
                [
                    name,
                    label,
                    f"{g['threshold_db']:g} {unit}",
                    f"{g['median_open_delay_ms']:.0f} ms ({g['median_open_delay_live_ms']:.0f} ms)",
                    f"{g['median_tail_clipped_ms']:.0f} ms",
                    f"{g['false_opens_per_min']:.1f}",
                    percent(g["open_on_noise"]),
                ]
            )
    assert [[words(cell) for cell in row] for row in table.rows] == expected
    for s in report["summaries"]:
        if "mask" in s.get("gates", {}):
            mask, level = s["gates"]["mask"], s["gates"]["level, as fast as mask"]
            assert mask["false_opens_per_min"] < level["false_opens_per_min"], (
                "fewer false opens than a level gate as fast"
            )
    default = next(s for s in report["summaries"] if s["front_end"] == "default")["gates"]
    text = section_text(page, table.section)
    assert f"the mask gate is open {percent(default['mask']['open_on_noise'])} of the time on noise alone" in text
    assert default["mask"]["open_on_noise"] > default["level, as fast as mask"]["open_on_noise"]
    for peer in ("rnnoise", "deepfilternet"):
        tail = next(s for s in report["summaries"] if s["front_end"] == peer)["gates"]["level"]
        assert tail["median_tail_clipped_ms"] >= 500, "cut the note's tail by half a second and more"


def tuner_figures_rows(report: dict, table: DocTable, page: Page) -> None:
    clean, noisy = report["clean"]["summary"], report["noisy"]["summary"]
    if table.index == 0:
        ours, ours_e2 = clean["ours_from_e1"], clean["ours_from_e2"]
        yin, yinfft = clean["aubio_yin_from_e1"], clean["aubio_yinfft_from_e1"]
        assert [[words(cell) for cell in row[1:]] for row in table.rows] == [
            [
                f"{ours['median_cents']:.2f} cents",
                f"{ours['worst_note_median_cents']:.2f} cents (E1); "
                f"{ours_e2['worst_note_median_cents']:.2f} from E2 up",
            ],
            [f"{yin['median_cents']:.2f} cents", f"{yin['worst_note_median_cents']:.2f} cents"],
            [
                f"{yinfft['median_cents']:.2f} cents",
                f"an octave and more off ({yinfft['worst_note_median_cents']:.0f} cents)",
            ],
        ]
        return
    snrs = ("-5", "+0", "+5", "+10")
    expected = []
    for hit, lock in (
        ("hit_noisy", "lock_s_noisy"),
        ("hit_default", "lock_s_default"),
        ("hit_dsp", "lock_s_dsp"),
        ("hit_noisy_aubio_yin", None),
        ("hit_noisy_aubio_yinfft", None),
    ):
        hits = " / ".join(f"{100 * noisy[hit][snr]:.1f}%" for snr in snrs)
        locked = "" if lock is None else " / ".join(percent(noisy[lock][snr]["locked"]) for snr in snrs)
        expected.append([hits, locked])
    assert [[words(cell) for cell in row[1:]] for row in table.rows] == expected
    medians = {noisy[key][snr]["median_s"] for key in noisy if key.startswith("lock_s_") for snr in snrs}
    assert len(medians) == 1, "one median at every SNR and for every front end"
    text = section_text(page, table.section)
    assert f"in a median of {1000 * medians.pop():.0f} ms at every SNR and for every front end" in text


def soak_rows(report: dict, table: DocTable, page: Page) -> None:
    expected, start_s = [], 0.0
    for period in [*report["periods"], None]:
        p = report["whole"] if period is None else period
        label = "whole" if period is None else f"{start_s / 60:.0f}-{(start_s + p['seconds']) / 60:.0f}"
        start_s += 0 if period is None else p["seconds"]
        counts = [p[key] for key in ("n_unfinished", "n_c_client_unfinished")]
        ratio = soak.ratio(*counts, p["seconds"])
        assert f"{ratio:.2f}" == f"{p['ratio']:.2f}", "the ratio is the engine's count over the floored C client's"
        expected.append(
            [
                label,
                *map(str, counts),
                f"{p['ratio']:.2f}",
                *(str(p[k]) for k in ("n_xruns", "n_late_masks", "n_overloads")),
            ]
        )
    assert [list(row) for row in table.rows] == expected
    whole, start, end = report["whole"], report["rss_mb_start"], report["rss_mb_end"]
    floor = soak.C_CLIENT_FLOOR_PER_30_S * whole["seconds"] / 30
    late, growth = whole["n_late_masks"], end["engine"] - start["engine"]
    said = [
        f"The ratio meets its target ({soak.TARGET_RATIO:g})",
        f"floored at {soak.C_CLIENT_FLOOR_PER_30_S} per 30 s, {floor:.0f} over the run",
        f"the engine left {whole['n_unfinished'] / whole['n_c_client_unfinished']:.2f} times the C client's",
        f"{late} late masks in {whole['n_hops']:,} hops ({100 * late / whole['n_hops']:.2f}%)",
        f"the engine process {start['engine']:.1f} -> {end['engine']:.1f} MB ({growth:+.1f} MB;",
        f"the C client {start['c_client']:.1f} MB at both ends",
    ]
    text = section_text(page, table.section)
    for sentence in said:
        assert sentence in text, sentence
    assert whole["ratio"] <= soak.TARGET_RATIO and f"{end['c_client']:.1f}" == f"{start['c_client']:.1f}"


def batch_rows(report: dict, table: DocTable, page: Page) -> None:
    runs = report["runs"]
    one = runs["jobs 1"]["audio_hours_per_hour"]
    expected = [
        [
            str(r["n_workers"]),
            f"{r['elapsed_s']:.1f} s",
            f"{r['audio_hours_per_hour']:.1f}",
            f"{r['audio_hours_per_hour_per_worker']:.1f}",
            f"{r['audio_hours_per_hour'] / one:.2f}x",
        ]
        for r in runs.values()
    ]
    assert [list(row[1:]) for row in table.rows] == expected
    labels = [row[0] for row in table.rows]
    assert labels[:2] == ["`--jobs 1`", "`--jobs 2`"] and list(runs)[:2] == ["jobs 1", "jobs 2"]
    assert labels[2].startswith("Dask") and list(runs)[2] == "dask 2"
    two, dask = runs["jobs 2"], runs["dask 2"]
    text = section_text(page, table.section)
    assert f"two jobs do {two['audio_hours_per_hour'] / one:.2f} times the audio of one" in text
    assert (
        f"Dask's two workers do {percent(dask['audio_hours_per_hour'] / two['audio_hours_per_hour'])} of what" in text
    )
    assert f"costing {dask['elapsed_s'] - two['elapsed_s']:.1f} s over" in text


def quality_rows(report: dict, table: DocTable, page: Page) -> None:
    devset, models = report["devset"], report["models"]
    assert [row[0] for row in table.rows] == [CARD["name"], "DSP baseline (`dsp`)"]
    for row, key in zip(table.rows, ("default", "dsp"), strict=True):
        assert [words(cell) for cell in row[1:]] == card_row(models[key]), key
    text = section_text(page, table.section)
    assert f"(`{devset['path']}`, format {devset['format']}: {devset['n_examples']} examples" in text


def gui_claims(report: dict, table: None, page: Page) -> None:
    rows = {row["model"]: row for row in report["rows"]}
    identity, default = rows["identity"], rows["default"]
    text = section_text(page, "GUI frame rate (`bench gui`)")
    width, height = identity["window"]
    assert f"(off screen, {width}x{height}, the file preview" in text
    assert (
        f"it drew {identity['fps_median']:.0f} fps (median of {identity['seconds']} one-second counts, minimum "
        f"{identity['fps_min']}) with the identity model, and {default['fps_median']:.0f} fps with the default model"
    ) in text
    assert list(rows) == ["identity", "default"] and "livedenoise bench gui --model identity,default" in text


@dataclass(frozen=True)
class BenchReport:
    page: str
    section: str
    index: int | None  # which table of the section; None: the report backs prose alone
    command: str
    check: Callable[[dict, DocTable | None, Page], None]


TUNER_BENCH = "Tuner and gate benchmark (`bench tuner`)"
TUNER_FIGURES = "Tuner: our pitch tracker against aubio's"
BENCH_REPORTS = {
    "bench-latency.json": [
        BenchReport(
            "docs/benchmarks.md",
            "Compute per hop, as measured when v7 shipped",
            0,
            "livedenoise bench latency --model default,v6.onnx,dsp,identity --hops 128",
            latency_rows,
        )
    ],
    "bench-tuner.json": [
        BenchReport(
            "docs/benchmarks.md",
            TUNER_BENCH,
            0,
            "livedenoise bench tuner --per-cell 1 --markdown bench-tuner.md --plots bench/figures",
            tuner_rows,
        ),
        BenchReport(
            "docs/benchmarks.md",
            TUNER_BENCH,
            1,
            "livedenoise bench tuner --per-cell 1 --markdown bench-tuner.md --plots bench/figures",
            gate_rows,
        ),
    ],
    "tuner-figures.json": [
        BenchReport(
            "docs/benchmarks.md",
            TUNER_FIGURES,
            index,
            ".venv/bin/python tests/realtime/tuner_figures.py --aubio",
            tuner_figures_rows,
        )
        for index in (0, 1)
    ],
    "bench-soak.json": [
        BenchReport(
            "docs/benchmarks.md",
            "A long session (`bench soak`)",
            0,
            "nice livedenoise bench soak --minutes 30 --json soak.json",
            soak_rows,
        )
    ],
    "bench-gui.json": [
        BenchReport(
            "docs/benchmarks.md",
            "GUI frame rate (`bench gui`)",
            None,
            "livedenoise bench gui --model identity,default",
            gui_claims,
        )
    ],
    "bench-batch.json": [
        BenchReport("docs/batch.md", "Throughput", 0, "nice livedenoise bench batch", batch_rows),
    ],
    "bench-quality-unseen.json": [
        BenchReport(
            "docs/model.md",
            "On sources it has never heard",
            0,
            "livedenoise bench quality --set data/devset-unseen --model default,dsp",
            quality_rows,
        )
    ],
}
# Tables of figures that another test checks, and which.
CHECKED_ELSEWHERE = {
    ("docs/model.md", "Measured"): "test_readme.py: against the shipped model's card",
    ("docs/batch.md", "A print per take"): "test_the_lead_tests_are_the_code_s: thresholds the code sets",
}


def load(name: str) -> dict:
    return json.loads((FIGURES / name).read_text(encoding="utf-8"))


def records() -> list[str]:
    return sorted(path.name for path in FIGURES.glob("*.json") if path.name not in BENCH_REPORTS)


def table_of(page: Page, section: str, columns: list[str] | None = None, index: int | None = None) -> DocTable:
    found = [
        t
        for t in page.tables
        if t.section == section
        and (columns is None or [words(c) for c in t.columns] == [words(c) for c in columns])
        and (index is None or t.index == index)
    ]
    assert len(found) == 1, f"{page.path}: {len(found)} tables under {section!r} with those columns"
    return found[0]


def test_every_table_of_figures_has_its_measurement():
    backed = {(r.page, r.section, r.index) for reports in BENCH_REPORTS.values() for r in reports}
    recorded = []
    for name in records():
        record = load(name)
        if record.get("table"):
            recorded.append((record["page"], record["section"], tuple(words(c) for c in record["table"]["columns"])))
    assert len(recorded) == len(set(recorded)), "two records for one table"
    missing = []
    for page_path in doc_pages():
        for table in read_page(page_path).tables:
            if not table.holds_figures or (table.page, table.section) in CHECKED_ELSEWHERE:
                continue
            key = (table.page, table.section, tuple(words(c) for c in table.columns))
            if (table.page, table.section, table.index) not in backed and key not in recorded:
                missing.append(f"{table.page} line {table.line + 1}, under {table.section!r}")
    assert not missing, "tables of figures with no file in docs/figures/ (see this test's docstring): " + "; ".join(
        missing
    )
    for page_path, section in CHECKED_ELSEWHERE:
        assert any(t.section == section for t in read_page(page_path).tables), (page_path, section)


def check_record(record: dict, page: Page) -> None:
    assert set(record) <= {"page", "section", "command", "measured", "table", "claims"}
    assert record["measured"].strip(), "say how the figures were measured"
    assert record.get("table") or record.get("claims"), "the record holds no figure"
    below = page.section_lines(record["section"])[1]
    if record.get("table"):
        table = table_of(page, record["section"], record["table"]["columns"])
        rows = record["table"]["rows"]
        assert len(table.rows) == len(rows), f"the page's table has {len(table.rows)} rows, the record {len(rows)}"
        for k, (shown, expected) in enumerate(zip(table.rows, rows, strict=True)):
            check_row(f"{record['page']}, {record['section']!r}, row {k + 1}", shown, expected)
        below = table.line
    if record["command"] is not None:
        check_command(page, record["section"], below, record["command"])
    check_claims(page, record["section"], record.get("claims", []))


def check_report(backed: BenchReport, report: dict, page: Page) -> None:
    table = None if backed.index is None else table_of(page, backed.section, index=backed.index)
    below = page.section_lines(backed.section)[1] if table is None else table.line
    check_command(page, backed.section, below, backed.command)
    backed.check(report, table, page)


@pytest.mark.parametrize("name", records())
def test_a_record_is_what_its_page_shows(name):
    record = load(name)
    check_record(record, read_page(record["page"]))


@pytest.mark.parametrize("name", sorted(BENCH_REPORTS))
def test_a_bench_report_is_what_its_page_shows(name):
    report = load(name)
    assert "page" not in report, f"{name}: a bench report holds what the bench writes"
    for backed in BENCH_REPORTS[name]:
        check_report(backed, report, read_page(backed.page))


def with_a_digit_changed(page: Page, line: int, start: int = 0) -> Page:
    """``page`` with the first digit of ``line`` from column ``start`` on one higher (9: 0)."""
    text = page.lines[line]
    k = next(i for i in range(start, len(text)) if text[i].isdigit())
    lines = list(page.lines)
    lines[line] = text[:k] + str((int(text[k]) + 1) % 10) + text[k + 1 :]
    return parse_page(page.path, "\n".join(lines))


def first_figure_edited(page: Page, section: str, table: DocTable | None, claim: str | None = None) -> Page:
    """``page`` with one figure edited: in ``table``'s first row with a figure (after its first cell), else
    in ``claim``, else the first in ``section``'s prose."""
    if table is not None:
        for k in range(len(table.rows)):
            line = table.line + 2 + k
            after_label = page.lines[line].index("|", 1)
            if any(c.isdigit() for c in page.lines[line][after_label:]):
                return with_a_digit_changed(page, line, after_label)
    first, _ = page.section_lines(section)
    lines = [line.replace("**", "") for line in page.lines]  # a claim is read without its bold
    text = "\n".join(lines)
    offset = sum(len(line) + 1 for line in lines[:first])
    if claim is not None:
        pattern = r"\s+".join(re.escape(word) for word in claim.split())
        offset = re.compile(pattern).search(text, offset).start()
    at = next(i for i in range(offset, len(text)) if text[i].isdigit())
    return parse_page(page.path, text[:at] + str((int(text[at]) + 1) % 10) + text[at + 1 :])


@pytest.mark.parametrize("name", records())
def test_a_figure_edited_in_the_page_fails_its_record(name):
    record = load(name)
    page = read_page(record["page"])
    table = table_of(page, record["section"], record["table"]["columns"]) if record.get("table") else None
    claims = record.get("claims") or [{"text": None}]
    with pytest.raises(AssertionError):
        check_record(record, first_figure_edited(page, record["section"], table, claims[0]["text"]))
    if table is not None and record.get("claims"):
        with pytest.raises(AssertionError):
            check_record(record, first_figure_edited(page, record["section"], None, claims[0]["text"]))


@pytest.mark.parametrize("name", sorted(BENCH_REPORTS))
def test_a_figure_edited_in_the_page_fails_its_bench_report(name):
    report = load(name)
    for backed in BENCH_REPORTS[name]:
        page = read_page(backed.page)
        table = None if backed.index is None else table_of(page, backed.section, index=backed.index)
        with pytest.raises(AssertionError):
            check_report(backed, report, first_figure_edited(page, backed.section, table))


def test_the_lead_tests_are_the_code_s():
    table = table_of(read_page("docs/batch.md"), "A print per take", index=0)
    thresholds = [row[1] for row in table.rows]
    assert thresholds == [
        f"at most {lead_noise.MAX_SPREAD_DB:g} dB",
        f"at least {lead_noise.MIN_MARGIN_DB:g} dB",
        f"at least {lead_noise.MIN_REST_S:g} s",
    ]


def test_the_in_distribution_prose_is_the_card_s():
    """docs/model.md's sentences under its card's table, from the same card."""
    models = CARD["metrics"]["dev_set"]["models"]
    figures = models[next(key for key in models if key.endswith(".onnx"))]
    by_snr = [figures["by_snr_db"][snr]["si_sdri_db"] for snr in ("-5", "0", "5", "10")]
    by_type = {name: entry["si_sdri_db"] for name, entry in figures["by_noise_type"].items()}
    ranked = sorted(by_type, key=by_type.get)
    assert ranked[-3:] == ["hum", "clicks", "hiss"] and ranked[:3] == ["harmonic", "ambience", "fan"]
    others = [value for name, value in by_type.items() if name != "harmonic"]
    assert len(others) == 7
    text = section_text(read_page("docs/model.md"), "Measured")
    said = [
        f"v7 gains {by_snr[0]:+.1f}, {by_snr[1]:+.1f}, {by_snr[2]:+.1f} and {by_snr[3]:+.1f} dB at -5, 0, 5 and 10 dB",
        f"from {by_type['hiss']:+.1f} dB (tape hiss), {by_type['clicks']:+.1f} dB (clicks) and "
        f"{by_type['hum']:+.1f} dB (hum) down to {by_type['harmonic']:+.1f} dB (other instruments)",
        f"Clean guitar notes score {100 * figures['tuner']['clean']['hit_rate']:.1f}% with the tuner",
        f"ambience ({by_type['ambience']:+.1f} dB;",
        f"fan noise ({by_type['fan']:+.1f} dB)",
        f"Averaged over the seven noise types other than other instruments it gains "
        f"{sum(others) / len(others):+.1f} dB",
    ]
    for sentence in said:
        assert sentence in text, sentence
