"""The auth-stack tests of tests/stacks: the Django ones each in a pytest of its own.

pytest-django configures one settings module per process, and each stack needs its
own (``tests/stacks/<stack>/settings.py``): this runs ``tests/stacks/<stack>`` in a
fresh pytest with ``DJANGO_SETTINGS_MODULE`` set, and passes when every one of its
tests passed (none skipped).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.stacks import HOSTS, need

ROOT = Path(__file__).resolve().parent.parent

#: Each stack's folder, the packages it needs, and the fewest tests its run must pass.
STACKS = {
    "allauth": (("allauth",), 13),
    "social_django": (("social_core", "social_django"), 12),
}


@pytest.mark.parametrize("stack", sorted(STACKS))
def test_stack_suite_passes(stack: str) -> None:
    """``tests/stacks/<stack>`` passes, all of it, under its own Django settings."""
    modules, fewest = STACKS[stack]
    need(*modules)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": f"tests.stacks.{stack}.settings"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", f"tests/stacks/{stack}", "-q", "-p", "no:randomly"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    passed = re.fullmatch(r"(\d+) passed in [\d.]+s", summary)
    assert (0, True) == (
        result.returncode,
        passed is not None and int(passed[1]) >= fewest,
    ), result.stdout[-4000:] + result.stderr[-2000:]


@pytest.mark.parametrize("test_file", sorted(HOSTS))
def test_stack_hosts_are_installed(test_file: str) -> None:
    """The host packages of each tests/stacks file are there (else it is not collected)."""
    need(*HOSTS[test_file])
