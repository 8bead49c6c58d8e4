"""The README works as pasted on the package index: its commands, its example, its links."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from chattz_oauth_async.testing import FakeChattz
from tests import served

pytest_plugins = ["pytester"]

README = Path(__file__).resolve().parent.parent / "README.md"
TEXT = README.read_text()
RUN = (
    "python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[sqlalchemy]' "
    "&& python -m chattz_oauth_async demo"
)
TEST = (
    "python3 -m venv .venv && . .venv/bin/activate && pip install -U pip "
    "&& pip install -e . --group tests && python -m pytest"
)


def marked_block(name: str) -> str:
    """The Python block after ``<!-- test: name -->``."""
    (body,) = re.findall(rf"<!-- test: {name} -->\n```python\n(.*?)```", TEXT, flags=re.S)
    return str(body)


def test_readme_first_lines_give_run_and_test_commands() -> None:
    """The README opens with the demo command and the test command, each one line, in order."""
    head = TEXT[:1500]
    assert (True, True, True) == (RUN in head, TEST in head, head.index(RUN) < head.index(TEST))


def test_readme_links_are_absolute() -> None:
    """Every link works on the package index: none is relative to the repository."""
    targets = re.findall(r"\]\(([^)]+)\)", TEXT) + re.findall(r"<(https?://[^>]+)>", TEXT)
    relative = [t for t in targets if not t.startswith("https://")]
    assert ([], True) == (relative, len(targets) >= 10)


chattz_redirect_uri = served.chattz_redirect_uri
served_fake = served.served_fake


def test_readme_fastapi_example_logs_a_user_in(served_fake: FakeChattz) -> None:
    """The README's FastAPI example, run as written against the fake provider, logs in."""
    from starlette.testclient import TestClient

    namespace: dict[str, Any] = {"__name__": "readme_example"}
    exec(compile(marked_block("readme-fastapi"), "README.md", "exec"), namespace)  # noqa: S102
    with TestClient(
        namespace["app"], base_url="https://testserver", follow_redirects=False
    ) as browser:
        start = browser.get("/login?next=/account")
        callback = served_fake.authorize(start.headers["location"])
        done = browser.get(callback.removeprefix("https://testserver"))
    assert (303, 303, "/account") == (start.status_code, done.status_code, done.headers["location"])


def test_readme_accounts_example_signs_the_user_in_and_out(
    served_fake: FakeChattz, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's accounts example as written: /account needs a login, which makes one account."""
    from starlette.testclient import TestClient

    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/app.db")
    namespace: dict[str, Any] = {"__name__": "readme_accounts"}
    exec(compile(marked_block("readme-accounts"), "README.md", "exec"), namespace)  # noqa: S102
    with TestClient(namespace["app"], base_url="https://testserver") as browser:
        visitor = browser.get("/account", follow_redirects=False)
        first = served_fake.login(browser, "/login", next="/account").json()
        browser.post("/logout", headers={"Origin": "https://testserver"})
        signed_out = browser.get("/account", follow_redirects=False)
        again = served_fake.login(browser, "/login", next="/account").json()
    assert (303, "/login?next=%2Faccount") == (visitor.status_code, visitor.headers["location"])
    assert {"user_id": "1", "name": "John Doe"} == first == again
    assert 303 == signed_out.status_code


def test_readme_testing_example_passes(pytester: pytest.Pytester) -> None:
    """The README's test of its FastAPI example passes as written, in a user's fresh pytest."""
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(app=marked_block("readme-fastapi"), test_app=marked_block("readme-testing"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(passed=1)


def test_getting_started_gives_the_readmes_demo_command() -> None:
    """docs/getting-started.md runs the demo with the README's command (accounts extra included)."""
    page = (README.parent / "docs" / "getting-started.md").read_text()
    assert True is (f"\n{RUN}\n" in page)
