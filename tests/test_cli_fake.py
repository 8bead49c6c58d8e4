"""``python -m chattz_oauth_async fake``: the fake provider as a server you can run."""

from __future__ import annotations

import shlex
import signal
import socket
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest

from chattz_oauth_async import ChattzOAuth, Token
from chattz_oauth_async.cli import main
from chattz_oauth_async.testing import parse_form
from tests.test_cli import Running, free_port

pytestmark = pytest.mark.network


def settings_of(run: Running) -> dict[str, str]:
    """The CHATTZ_* settings the running fake printed."""
    run.wait_for(lambda text: text.startswith("Fake Chattz provider at http://127.0.0.1:"))
    _export, *assignments = shlex.split(run.wait_for(lambda text: text.startswith("export ")))
    pairs = (assignment.split("=", 1) for assignment in assignments)
    return {name: value for name, value in pairs}


def fake_login_token(values: dict[str, str]) -> Token:
    """A whole login with the library against the served fake; its token."""
    with (
        ChattzOAuth(
            values["CHATTZ_CLIENT_ID"],
            values["CHATTZ_CLIENT_SECRET"],
            values["CHATTZ_REDIRECT_URI"],
            base_url=values["CHATTZ_BASE_URL"],
            pkce=True,
        ) as chattz,
        httpx.Client(timeout=30) as browser,
    ):
        login = chattz.start_login()
        page = browser.get(login.url)
        action, _, fields, _ = parse_form(page.text)
        answer = browser.post(urljoin(login.url, action), data={**fields, "decision": "allow"})
        return chattz.complete_login(answer.headers["location"], login)


def log_in(values: dict[str, str]) -> str:
    """A whole login with the library against the served fake; the username."""
    with ChattzOAuth(
        values["CHATTZ_CLIENT_ID"],
        values["CHATTZ_CLIENT_SECRET"],
        base_url=values["CHATTZ_BASE_URL"],
    ) as chattz:
        return chattz.userinfo(fake_login_token(values)).username


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_fake_serves_a_whole_flow_and_stops_cleanly(stop: signal.Signals) -> None:
    """fake prints its URL and credentials, serves a login, and exits 0 on SIGINT or SIGTERM."""
    run = Running(
        "fake", "--port", "0", "--client-id", "my-app", "--redirect-uri", "http://127.0.0.1:8765/cb"
    )
    try:
        values = settings_of(run)
        username = log_in(values)
        run.proc.send_signal(stop)
    finally:
        status, out, err = run.finish()
    assert ("johndoe", 0, "") == (username, status, err)
    assert ("my-app", "http://127.0.0.1:8765/cb") == (
        values["CHATTZ_CLIENT_ID"],
        values["CHATTZ_REDIRECT_URI"],
    )
    assert out.rstrip().endswith("Stopped.")


def test_fake_on_a_given_port_with_a_web_apps_defaults() -> None:
    """--port is honoured; the redirect URI is a web app's on :8000, not the login command's.

    The settings come as one line to paste before ``uvicorn app:app``: ``export`` and the four.
    """
    port = free_port()
    run = Running("fake", "--port", str(port))
    try:
        values = settings_of(run)
        run.wait_for(lambda text: text.startswith("Requests "))
        run.proc.send_signal(signal.SIGINT)
    finally:
        status, out, _ = run.finish()
    assert [
        f"Fake Chattz provider at http://127.0.0.1:{port} (Ctrl-C to stop)",
        "Paste this line in the shell that runs your app:",
        f"export CHATTZ_BASE_URL=http://127.0.0.1:{port} CHATTZ_CLIENT_ID=test-client "
        "CHATTZ_CLIENT_SECRET=test-secret CHATTZ_REDIRECT_URI=http://127.0.0.1:8000/callback",
        "Tokens: access tokens last 3600 s; no refresh tokens (--refresh-tokens to issue them).",
        "Requests (method, path, status):",
        "Stopped.",
    ] == out.splitlines()
    expected = {
        "CHATTZ_BASE_URL": f"http://127.0.0.1:{port}",
        "CHATTZ_CLIENT_ID": "test-client",
        "CHATTZ_CLIENT_SECRET": "test-secret",
        "CHATTZ_REDIRECT_URI": "http://127.0.0.1:8000/callback",
    }
    assert (expected, 0) == (values, status)


def test_fake_logs_each_request_without_secrets() -> None:
    """Each request is one line: method, path, status; no query, code, token or secret."""
    run = Running("fake", "--port", "0")
    try:
        values = settings_of(run)
        run.wait_for(lambda text: text.startswith("Requests (method, path, status):"))
        username = log_in(values)
        logged = [run.wait_for(lambda text: " -> " in text).strip() for _ in range(4)]
        run.proc.send_signal(signal.SIGINT)
    finally:
        status, out, err = run.finish()
    assert ("johndoe", 0, "") == (username, status, err)
    assert [
        "GET /oauth/authorize -> 200",
        "POST /oauth/authorize -> 302",
        "POST /oauth/token -> 200",
        "GET /oauth/userinfo -> 200",
    ] == logged
    assert [] == [word for word in ("code=", "state=", "Bearer", "?") if word in out]


