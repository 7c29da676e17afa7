"""The README's two commands are real: they are the Makefile's, and `make run` does what it says."""

import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# As a person types them: not as a sub-make of the `make test` that may be running this test.
# Without a display `make run` denoises the demo clip (with one, it opens the app and waits for the user).
PLAIN_ENV = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "DISPLAY", "WAYLAND_DISPLAY")}


def readme_commands():
    block = re.search(r"## Two commands.*?```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.S).group(1)
    return [line.split("#")[0].strip() for line in block.strip().splitlines()]


def test_readme_gives_make_run_and_make_test():
    assert readme_commands() == ["make run", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_make_test_runs_pytest_after_setup():
    plan = subprocess.run(["make", "-n", "-B", "test"], cwd=ROOT, env=PLAIN_ENV, capture_output=True, text=True, check=True).stdout
    assert "apt-get install" in plan and "pip install" in plan
    assert plan.strip().splitlines()[-1].endswith("-m pytest")


def test_make_run_denoises_the_demo():
    result = subprocess.run(["make", "run"], cwd=ROOT, env=PLAIN_ENV, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "out/demo-denoised.flac" in result.stdout
    assert "latency" in result.stdout and "real-time factor" in result.stdout
    assert (ROOT / "out" / "demo-denoised.flac").stat().st_size > 10_000
