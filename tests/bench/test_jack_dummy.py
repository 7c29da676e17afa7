"""A JACK server that will not start says why: its own output is in the error."""

from __future__ import annotations

import os
import shutil

import pytest

from livedenoise.bench.jack_dummy import DummyJackServer, JackServerError
from components import require


def test_a_server_that_exits_at_once_reports_its_log(tmp_path, monkeypatch):
    require(shutil.which("jack_lsp") is not None, "jack_lsp (Debian package jackd2)")
    fake = tmp_path / "jackd"
    fake.write_text("#!/bin/sh\necho 'Too many servers already active'\nexit 255\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(JackServerError, match="Too many servers already active"):
        DummyJackServer()
