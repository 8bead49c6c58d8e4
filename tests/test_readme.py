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
    "&& pip install -e . --group tests && python -m pytest -n auto"
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


def run_accounts_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The README's accounts app, executed as written (it reads the environment as it is now)."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/app.db")
    namespace: dict[str, Any] = {"__name__": "readme_accounts"}
    exec(compile(marked_block("readme-accounts"), "README.md", "exec"), namespace)  # noqa: S102
    return namespace["app"]


def session_cookie_is_secure(client: Any) -> bool:
    """Whether the client holds Starlette's session cookie, set Secure."""
    (cookie,) = [cookie for cookie in client.cookies.jar if cookie.name == "session"]
    return bool(cookie.secure)


def test_readme_accounts_example_signs_the_user_in_and_out(
    served_fake: FakeChattz, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's accounts app: / needs a login, which makes one account; Secure on https."""
    from starlette.testclient import TestClient

    app = run_accounts_example(tmp_path, monkeypatch)
    with TestClient(app, base_url="https://testserver") as browser:
        visitor = browser.get("/", follow_redirects=False)
        first = served_fake.login(browser, "/login")
        secure = session_cookie_is_secure(browser)
        browser.post("/logout", headers={"Origin": "https://testserver"})
        signed_out = browser.get("/", follow_redirects=False)
        again = served_fake.login(browser, "/login")
    assert (303, "/login?next=%2F") == (visitor.status_code, visitor.headers["location"])
    assert (200, {"user_id": "1", "name": "John Doe"}) == (first.status_code, first.json())
    assert (True, 303, 200, first.json()) == (
        secure,
        signed_out.status_code,
        again.status_code,
        again.json(),
    )


def test_readme_accounts_example_works_on_plain_http_loopback(
    served_fake: FakeChattz, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a plain-http loopback redirect URI (development), the app logs in over http.

    Its session cookie is then not Secure, so an http client sends it back (a Secure
    one would send the browser from / to the login and back forever).
    """
    from starlette.testclient import TestClient

    local = "http://127.0.0.1:8000/callback"
    client = served_fake.client
    served_fake.client = served_fake.add_client(client.client_id, client.client_secret, local)
    monkeypatch.setenv("CHATTZ_REDIRECT_URI", local)
    app = run_accounts_example(tmp_path, monkeypatch)
    with TestClient(app, base_url="http://127.0.0.1:8000") as browser:
        page = served_fake.login(browser, "/login")
        secure = session_cookie_is_secure(browser)
    assert (200, "John Doe", False) == (page.status_code, page.json()["name"], secure)


def test_readme_testing_example_passes(pytester: pytest.Pytester) -> None:
    """The README's test of its accounts app passes as written, in a user's fresh pytest.

    It leaves the app's development database alone: nothing is written in the
    working directory (no app.db).
    """
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(
        app=marked_block("readme-accounts"), test_app=marked_block("readme-testing")
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(passed=1)
    assert [] == sorted(path.name for path in pytester.path.rglob("*.db"))


def test_readme_testing_example_fails_when_the_login_fails(pytester: pytest.Pytester) -> None:
    """The README's test can fail: a login the user denies does not reach the page."""
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    denied = marked_block("readme-testing").replace('"/login")', '"/login", approve=False)')
    pytester.makepyfile(app=marked_block("readme-accounts"), test_app=denied)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(failed=1)


def test_readme_extras_give_starlette_testclient_its_http_stack() -> None:
    """``[fastapi]`` and ``[starlette]`` bring httpx2, which Starlette's TestClient runs on.

    Starlette's TestClient on plain httpx warns that it is deprecated (an error under
    ``-W error``), so the README's test passes with warnings as errors only with httpx2
    installed; the extras the README names install it.
    """
    from importlib.metadata import requires

    from packaging.requirements import Requirement

    wanted = [Requirement(text) for text in requires("chattz_oauth_async") or []]
    extras = {
        extra: [req.name for req in wanted if req.marker and req.marker.evaluate({"extra": extra})]
        for extra in ("fastapi", "starlette")
    }
    assert {"fastapi": True, "starlette": True} == {
        extra: "httpx2" in names for extra, names in extras.items()
    }


def test_getting_started_gives_the_readmes_demo_command() -> None:
    """docs/getting-started.md runs the demo with the README's command (accounts extra included)."""
    page = (README.parent / "docs" / "getting-started.md").read_text()
    assert True is (f"\n{RUN}\n" in page)


@pytest.mark.parametrize(
    ("redirect_uri", "cookie", "secure"),
    [
        ("https://testserver/callback", "__Host-session", True),
        ("http://127.0.0.1:8000/callback", "session", False),  # development on loopback
    ],
)
def test_readme_quickstart_cookie_is_secure_except_on_plain_http_loopback(
    served_fake: FakeChattz,
    monkeypatch: pytest.MonkeyPatch,
    redirect_uri: str,
    cookie: str,
    secure: bool,
) -> None:
    """examples/fastapi_quickstart (the README's link) logs in over https, and over http on
    loopback, where its session cookie is not Secure (so an http client sends it back)."""
    import importlib.util

    from starlette.testclient import TestClient

    client = served_fake.client
    served_fake.client = served_fake.add_client(
        client.client_id, client.client_secret, redirect_uri
    )
    monkeypatch.setenv("CHATTZ_REDIRECT_URI", redirect_uri)
    path = README.parent / "examples" / "fastapi_quickstart" / "app.py"
    spec = importlib.util.spec_from_file_location("quickstart_app", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    origin = redirect_uri.removesuffix("/callback")
    with TestClient(module.create_app(), base_url=origin) as browser:
        page = served_fake.login(browser, "/login")
        (jar,) = [c for c in browser.cookies.jar if c.name.endswith("session")]
    assert (200, {"user_id": 123}, cookie, secure) == (
        page.status_code,
        page.json(),
        jar.name,
        bool(jar.secure),
    )
