"""Mutation check of the real-time core: does the suite catch the bugs it names?

Each mutant below is one small, named edit to the denoiser, the engine callback, the overload guard,
the gate or file mode: a bug a user would hear. ``make mutate`` copies the committed tree (``git
archive HEAD``) to a temporary folder, runs the tests that cover the core there once unmutated (they
must pass), then applies each mutant in turn to that copy and runs its tests again. A mutant that no
test fails survives. The working tree is never written: the copy is imported in place of the
installed package (its folders come first on ``PYTHONPATH``; the editable install's finder comes
after the path).

    python tests/mutate.py [--only NAME ...] [--worktree] [--keep]

``--worktree`` copies the working tree as it is (tracked and untracked files git does not ignore)
instead of the last commit: for checking a test before committing it.

Prints one Markdown table (mutant, what it does, the tests that failed) and exits 1 if any mutant
survives or a mutant of the review's table is caught by fewer than two tests. Slow (tens of
minutes on two cores), so ``make test`` does not run it; its last result is in docs/mutants.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_FOLDERS = ("realtime", "models", "training", "bench")  # livedenoise.<folder>
MIN_KILLS_FROM_THE_REVIEW = 2
TEST_TIMEOUT_S = 3600

DENOISER = [
    "tests/realtime/test_denoiser.py",
]
CALLBACK = ["tests/realtime/engine/test_callback.py", "tests/realtime/engine/test_model_worker.py"]
FILE_MODE = ["tests/realtime/test_file_mode.py"]
GATE = ["tests/realtime/test_gate.py"]
ENGINE_STRENGTH = [
    "tests/realtime/engine/test_audio_engine.py::test_every_control_reaches_the_engine_process_and_is_read_back",
    "tests/realtime/engine/test_audio_engine.py"
    "::test_the_strength_set_in_the_engine_process_is_what_it_takes_off_noise",
    "tests/realtime/gui/test_gui_engine.py::test_the_strength_slider_sets_how_much_noise_the_engine_removes",
]
PROCESS_INTO = (
    "        start_ns = time.perf_counter_ns()\n        if not (run_model and self.calls_model) or self.bypass:\n"
)
# the hop the guard sends dry, filtered with the last mask instead of the unit mask
LAST_MASK_HOP = """        start_ns = time.perf_counter_ns()
        if not run_model and self.calls_model and not self.bypass:
            self.n_sanitized_samples += _analyze_hop(
                hop_in, self._clean_hop, self.input_spectrum, self._model_input, *self._analyzer.buffers
            )
            self.n_bad_mask_bins += _synthesize_hop(
                self.input_spectrum, self.mask, self._min_gain, self.output_spectrum, hop_out,
                *self._synthesizer.buffers,
            )
        elif not (run_model and self.calls_model) or self.bypass:
