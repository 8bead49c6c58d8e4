"""``python -m chattz_oauth_async fake``: the fake provider as a server you can run."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest

from chattz_oauth_async import ChattzOAuth
from chattz_oauth_async.cli import main
from chattz_oauth_async.testing import parse_form
from tests.test_cli import Running, free_port

pytestmark = pytest.mark.network


def settings_of(run: Running) -> dict[str, str]:
    """The CHATTZ_* settings the running fake printed."""
    run.wait_for(lambda text: text.startswith("Fake Chattz provider at http://127.0.0.1:"))
    values: dict[str, str] = {}
    while len(values) < 4:
        name, _, value = run.wait_for(lambda text: "CHATTZ_" in text).strip().partition("=")
        values[name] = value
    return values


def log_in(values: dict[str, str]) -> str:
    """A whole login with the library against the served fake; the username."""
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
        token = chattz.complete_login(answer.headers["location"], login)
        return chattz.userinfo(token).username


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


def test_fake_on_a_given_port_with_the_login_commands_defaults() -> None:
    """--port is honoured and the defaults are the ones login --help shows."""
    port = free_port()
    run = Running("fake", "--port", str(port))
    try:
        values = settings_of(run)
        run.proc.send_signal(signal.SIGINT)
    finally:
        status, _, _ = run.finish()
    expected = {
        "CHATTZ_BASE_URL": f"http://127.0.0.1:{port}",
        "CHATTZ_CLIENT_ID": "test-client",
        "CHATTZ_CLIENT_SECRET": "test-secret",
        "CHATTZ_REDIRECT_URI": "http://127.0.0.1:8765/callback",
    }
    assert (expected, 0) == (values, status)


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
    assert "python -m chattz_oauth_async fake --port 9000" in text
    assert "--base-url http://127.0.0.1:9000 --client-id test-client" in text


def test_console_script_entry_point_is_main() -> None:
    """The chattz-oauth console script runs cli:main."""
    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "chattz-oauth"]
    assert "chattz_oauth_async.cli:main" == script.value
    script_path = str(Path(sys.executable).with_name("chattz-oauth"))
    result = subprocess.run([script_path, "fake", "--help"], capture_output=True, check=False)
    assert 0 == result.returncode
