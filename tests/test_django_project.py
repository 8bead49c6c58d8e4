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
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest

from chattz_oauth_async.testing import parse_form
from tests.test_cli import Running, free_port
from tests.test_cli_fake import settings_of

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


@pytest.mark.network
def test_runserver_against_the_fake_command_over_plain_http(tmp_path: Path) -> None:
    """The page's commands, run as shown: one login and a logout over plain http on 127.0.0.1.

    ``chattz-oauth fake --redirect-uri http://127.0.0.1:PORT/chattz/callback/`` in one
    process, its ``export`` line applied, then ``manage.py migrate && manage.py runserver``
    in a copy of the project; httpx plays the browser with a cookie jar, which (like a
    browser) never sends a Secure cookie over http: with Secure session and CSRF cookies
    the login would start over at every visit.
    """
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns("__pycache__", "*.sqlite3"))
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    fake = Running("fake", "--port", "0", "--redirect-uri", f"{site}/chattz/callback/")
    server: subprocess.Popen[str] | None = None
    try:
        exported = settings_of(fake)
        env = {
            **{
                name: value
                for name, value in os.environ.items()
                if not name.startswith(("CHATTZ_", "DJANGO_", "PYTEST_"))
            },
            **exported,
            "DJANGO_SECRET_KEY": "a-development-only-key-" * 2,
            "PYTHONUNBUFFERED": "1",
        }
        manage = [sys.executable, "manage.py"]
        subprocess.run(
            [*manage, "migrate"], cwd=project, env=env, capture_output=True, check=True, timeout=120
        )
        server = subprocess.Popen(
            [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=project,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for line in server.stdout or ():  # Django says where it listens once it does
            if line.startswith("Quit the server with"):
                break
        with httpx.Client(timeout=30) as browser:
            start = browser.get(f"{site}/chattz/login/?next=/account/")
            consent = browser.get(start.headers["location"])
            action, _, fields, _ = parse_form(consent.text)
            allowed = browser.post(
                urljoin(str(consent.url), action), data={**fields, "decision": "allow"}
            )
            signed_in = browser.get(allowed.headers["location"])
            account = browser.get(urljoin(site, signed_in.headers["location"]))
            logout = browser.post(
                f"{site}/logout/",
                data={"csrfmiddlewaretoken": browser.cookies["csrftoken"]},
                headers={"origin": site},
            )
            after = browser.get(f"{site}/account/")
    finally:
        if server is not None:
            server.terminate()
            server.communicate(timeout=30)
        fake.proc.send_signal(signal.SIGINT)
        fake.finish()
    assert [303, 302, 303, 200, 303, 302] == [
        start.status_code,
        allowed.status_code,
        signed_in.status_code,
        account.status_code,
        logout.status_code,
        after.status_code,
    ]
    assert (True, "/chattz/login/?next=/account/") == (
        account.text.startswith("<h1>Hello, John Doe</h1>"),
        after.headers["location"],
    )
