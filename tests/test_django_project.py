"""The Django test project the docs show (examples/django_project_tests) passes as shown.

The docs tell a pytest-django user to run ``python -m pytest`` in the project; this
runs exactly that in a Python of its own (Django's settings are global to a
process, and the project has its own rootdir, ``pytest.ini`` and
``DJANGO_SETTINGS_MODULE``), with warnings as errors and no ``CHATTZ_*``
variable in the environment: the ``chattz_settings`` fixture sets them all.
"""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent / "examples" / "django_project_tests"


def test_django_test_project_passes_as_shown(tmp_path: Path) -> None:
    """``python -m pytest`` in the project: its tests pass, with no CHATTZ_* set."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("CHATTZ_", "DJANGO_", "PYTEST_"))
    }
    # -p no:asyncio: this suite's environment has pytest-asyncio, which a Django
    # project does not need; -p no:cacheprovider: no .pytest_cache in the example.
    command = [sys.executable, "-m", "pytest", "-p", "no:asyncio", "-p", "no:cacheprovider"]
    result = subprocess.run(
        [*command, "-W", "error", "-p", "no:randomly", "-q"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    last = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr
    assert (0, True) == (result.returncode, last.startswith("2 passed")), result.stdout[-3000:]


def test_pytest_ini_collects_the_tests_folder_only() -> None:
    """testpaths = tests: mysite/settings_test.py matches pytest's *_test.py and is not collected.

    Without it, pytest imports the settings module as a test file: with no
    ``mysite/__init__.py`` (a project written by hand) the import fails.
    """
    ini = configparser.ConfigParser()
    ini.read(PROJECT / "pytest.ini")
    assert ("tests", True) == (
        ini["pytest"]["testpaths"],
        (PROJECT / "mysite" / "settings_test.py").exists(),
    )
