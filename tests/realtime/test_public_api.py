"""The public API: the names ``livedenoise.realtime`` exports, imported when first used, and the
README's and docs' Python examples, which import them from there."""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

import livedenoise.realtime as api

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PUBLIC = [name for name in api.__all__ if name != "__version__"]


def python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


def imports_of(block: str) -> list[tuple[str, str]]:
    """``(module, name)`` for each ``from module import name`` of livedenoise in ``block``."""
    return [
        (node.module, alias.name)
        for node in ast.walk(ast.parse(block))
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("livedenoise")
        for alias in node.names
    ]


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_name_imports_and_is_the_one_its_module_defines(name):
    value = getattr(api, name)
    assert value is getattr(importlib.import_module(api._PUBLIC[name]), name)
    assert value.__module__ == api._PUBLIC[name], f"{name} is defined in {value.__module__}"
    assert name in dir(api)


def test_the_export_list_and_the_lazy_map_name_the_same():
    assert sorted(PUBLIC) == sorted(api._PUBLIC)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_name"):
        api.no_such_name  # noqa: B018


def test_importing_the_package_loads_no_numba_onnx_runtime_qt_or_torch():
    """Every command imports the package for its version: the API must cost it nothing."""
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, livedenoise.realtime; print(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    heavy = {"numba", "onnxruntime", "PySide6", "torch", "sounddevice", "soundfile"}
    assert not heavy & set(loaded), f"import livedenoise.realtime loads {heavy & set(loaded)}"


def test_the_readme_shows_the_api():
    imported = {
        name
        for block in python_blocks(ROOT / "README.md")
        for module, name in imports_of(block)
        if module == "livedenoise.realtime"
    }
    assert imported & set(PUBLIC), "the README's Python examples import nothing from livedenoise.realtime"


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_every_import_in_the_examples_exists_and_public_names_come_from_the_package(document):
    for block in python_blocks(document):
        for module, name in imports_of(block):
            assert hasattr(importlib.import_module(module), name), f"{document.name}: {module} has no {name}"
            if name in PUBLIC:
                assert module == "livedenoise.realtime", (
                    f"{document.name}: import {name} from livedenoise.realtime, not {module}"
                )
