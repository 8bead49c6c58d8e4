"""``python -m chattz_oauth_async demo`` and ``login``, run in subprocesses on loopback."""

from __future__ import annotations

import json
import os
import queue
import re
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest

from chattz_oauth_async import Token
from chattz_oauth_async.testing import FakeChattz, parse_form

pytestmark = pytest.mark.network

TIMEOUT = 30.0


class Running:
    """A CLI subprocess whose stdout is read line by line without blocking."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "chattz_oauth_async", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"},
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.errors: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self._readers = [
            threading.Thread(target=self._read, args=(stream, sink), daemon=True)
            for stream, sink in ((self.proc.stdout, self.lines), (self.proc.stderr, self.errors))
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream: Iterator[str] | None, sink: queue.Queue[str]) -> None:
        for line in stream or ():
            sink.put(line)

    def wait_for(self, predicate: Callable[[str], bool]) -> str:
        """The first stdout line matching ``predicate`` (bounded by TIMEOUT)."""
        while True:
            line = self.lines.get(timeout=TIMEOUT)
            self.seen.append(line)
            if predicate(line):
                return line

    def finish(self) -> tuple[int, str, str]:
        """Wait for exit; return (status, all stdout, stderr)."""
        try:
            self.proc.wait(timeout=TIMEOUT)
        finally:
            for reader in self._readers:
                reader.join(timeout=5)
            self.kill()
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        errors = []
        while not self.errors.empty():
            errors.append(self.errors.get())
        return self.proc.returncode, "".join(self.seen), "".join(errors)

    def kill(self) -> None:
        """Stop the process if it still runs and close its pipes."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=TIMEOUT)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


def free_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_import_does_not_load_testing_cli_or_uvicorn() -> None:
    """import chattz_oauth_async loads neither the testing module, the CLI nor uvicorn."""
    code = (
        "import sys, chattz_oauth_async; "
        "print(sorted(m for m in sys.modules if m.startswith(('chattz_oauth_async.testing', "
        "'chattz_oauth_async.cli', 'uvicorn'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT, check=True
    )
    assert "[]" == result.stdout.strip()


# --- demo -------------------------------------------------------------------------


def test_demo_runs_the_flow_and_redacts_the_token() -> None:
    """The demo exits 0, says it plays your app, words each outcome, never prints a secret."""
    run = Running("demo")
    status, out, err = run.finish()
    assert (0, "") == (status, err)
    lines = out.splitlines()
    assert lines[1] == (
        'This process plays both the browser and "your app": your app\'s redirect URI '
        "http://127.0.0.1:8000/callback is only a name here, nothing listens on it."
    )
    assert [f"{n}." for n in range(1, 8)] == re.findall(r"^(\d\.)", out, re.M)
    assert "username johndoe" in out
    assert (
        "6. Local account (SQLite): a new local user 1 was created, linked to Chattz id 123 "
        "(never to the e-mail)"
    ) in lines
    seventh = next(line for line in lines if line.startswith("7."))
    assert re.fullmatch(
        r"7\. Logged in again: the same local user 1 signed in, profile refreshed at "
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC",
        seventh,
    )
    fourth = next(line for line in lines if line.startswith("4."))
    assert re.search(r"expires in 3600 s, at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$", fourth)
    assert [
        "Done: the whole flow worked.",
        'Next: run "python -m chattz_oauth_async demo --browser" to click through it in your '
        'browser, or "python -m chattz_oauth_async fake" to point your own app at this fake '
        "(see docs/getting-started.md).",
    ] == lines[-2:]
    assert "access token <redacted>" in out
    assert re.search(r"code=(?!<redacted>)", out) is None
    assert re.search(r"[A-Za-z0-9_-]{40,}", out) is None  # no token-sized value at all
    assert "test-secret" not in out
    assert "signed_in" not in out  # an outcome in words, not the enum's value


