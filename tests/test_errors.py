"""One base error class: every exception livedenoise defines derives from ``LivedenoiseError``,
and the ``livedenoise`` command turns one that a command leaves uncaught into one line."""

from __future__ import annotations

import ast
import builtins
import importlib
from pathlib import Path

import pytest

from livedenoise.models.errors import LivedenoiseError
from livedenoise.realtime.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("models", "realtime", "training", "bench")
BUILTIN_EXCEPTIONS = {
    name for name, value in vars(builtins).items() if isinstance(value, type) and issubclass(value, BaseException)
}


def defined_classes() -> list[tuple[str, str]]:
    """``(module, class name)`` of every top-level class in the packages' sources."""
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            tree = ast.parse(path.read_text(encoding="utf-8"))
            module = "livedenoise." + ".".join(parts)
            # a class is looked at when its base is a built-in exception or named like one
            for node in tree.body:
                if isinstance(node, ast.ClassDef) and any(_may_be_exception(base) for base in node.bases):
                    found.append((module, node.name))
    return found


def _may_be_exception(base: ast.expr) -> bool:
    name = base.id if isinstance(base, ast.Name) else getattr(base, "attr", "")
    return name in BUILTIN_EXCEPTIONS or name.endswith(("Error", "Exception"))


EXCEPTIONS = [
    (module, name)
    for module, name in defined_classes()
    if issubclass(getattr(importlib.import_module(module), name), Exception)
]


def test_the_exceptions_are_found():
    names = {name for _, name in EXCEPTIONS}
    assert {"AudioFileError", "ModelLoadError", "CheckpointError", "EngineError", "DevsetError"} <= names


@pytest.mark.parametrize(("module", "name"), EXCEPTIONS, ids=[name for _, name in EXCEPTIONS])
def test_every_exception_derives_from_the_base(module, name):
    cls = getattr(importlib.import_module(module), name)
    assert issubclass(cls, LivedenoiseError), f"{module}.{name} does not derive from LivedenoiseError"


def test_an_error_no_command_words_itself_ends_in_one_line(tmp_path, capsys):
    """``train`` leaves a checkpoint it cannot read to the command: one line, exit status 1, no traceback."""
    missing = tmp_path / "missing.pt"
    code = main(["train", "--set", f'train.init_from="{missing}"', "--set", f'train.out_dir="{tmp_path / "run"}"'])
    err = capsys.readouterr().err
    assert code == 1
    assert err == f"livedenoise train: error: checkpoint {missing} does not exist or is not a file\n"