"""


@dataclass(frozen=True)
class Mutant:
    name: str
    what: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]
    from_review: bool = False  # one of the mutants the suite review listed: two tests must catch it


MUTANTS = (
    Mutant(
        "file-ignores-strength",
        "`livedenoise file` passes 40 dB whatever `--strength-db` asks",
        "realtime/cli/file.py",
        "strength_db=args.strength_db,",
        "strength_db=40.0,",
        (*FILE_MODE,),
        from_review=True,
    ),
    Mutant(
        "array-per-hop",
        "one `np.empty` of a hop per `process_into`, freed at its end",
        "realtime/denoiser.py",
        PROCESS_INTO,
        "        start_ns = time.perf_counter_ns()\n"
        "        scratch = np.empty((self.n_channels, self.hop_samples), dtype=np.float32)  # noqa: F841\n"
        "        if not (run_model and self.calls_model) or self.bypass:\n",
        (*DENOISER, *CALLBACK),
        from_review=True,
    ),
    Mutant(
        "strength-half",
        "the strength limit at half the dB asked",
        "realtime/denoiser.py",
        "10.0 ** (-strength_db / 20.0)",
        "10.0 ** (-strength_db / 40.0)",
        (*DENOISER, *FILE_MODE, *CALLBACK, *ENGINE_STRENGTH),
        from_review=True,
    ),
    Mutant(
        "dry-hop-reapplies-mask",
        "a hop the overload guard sends dry is filtered with the last mask",
        "realtime/denoiser.py",
        PROCESS_INTO,
        LAST_MASK_HOP,
        (*DENOISER, *CALLBACK),
        from_review=True,
    ),
    Mutant(
        "stereo-mean-without-channel-0",
        "the first channel left out of the channels' mean magnitude",
        "realtime/denoiser.py",
        "            total = first\n",
        "            total = 0.0\n",
        (*DENOISER, *CALLBACK),
        from_review=True,
    ),
    Mutant(
        "strength-no-op",
        "the strength limit never limits",
        "realtime/denoiser.py",
        "self._min_gain = strength_min_gain(value)",
        "self._min_gain = 0.0",
        (*DENOISER, *FILE_MODE, *CALLBACK),
        from_review=True,
    ),
    Mutant(
        "file-shifted-one-sample",
        "`file` output one sample early",
        "realtime/file_mode.py",
        "n_skip=denoiser.latency_samples,",
        "n_skip=denoiser.latency_samples - 1,",
        (*FILE_MODE,),
        from_review=True,
    ),
    Mutant(
        "bypass-ignored",
        "bypass leaves the model running",
        "realtime/denoiser.py",
        "        if not (run_model and self.calls_model) or self.bypass:\n",
        "        if not (run_model and self.calls_model):\n",
        (*DENOISER, *CALLBACK),
    ),
    Mutant(
        "bad-samples-pass",
        "NaN and Inf samples reach the STFT",
        "realtime/denoiser.py",
        "            if not np.isfinite(x):\n",
        "            if False:\n",
        (*DENOISER, *FILE_MODE),
    ),
    Mutant(
        "guard-never-backs-off",
        "an overload is counted but the next hop runs the model again",
        "realtime/engine/overload_guard.py",
        "self.n_dry_hops_left = self._backoff_hops",
        "self.n_dry_hops_left = 0",
        (*CALLBACK,),
    ),
    Mutant(
        "guard-backoff-fixed",
        "the guard's back-off does not double while overloads repeat",
        "realtime/engine/overload_guard.py",
        "min(2 * self._backoff_hops, self.max_backoff_hops)",
        "min(self._backoff_hops, self.max_backoff_hops)",
        (*CALLBACK,),
    ),
    Mutant(
        "strength-control-dropped",
        "the callback applies bypass but not a new strength",
        "realtime/engine/callback.py",
        "                denoiser.strength_db = self._wanted_strength_db\n",
        "                denoiser.strength_db = denoiser.strength_db\n",
        (*CALLBACK, *ENGINE_STRENGTH),
    ),
    Mutant(
        "switch-without-crossfade",
        "a model switch jumps to the new model at once",
        "realtime/engine/callback.py",
        "        np.multiply(hop_out, ramp, out=hop_out)\n",
        "        np.multiply(hop_out, 1.0, out=hop_out)\n",
        (*CALLBACK,),
    ),
    Mutant(
        "gate-without-hysteresis",
        "the gate closes as soon as the level falls below the opening threshold",
        "realtime/gate.py",
        "        if detector_db >= params[0] - params[1]:\n",
        "        if detector_db >= params[0]:\n",
        (*GATE,),
    ),
    Mutant(
        "mask-gate-blind",
        "the mask gate counts every bin as kept, whatever the mask",
        "realtime/gate.py",
        "        g2 = mask[0, k] * mask[0, k] + mask[1, k] * mask[1, k]\n",
        "        g2 = 1.0 + 0.0 * mask[0, k]\n",
        (*GATE,),
    ),
    Mutant(
        "file-gate-dropped",
        "`file --gate` writes the ungated output",
        "realtime/file_mode.py",
        "        denoiser.hop_hook = noise_gate\n",
        "        denoiser.hop_hook = None\n",
        (*FILE_MODE, *GATE, "tests/realtime/cli/test_gate_flags.py"),
    ),
)


def copy_committed_tree(target: Path) -> None:
    """``git archive HEAD`` of the repository, extracted into ``target``."""
    archive = subprocess.Popen(["git", "-C", str(ROOT), "archive", "--format=tar", "HEAD"], stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", str(target)], stdin=archive.stdout, check=True)
    if archive.wait() != 0:
        raise SystemExit("mutate: git archive HEAD failed")


def copy_working_tree(target: Path) -> None:
    """The files git tracks or would track, as they are on disk now, into ``target``."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():  # a tracked file deleted on disk is left out
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def import_root(tree: Path, folder: Path) -> Path:
    """A ``livedenoise`` namespace in ``folder`` whose subpackages are the copy's folders."""
    package = folder / "livedenoise"
    package.mkdir(parents=True)
    for name in PACKAGE_FOLDERS:
        (package / name).symlink_to(tree / name, target_is_directory=True)
    return folder


