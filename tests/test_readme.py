"""The README's code works as pasted: its Python parses and the FastAPI quickstart logs in."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest

from chattz_oauth_async.testing import FakeChattz

pytest_plugins = ["pytester"]

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_has_python_blocks() -> None:
    """The README shows code (so the next tests check something)."""
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("number", range(len(BLOCKS)))
def test_readme_block_parses(number: int) -> None:
    """Each Python block in the README is valid Python."""
    ast.parse(BLOCKS[number])


def test_readme_first_lines_give_run_and_test_commands() -> None:
    """The README opens with the demo command and the test command."""
    head = README.read_text()[:1500]
    assert ("python -m chattz_oauth_async demo" in head, "python -m pytest" in head) == (
        True,
        True,
    )


def test_fastapi_quickstart_logs_a_user_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """The FastAPI quickstart, run as written against the fake provider, completes a login."""
    from starlette.testclient import TestClient

    fake = FakeChattz()
    client = fake.add_client("readme-app", "readme-secret", "https://testserver/callback")
    with fake.serve() as server:
        monkeypatch.setenv("CHATTZ_CLIENT_ID", client.client_id)
        monkeypatch.setenv("CHATTZ_CLIENT_SECRET", client.client_secret)
        monkeypatch.setenv("CHATTZ_REDIRECT_URI", client.redirect_uri)
        monkeypatch.setenv("CHATTZ_BASE_URL", server.base_url)
        namespace: dict[str, Any] = {}
        exec(compile(BLOCKS[0], "README.md", "exec"), namespace)  # noqa: S102
        with TestClient(namespace["app"], base_url="https://testserver") as browser:
            start = browser.get("/login", follow_redirects=False)
            callback = fake.authorize(start.headers["location"])
            done = browser.get(callback.removeprefix("https://testserver"), follow_redirects=False)
    assert (303, "/") == (start.status_code, done.headers["location"])


def test_readme_pytest_example_passes(pytester: pytest.Pytester) -> None:
    """The README's example tests for users' apps pass with only the package installed."""
    (block,) = [b for b in BLOCKS if "def test_my_login_code" in b]
    pytester.makepyfile(test_users_app=block)
    result = pytester.runpytest_subprocess("-p", "anyio", "-q")
    outcomes = result.parseoutcomes()
    assert (0, 0, True) == (result.ret, outcomes.get("failed", 0), outcomes["passed"] >= 2)
