"""The import contract: dependencies run one way, in one style, without circles.

Layers, top to bottom: ``bench`` -> ``training`` -> ``realtime`` -> ``models``. A module may import
its own layer and the layers below it, never one above: ``models`` (what ships: configs, cards, the
STFT geometry, the network) imports no other package, ``realtime`` never imports ``training`` or
``bench``. Every import counts, at module level, inside functions and under ``TYPE_CHECKING``, and so
does a module named in a string (``importlib.import_module("livedenoise...")``).

One exception, by design: ``realtime/cli/main.py`` is the ``livedenoise`` command, the root that
composes every package. Its ``SUBCOMMANDS`` table names each command's module as a string and
imports it only when that command runs, so ``livedenoise bench`` and ``livedenoise train`` reach
``bench`` and ``training`` while no real-time code ever uses them.

Imports are absolute (``from livedenoise.realtime.x import y``), and the module graph, counting
module-level imports, has no circle.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("models", "realtime", "training", "bench")  # bottom to top
ROOT_COMMAND = "livedenoise.realtime.cli.main"
MODULE_STRING = re.compile(r"livedenoise\.(models|realtime|training|bench)(\.\w+)*")


def source_modules() -> dict[str, Path]:
    """``livedenoise.realtime.denoiser`` -> ``realtime/denoiser.py``, for every module of every package."""
    modules = {}
    for package in LAYERS:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules["livedenoise." + ".".join(parts)] = path
    return modules


MODULES = source_modules()


def imports(source: str) -> list[tuple[int, str, bool, bool]]:
    """``(line, module, at_module_level, in_command_table)`` for each import in ``source``.

    Relative imports come as ``.name``; a module named in a string counts as imported inside a
    function, and ``in_command_table`` says whether that string sits in a ``SUBCOMMANDS`` table.
    """
    tree = ast.parse(source)
    functions = [f for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))]
    nested = {id(n) for f in functions for n in ast.walk(f) if n is not f}
    tables = [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "SUBCOMMANDS" for t in n.targets)
    ]
    in_table = {id(n) for table in tables for n in ast.walk(table)}
    found = []
    for node in ast.walk(tree):
        top = id(node) not in nested
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, top, False) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                found.append((node.lineno, "." * node.level + (node.module or ""), top, False))
            else:
                # ``from livedenoise.training import fetch`` imports the module ``fetch`` too.
                found.append((node.lineno, node.module, top, False))
                found += [
                    (node.lineno, f"{node.module}.{alias.name}", top, False)
                    for alias in node.names
                    if f"{node.module}.{alias.name}" in MODULES
                ]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and MODULE_STRING.fullmatch(node.value):
            found.append((node.lineno, node.value, False, id(node) in in_table))
    return found


def layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if parts[0] == "livedenoise" and len(parts) > 1 and parts[1] in LAYERS else None


def violations(module: str, source: str) -> list[str]:
    """Each import of ``source`` (the text of ``module``) that breaks the contract, as a message."""
    found = []
    for line, target, _, in_command_table in imports(source):
        if target.startswith("."):
            found.append(f"line {line}: relative import {target}; write it absolute")
        elif layer(target) is not None and layer(target) > layer(module):
            if not (module == ROOT_COMMAND and in_command_table):
                found.append(f"line {line}: {module.split('.')[1]} imports {target}, a layer above it")
    return found


@pytest.mark.parametrize("module", MODULES)
def test_no_import_runs_back_up_and_none_is_relative(module):
    problems = violations(module, MODULES[module].read_text(encoding="utf-8"))
    assert not problems, f"{MODULES[module].relative_to(ROOT)}: " + "; ".join(problems)


def circle(graph: dict[str, set[str]]) -> list[str]:
    """A path of imports that comes back to where it started, or ``[]`` where ``graph`` has none."""
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> list[str]:
        if module in path:
            return path[path.index(module) :] + [module]
        if module in done:
            return []
        for target in sorted(graph.get(module, ())):
            found = visit(target, [*path, module])
            if found:
                return found
        done.add(module)
        return []

    for module in sorted(graph):
        found = visit(module, [])
        if found:
            return found
    return []


def test_the_module_graph_has_no_circle():
    graph = {
        module: {target for _, target, top, _ in imports(path.read_text(encoding="utf-8")) if top and target in MODULES}
        - {module}
        for module, path in MODULES.items()
    }
    found = circle(graph)
    assert not found, "import circle: " + " -> ".join(found)


def test_a_circle_is_found():
    assert circle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert circle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) == []


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("livedenoise.models.card", "from livedenoise.realtime.stft import n_freqs\n", "models imports"),
        ("livedenoise.realtime.gate", "def f():\n    from livedenoise.training import fetch\n", "realtime imports"),
        (
            "livedenoise.realtime.gate",
            "import importlib\nimportlib.import_module('livedenoise.bench.cli')\n",
            "realtime imports livedenoise.bench.cli",
        ),
        ("livedenoise.training.losses", "from .target_features import EPS\n", "relative import .target_features"),
        (
            "livedenoise.realtime.cli.file",
            'SUBCOMMANDS = {"bench": ("livedenoise.bench.cli", "measure")}\n',
            "realtime imports livedenoise.bench.cli",
        ),
    ],
)
def test_the_contract_catches_an_arrow_back_up(module, source, expected):
    assert any(expected in problem for problem in violations(module, source))


def test_the_command_table_is_the_one_place_realtime_names_a_layer_above():
    source = MODULES[ROOT_COMMAND].read_text(encoding="utf-8")
    assert violations(ROOT_COMMAND, source) == []
    assert violations(ROOT_COMMAND, source + "\nfrom livedenoise.bench.cli import run\n")
    assert any(layer(target) == LAYERS.index("bench") and table for _, target, _, table in imports(source))
