"""examples/test_worker.py (the worker page's test file) passes as shown, beside worker.py.

Run as a user runs it: both files in an empty folder, ``python -m pytest`` in
a fresh pytest with warnings as errors, on asyncio and trio. And it can fail: a
worker that never refreshes fails the refresh test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ARGS = ("-p", "no:cacheprovider", "-p", "no:asyncio", "-p", "no:randomly", "-W", "error")

pytest_plugins = ["pytester"]


def run_in_a_folder(pytester: pytest.Pytester, worker: str) -> pytest.RunResult:
    pytester.makepyfile(worker=worker, test_worker=(EXAMPLES / "test_worker.py").read_text())
    return pytester.runpytest_subprocess(*ARGS)


def test_worker_tests_pass_as_shown(pytester: pytest.Pytester) -> None:
    """Three tests, each on asyncio and trio."""
    result = run_in_a_folder(pytester, (EXAMPLES / "worker.py").read_text())
    result.assert_outcomes(passed=6)


def test_worker_tests_fail_for_a_worker_that_never_refreshes(pytester: pytest.Pytester) -> None:
    """A worker that ignores the refresh token fails the refresh test (and only it)."""
    broken = (EXAMPLES / "worker.py").read_text().replace("if token.refresh_token:", "if False:")
    result = run_in_a_folder(pytester, broken)
    result.assert_outcomes(passed=4, failed=2)
