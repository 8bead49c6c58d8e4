"""``.ci/pytest_complete.py`` accounts for every collected test, serial or under pytest-xdist.

The logs are real: a small suite run by pytest in subprocesses, once serially and once
with ``-n 2``, as CI runs the README's command; then the same logs cut short or with a
failure, which the check must refuse.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
SUITE = """
import pytest

@pytest.mark.parametrize("n", range(5))
def test_passes(n):
    assert n == n

def test_skips():
    pytest.skip("not here")

@pytest.mark.slow
def test_deselected():
    pass
"""
# The project's conftest is not loaded in the small suite's folder: deselect as it does, with -m.
# Only xdist is loaded: the installed plugins (Django, Hypothesis, anyio...) would take
# seconds to import in the run and in each worker, and the small suite needs none.
ARGS = ("-p", "no:cacheprovider", "-p", "xdist.plugin", "-m", "not slow")
MODES = {"serial": (), "xdist-n2": ("-n", "2")}


def load() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "pytest_complete", ROOT / ".ci/pytest_complete.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def check() -> ModuleType:
    return load()


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The small suite's output, run serially and with ``-n 2`` (at once, in two folders)."""
    runs = {}
    for mode, extra in MODES.items():
        folder = tmp_path_factory.mktemp(mode)
        (folder / "pytest.ini").write_text("[pytest]\nmarkers =\n    slow: slow\n")
        (folder / "test_small.py").write_text(SUITE)
        command = [sys.executable, "-m", "pytest", *ARGS, *extra]
        env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
        runs[mode] = subprocess.Popen(
            command, cwd=folder, env=env, stdout=subprocess.PIPE, text=True
        )
    outputs = {mode: process.communicate(timeout=120)[0] for mode, process in runs.items()}
    assert {mode: 0 for mode in MODES} == {mode: p.returncode for mode, p in runs.items()}
    return outputs


@pytest.mark.parametrize(
    ("mode", "summary"),
    [
        pytest.param("serial", "5 passed, 1 skipped, 1 deselected", id="serial"),
        pytest.param("xdist-n2", "5 passed, 1 skipped", id="xdist-n2"),
    ],
)
def test_a_whole_run_is_complete(
    logs: dict[str, str], check: ModuleType, mode: str, summary: str
) -> None:
    """A finished run's log passes, with its summary line; serially and under xdist."""
    assert summary == check.check(logs[mode]).split(" in ")[0]


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        # Serially pytest counts the deselected test among the collected ones, and so do we.
        pytest.param("serial", "pytest collected 7 tests but accounted for 6", id="serial"),
        # Under xdist the workers deselect it before counting.
        pytest.param("xdist-n2", "pytest collected 6 tests but accounted for 5", id="xdist-n2"),
    ],
)
def test_a_run_that_lost_tests_is_refused(
    logs: dict[str, str], check: ModuleType, mode: str, message: str
) -> None:
    """The same log with a passed test fewer in its summary names both counts."""
    with pytest.raises(SystemExit, match=f"^{message}$"):
        check.check(logs[mode].replace("5 passed", "4 passed"))


def test_a_failure_is_refused(check: ModuleType) -> None:
    """A summary with a failure is refused, whatever the counts."""
    log = "2 workers [3 items]\n\n=========== 1 failed, 2 passed in 0.50s ===========\n"
    message = "pytest reported {'failed': 1}: 1 failed, 2 passed"
    with pytest.raises(SystemExit, match=f"^{re.escape(message)}$"):
        check.check(log)


@pytest.mark.parametrize(
    "log",
    [
        pytest.param("collected 3 items\n\n...", id="no-summary"),
        pytest.param("created: 2/2 workers\n...\n== 3 passed in 1.00s ==\n", id="no-count"),
    ],
)
def test_a_log_cut_short_is_refused(check: ModuleType, log: str) -> None:
    """A log without its count of tests or without its summary line is refused."""
    message = (
        "pytest printed no 'collected N items' (nor 'N workers [N items]') or no final summary"
    )
    with pytest.raises(SystemExit, match=f"^{re.escape(message)}$"):
        check.check(log)


def test_the_last_run_of_a_log_counts(check: ModuleType) -> None:
    """A log of two runs is judged by the last count and the last summary."""
    log = (
        "collected 3 items\n== 3 passed in 1.00s ==\n2 workers [4 items]\n== 4 passed in 1.00s ==\n"
    )
    assert "4 passed" == check.check(log)