def test_fake_refresh_tokens_switch_lets_a_worker_refresh() -> None:
    """--refresh-tokens issues refresh tokens that refresh() accepts; without it, none."""
    results = {}
    for switch in ([], ["--refresh-tokens", "--token-lifetime", "60"]):
        run = Running("fake", "--port", "0", "--quiet", *switch)
        try:
            values = settings_of(run)
            tokens = run.wait_for(lambda text: text.startswith("Tokens: ")).strip()
            with ChattzOAuth(
                values["CHATTZ_CLIENT_ID"],
                values["CHATTZ_CLIENT_SECRET"],
                base_url=values["CHATTZ_BASE_URL"],
            ) as worker:
                token = fake_login_token(values)
                refreshed = worker.refresh(token) if token.refresh_token else None
                results[bool(switch)] = (
                    tokens,
                    token.expires_in,
                    None if refreshed is None else worker.userinfo(refreshed).username,
                )
            run.proc.send_signal(signal.SIGINT)
        finally:
            run.finish()
    assert {
        False: (
            "Tokens: access tokens last 3600 s; no refresh tokens (--refresh-tokens to issue "
            "them).",
            3600,
            None,
        ),
        True: (
            "Tokens: access tokens last 60 s; refresh tokens are issued (rotated at each refresh).",
            60,
            "johndoe",
        ),
    } == results


def test_fake_refuses_a_non_loopback_host(capsys: pytest.CaptureFixture[str]) -> None:
    """--host 0.0.0.0 is bad usage (exit 2): the fake only listens on loopback."""
    assert 2 == main(["fake", "--host", "0.0.0.0", "--port", "0"])
    assert "loopback" in capsys.readouterr().err


def test_fake_port_in_use_is_a_one_line_failure(capsys: pytest.CaptureFixture[str]) -> None:
    """A port already taken gives exit 1 and one line."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert 1 == main(["fake", "--port", str(port)])
    assert 1 == len(capsys.readouterr().err.strip().splitlines())


def test_login_help_says_how_to_try_it_against_the_fake(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """login --help shows the fake command and the matching login command."""
    with pytest.raises(SystemExit):
        main(["login", "--help"])
    text = capsys.readouterr().out
    assert (
        "Try it without a Chattz account, against the fake provider (its client's\n"
        "redirect URI is http://127.0.0.1:8000/callback unless you give it another):\n"
        "  chattz-oauth fake --port 9000        # in another terminal\n"
        "  CHATTZ_CLIENT_SECRET=test-secret chattz-oauth login \\\n"
        "      --base-url http://127.0.0.1:9000 --client-id test-client \\\n"
        "      --redirect-uri http://127.0.0.1:8000/callback\n"
    ) in text


def test_console_script_entry_point_is_main() -> None:
    """The chattz-oauth console script runs cli:main."""
    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "chattz-oauth"]
    assert "chattz_oauth_async.cli:main" == script.value
    script_path = str(Path(sys.executable).with_name("chattz-oauth"))
    result = subprocess.run([script_path, "fake", "--help"], capture_output=True, check=False)
    assert 0 == result.returncode


@pytest.mark.skipif(sys.platform == "win32", reason="SO_REUSEADDR is never set on Windows")
def test_fake_restarts_at_once_on_a_port_a_client_kept_alive() -> None:
    """Stopped while a client keeps a connection alive, fake binds the same port again at once.

    Stopping closes the idle connection from the server's side, which leaves it
    in TIME_WAIT for about a minute: without SO_REUSEADDR the next run failed
    with "Address already in use".
    """
    port = free_port()
    usernames = []
    for _ in range(2):
        run = Running("fake", "--port", str(port), "--quiet")
        with httpx.Client() as client:  # one kept-alive connection, open at the stop
            try:
                values = settings_of(run)
                client.get(f"{values['CHATTZ_BASE_URL']}/oauth/authorize")
                usernames.append(log_in(values))
                run.proc.send_signal(signal.SIGINT)
            finally:
                status, _, err = run.finish()
        assert (0, "") == (status, err)
    assert ["johndoe", "johndoe"] == usernames


@pytest.mark.skipif(sys.platform == "win32", reason="SO_REUSEADDR is never set on Windows")
@pytest.mark.parametrize(("reuse", "expected"), [(False, False), (True, True)])
def test_fake_server_sets_so_reuseaddr_only_when_asked(reuse: bool, expected: bool) -> None:
    """FakeServer(reuse_address=True), as the fake command builds it, sets the option."""
    from chattz_oauth_async.testing import FakeChattz, FakeServer

    with FakeServer(FakeChattz().handle, reuse_address=reuse) as server:
        listening = server._server.socket  # type: ignore[union-attr]
        actual = bool(listening.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR))
    assert expected == actual