def pytest_run(tree: Path, env: dict, tests: list[str]) -> tuple[list[str], float, str]:
    """Run ``tests`` in the copy; the node ids that failed or errored, the seconds, the summary line."""
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rfE", "-p", "no:cacheprovider", *tests],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=TEST_TIMEOUT_S,
    )
    failed = sorted(set(re.findall(r"^(?:FAILED|ERROR) (\S+)", result.stdout, flags=re.MULTILINE)))
    lines = result.stdout.strip().splitlines()
    summary = lines[-1] if lines else result.stderr.strip()[-200:]
    if result.returncode not in (0, 1) and not failed:
        failed = [f"(pytest exit {result.returncode}: {summary})"]
    return failed, time.monotonic() - start, summary


def short_names(node_ids: list[str]) -> list[str]:
    """``tests/x/test_y.py::test_z[a]`` -> ``test_y::test_z``, parametrized cases counted: ``(x3)``."""
    counts: dict[str, int] = {}
    for node_id in node_ids:
        path, _, test = node_id.partition("::")
        name = f"`{Path(path).stem}::{test.split('[')[0]}`" if test else node_id
        counts[name] = counts.get(name, 0) + 1
    return [name if n == 1 else f"{name} (x{n})" for name, n in counts.items()]


def apply(tree: Path, mutant: Mutant) -> str:
    """Write ``mutant`` into the copy; the file's original text, to restore."""
    path = (tree / mutant.path).resolve()
    if tree.resolve() not in path.parents:
        raise SystemExit(f"mutate: {mutant.path} is outside the copy")
    text = path.read_text(encoding="utf-8")
    if text.count(mutant.old) != 1:
        n_found = text.count(mutant.old)
        raise SystemExit(f"mutate: {mutant.name}: the text to change is in {mutant.path} {n_found} times, not once")
    path.write_text(text.replace(mutant.old, mutant.new), encoding="utf-8")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tests/mutate.py", description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these mutants")
    parser.add_argument("--worktree", action="store_true", help="copy the working tree, not the last commit")
    parser.add_argument("--keep", action="store_true", help="keep the copy (its path is printed)")
    args = parser.parse_args(argv)
    mutants = [m for m in MUTANTS if not args.only or m.name in args.only]
    if args.only and len(mutants) != len(set(args.only)):
        parser.error(f"--only: known mutants are {', '.join(m.name for m in MUTANTS)}")

    scratch = Path(tempfile.mkdtemp(prefix="livedenoise-mutate-"))
    try:
        tree = scratch / "tree"
        tree.mkdir()
        (copy_working_tree if args.worktree else copy_committed_tree)(tree)
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                [str(import_root(tree, scratch / "site")), *filter(None, [os.environ.get("PYTHONPATH")])]
            ),
        }
        where = subprocess.run(
            [sys.executable, "-c", "import livedenoise.realtime.denoiser as m; print(m.__file__)"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if not Path(where).resolve().is_relative_to(tree.resolve()):
            raise SystemExit(f"mutate: the copy is not what gets imported ({where})")
        print(f"copy of {'the working tree' if args.worktree else 'HEAD'} in {tree}", file=sys.stderr)

        all_tests = sorted({test for m in mutants for test in m.tests})
        failed, seconds, summary = pytest_run(tree, env, all_tests)
        print(f"unmutated: {summary} ({seconds:.0f} s)", file=sys.stderr)
        if failed:
            print("mutate: the unmutated copy fails, so no mutant can be judged:\n  " + "\n  ".join(failed))
            return 2

        rows, bad = [], []
        for mutant in mutants:
            original = apply(tree, mutant)
            try:
                failed, seconds, summary = pytest_run(tree, env, list(mutant.tests))
            finally:
                (tree / mutant.path).write_text(original, encoding="utf-8")
            enough = len(failed) >= (MIN_KILLS_FROM_THE_REVIEW if mutant.from_review else 1)
            verdict = ("killed" if enough else "caught once") if failed else "**survived**"
            if not enough:
                bad.append(mutant.name)
            print(f"{mutant.name}: {verdict} by {len(failed)} ({summary}, {seconds:.0f} s)", file=sys.stderr)
            caught_by = ", ".join(short_names(failed)) or "none"
            rows.append(
                f"| `{mutant.name}`{' (review)' if mutant.from_review else ''} | {mutant.what} | "
                f"`{mutant.path}` | {verdict}: {len(failed)} | {caught_by} |"
            )
        print("| mutant | what it does | in | result: tests failed | which |")
        print("|---|---|---|---|---|")
        print("\n".join(rows))
        return 1 if bad else 0
    finally:
        if args.keep:
            print(f"kept {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