def test_demo_without_sqlalchemy_runs_the_flow_and_says_how_to_see_accounts() -> None:
    """With the core install only (no SQLAlchemy), the demo still completes the login."""
    code = (
        "import sys; sys.modules['sqlalchemy'] = None; sys.argv = ['chattz-oauth', 'demo']; "
        "from chattz_oauth_async.cli import main; sys.exit(main())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    assert (0, "") == (result.returncode, result.stderr)
    assert (
        "6. Local accounts: skipped (pip install 'chattz_oauth_async[sqlalchemy]'" in result.stdout
    )
    assert "Done: the whole flow worked." in result.stdout


def test_demo_browser_mode_driven_by_an_http_client() -> None:
    """demo --browser serves a login button; an HTTP client clicks through to the result."""
    run = Running("demo", "--browser", "--no-open", "--timeout", str(TIMEOUT))
    try:
        line = run.wait_for(lambda text: "Demo site: open" in text)
        site = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
        assert site is not None
        with httpx.Client(timeout=TIMEOUT) as browser:
            home = browser.get(site.group(1))
            assert "Log in with Chattz" in home.text
            action, _, fields, _ = parse_form(home.text)
            to_provider = browser.get(urljoin(site.group(1), action), params=fields)
            assert 302 == to_provider.status_code
            consent = browser.get(to_provider.headers["location"])
            action, _, fields, _ = parse_form(consent.text)
            allowed = browser.post(
                urljoin(str(consent.url), action), data={**fields, "decision": "allow"}
            )
            result = browser.get(allowed.headers["location"])
        assert 200 == result.status_code
        assert "Welcome, John Doe!" in result.text
    finally:
        status, out, err = run.finish()
    assert (0, "") == (status, err)
    assert "username johndoe" in out


# --- login ------------------------------------------------------------------------


@pytest.fixture
def served() -> Iterator[FakeChattz]:
    """A fake provider served on loopback."""
    fake = FakeChattz()
    with fake.serve():
        yield fake


def start_login(
    fake: FakeChattz, *extra: str, port: int | None = None, secret_in_env: bool = True
) -> Running:
    """Run ``login`` against the served fake with a freshly registered loopback client
    (its secret in ``$CHATTZ_CLIENT_SECRET``, or not: then ``extra`` gives it)."""
    redirect_uri = f"http://127.0.0.1:{port or free_port()}/callback"
    fake.add_client("cli-client", "cli-secret-value", redirect_uri)
    return Running(
        "login",
        "--client-id",
        "cli-client",
        "--redirect-uri",
        redirect_uri,
        "--base-url",
        fake.base_url,
        "--no-browser",
        *extra,
        env={"CHATTZ_CLIENT_SECRET": "cli-secret-value" if secret_in_env else ""},
    )


def browse(fake: FakeChattz, run: Running, *, decision: str) -> httpx.Response:
    """Play the browser: open the printed URL, click ``decision``, follow to the CLI."""
    url = run.wait_for(lambda text: "/oauth/authorize?" in text).strip()
    with httpx.Client(timeout=TIMEOUT) as browser:
        consent = browser.get(url)
        action, _, fields, _ = parse_form(consent.text)
        answer = browser.post(urljoin(url, action), data={**fields, "decision": decision})
        run.wait_for(lambda text: "Waiting for the callback" in text)
        return browser.get(answer.headers["location"])


def test_login_reads_the_client_secret_from_a_file(served: FakeChattz, tmp_path: Path) -> None:
    """``--client-secret-file`` instead of the variable: the login completes."""
    secret = tmp_path / "client-secret"
    secret.write_text("cli-secret-value\n", encoding="utf-8")
    run = start_login(served, "--client-secret-file", str(secret), secret_in_env=False)
    try:
        page = browse(served, run, decision="allow")
    finally:
        status, _, err = run.finish()
    assert (0, "", True) == (status, err, "Logged in as John Doe." in page.text)


def test_login_end_to_end_saves_the_token_0600(served: FakeChattz, tmp_path: Path) -> None:
    """login prints the user and writes a 0600 token file that round-trips via Token.from_dict."""
    target = tmp_path / "token.json"
    run = start_login(served, "--save", str(target), "--pkce")
    try:
        page = browse(served, run, decision="allow")
    finally:
        status, out, err = run.finish()
    assert (0, "") == (status, err)
    assert "Logged in as John Doe." in page.text
    assert "username johndoe" in out
    assert 0o600 == stat.S_IMODE(target.stat().st_mode)
    token = Token.from_dict(json.loads(target.read_text()))
    assert token.access_token not in out
    assert "cli-secret-value" not in out
    userinfo = served.handle(
        "GET", "/oauth/userinfo", {"Authorization": f"Bearer {token.access_token}"}
    )
    assert 200 == userinfo.status


def test_login_twice_within_a_minute_on_the_same_port(served: FakeChattz) -> None:
    """The second run binds the port the first left in TIME_WAIT (SO_REUSEADDR): both log in."""
    port = free_port()
    outcomes = []
    for _ in range(2):
        run = start_login(served, port=port)
        try:
            page = browse(served, run, decision="allow")
        finally:
            status, _, err = run.finish()
        outcomes.append((status, err, page.status_code))
    assert [(0, "", 200), (0, "", 200)] == outcomes
    # The server ended the callback's connection: that socket pair sits in TIME_WAIT.
    assert f"127.0.0.1:{port}" in time_wait_sockets() or not Path("/proc/net/tcp").exists()


def time_wait_sockets() -> set[str]:
    """``host:port`` of the local ends of loopback IPv4 sockets in TIME_WAIT (Linux)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        if state == "06":  # TCP_TIME_WAIT
            address, port = local.split(":")
            if address == "0100007F":
                found.add(f"127.0.0.1:{int(port, 16)}")
    return found


@pytest.mark.parametrize(("switch", "challenged"), [((), True), (("--no-pkce",), False)])
def test_login_uses_pkce_unless_told_not_to(
    served: FakeChattz, switch: tuple[str, ...], challenged: bool
) -> None:
    """login sends a code_challenge and its verifier by default; --no-pkce sends neither."""
    run = start_login(served, *switch)
    try:
        browse(served, run, decision="allow")
    finally:
        status, _, _ = run.finish()
    authorize = next(r for r in served.requests if r.path == "/oauth/authorize")
    token = next(r for r in served.requests if r.path == "/oauth/token")
    assert (0, challenged, challenged) == (
        status,
        "code_challenge" in authorize.query,
        "code_verifier" in token.form,
    )


def test_login_denied(served: FakeChattz) -> None:
    """Clicking Deny ends with a one-line 'authorization denied' and exit 1."""
    run = start_login(served)
    try:
        page = browse(served, run, decision="deny")
    finally:
        status, _, err = run.finish()
    assert 1 == status
    assert "error: login failed: authorization denied" in err
    assert 1 == len(err.strip().splitlines())
    assert 400 == page.status_code  # the tab's page says it failed, and so does its status
    assert "Login failed: authorization denied" in page.text
    assert "login failed" not in page.text.lower().replace("login failed: authorization", "")


def callback_url(run: Running) -> str:
    """The callback URL the running login command waits on."""
    line = run.wait_for(lambda text: "Waiting for the callback on" in text)
    found = re.search(r"(http://\S+/callback)", line)
    assert found is not None
    return found.group(1)


def test_login_ignores_stray_requests_and_keeps_waiting(served: FakeChattz) -> None:
    """Requests without this login's state get 400 and the command waits for the real callback."""
    run = start_login(served)
    try:
        url = run.wait_for(lambda text: "/oauth/authorize?" in text).strip()
        callback = callback_url(run)
        state = parse_qs(urlsplit(url).query)["state"][0]
        strays: list[dict[str, str | list[str]]] = [
            {},
            {"code": "stolen", "state": "attacker"},
            {"code": "stolen", "state": [state, "attacker"]},
            {"error": "access_denied"},
        ]
        with httpx.Client(timeout=TIMEOUT) as browser:
            refused = [browser.get(callback, params=params).status_code for params in strays]
            consent = browser.get(url)
            action, _, fields, _ = parse_form(consent.text)
            answer = browser.post(urljoin(url, action), data={**fields, "decision": "allow"})
            page = browser.get(answer.headers["location"])
    finally:
        status, _, err = run.finish()
    assert [400, 400, 400, 400] == refused
    assert (0, "") == (status, err)
    assert "Logged in as John Doe." in page.text
    assert 1 == len([r for r in served.requests if r.path == "/oauth/token"])


def test_login_stray_request_then_timeout_exchanges_nothing(served: FakeChattz) -> None:
    """A forged callback alone ends in a timeout, and no code is ever exchanged.

    The timeout starts when the command prints that it waits; the forged request
    goes out the moment that line is read, so one second is ample (a request that
    arrived after it would fail the test, not pass it).
    """
    run = start_login(served, "--timeout", "1")
    try:
        callback = callback_url(run)
        with httpx.Client(timeout=TIMEOUT) as browser:
            refused = browser.get(callback, params={"code": "stolen", "state": "attacker"})
    finally:
        status, _, err = run.finish()
    assert (400, 1, True) == (refused.status_code, status, "timed out" in err)
    assert [] == [r for r in served.requests if r.path == "/oauth/token"]


def test_login_timeout(served: FakeChattz) -> None:
    """No callback within --timeout gives exit 1 and a 'timed out' line."""
    status, _, err = start_login(served, "--timeout", "0.5").finish()
    assert (1, True) == (status, "timed out" in err)


def test_login_port_in_use(served: FakeChattz) -> None:
    """A redirect URI port that is already taken gives exit 1 and says so."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        status, _, err = start_login(served, port=busy.getsockname()[1]).finish()
    assert (1, True) == (status, "port is in use" in err)


@pytest.mark.parametrize(
    "redirect_uri", ["https://127.0.0.1:8765/callback", "http://example.com:8765/callback"]
)
def test_login_needs_a_loopback_http_redirect_uri(redirect_uri: str) -> None:
    """A redirect URI that is not loopback http:// is a usage error (exit 2)."""
    run = Running(
        "login",
        "--client-id",
        "x",
        "--redirect-uri",
        redirect_uri,
        env={"CHATTZ_CLIENT_SECRET": "s"},
    )
    status, _, err = run.finish()
    assert (2, True) == (status, "loopback http://" in err)


def test_login_missing_client_id_names_the_variable() -> None:
    """A missing client id names the flag and the environment variable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATTZ_")}
    result = subprocess.run(
        [sys.executable, "-m", "chattz_oauth_async", "login"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env,
        check=False,
    )
    assert (2, "error: missing --client-id (or the CHATTZ_CLIENT_ID environment variable)") == (
        result.returncode,
        result.stderr.strip(),
    )
