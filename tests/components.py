"""Real components a test needs: missing ones skip on a developer machine and fail in CI."""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def require(condition: bool, what: str) -> None:
    """Skip when ``what`` is missing here; fail under CI=true, where `make test` must have installed it."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{what} is missing; `make test` installs it")
    pytest.skip(f"{what} is missing")
