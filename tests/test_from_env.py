"""from_env(): every missing variable named at once; a worker needs no CHATTZ_REDIRECT_URI."""

from __future__ import annotations

import httpx
import pytest

from chattz_oauth_async import AsyncChattzOAuth, ChattzOAuth, ConfigurationError
from chattz_oauth_async.testing import FakeChattz

SESSIONS = [AsyncChattzOAuth, ChattzOAuth]
NO_REDIRECT_URI = (
    "{what} needs redirect_uri, which is not set: pass the callback URL registered with "
    "Chattz (CHATTZ_REDIRECT_URI for from_env()); a session without one can only refresh "
    "tokens and read userinfo"
)


@pytest.mark.parametrize("session_class", SESSIONS)
@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, "environment variables CHATTZ_CLIENT_ID and CHATTZ_CLIENT_SECRET are not set"),
        (
            {"CHATTZ_CLIENT_ID": "", "CHATTZ_CLIENT_SECRET": "", "CHATTZ_REDIRECT_URI": ""},
            "environment variables CHATTZ_CLIENT_ID and CHATTZ_CLIENT_SECRET are not set",
        ),
        ({"CHATTZ_CLIENT_ID": "id"}, "environment variable CHATTZ_CLIENT_SECRET is not set"),
        ({"CHATTZ_CLIENT_SECRET": "s"}, "environment variable CHATTZ_CLIENT_ID is not set"),
    ],
)
def test_from_env_names_every_missing_variable_at_once(
    session_class: type[AsyncChattzOAuth | ChattzOAuth], environ: dict[str, str], message: str
) -> None:
    """One run names all the missing required variables, not one per run."""
    with pytest.raises(ConfigurationError) as caught:
        session_class.from_env(environ=environ)
    assert message == str(caught.value)


@pytest.mark.parametrize("session_class", SESSIONS)
def test_from_env_without_a_redirect_uri_builds_a_worker_session(
    session_class: type[AsyncChattzOAuth | ChattzOAuth],
) -> None:
    """CHATTZ_REDIRECT_URI is optional: the session has no redirect URI and cannot start a login."""
    environ = {"CHATTZ_CLIENT_ID": "id", "CHATTZ_CLIENT_SECRET": "s"}
    session = session_class.from_env(environ=environ)
    assert None is session.config.redirect_uri
    with pytest.raises(ConfigurationError) as started:
        session.start_login()
    with pytest.raises(ConfigurationError) as built:
        session.authorize_url("state")
    assert [NO_REDIRECT_URI.format(what="a login")] * 2 == [
        str(started.value),
        str(built.value),
    ]


@pytest.mark.parametrize("session_class", SESSIONS)
def test_from_env_reads_an_empty_redirect_uri_as_absent(
    session_class: type[AsyncChattzOAuth | ChattzOAuth],
) -> None:
    """CHATTZ_REDIRECT_URI= (set but empty) is the same as not set, like the other variables."""
    environ = {"CHATTZ_CLIENT_ID": "id", "CHATTZ_CLIENT_SECRET": "s", "CHATTZ_REDIRECT_URI": ""}
    assert None is session_class.from_env(environ=environ).config.redirect_uri


def test_a_worker_session_without_redirect_uri_refreshes_and_reads_userinfo() -> None:
    """A worker with no redirect URI refreshes a token and reads the user; no code exchange."""
    fake = FakeChattz(issue_refresh_tokens=True)
    environ = {
        "CHATTZ_CLIENT_ID": fake.client.client_id,
        "CHATTZ_CLIENT_SECRET": fake.client.client_secret,
        "CHATTZ_BASE_URL": fake.base_url,
    }
    stored = fake.issue_token()
    with ChattzOAuth.from_env(environ=environ, transport=fake.transport()) as worker:
        fresh = worker.refresh(stored)
        username = worker.userinfo(fresh).username
        with pytest.raises(ConfigurationError) as exchanged:
            worker.exchange_code("a-code")
    assert ("johndoe", NO_REDIRECT_URI.format(what="a code exchange")) == (
        username,
        str(exchanged.value),
    )
    assert ["/oauth/token", "/oauth/userinfo"] == [r.path for r in fake.requests]


def test_the_constructor_takes_no_redirect_uri_too() -> None:
    """ChattzOAuth(client_id, client_secret) is a worker session: redirect_uri=None."""
    transport = httpx.MockTransport(lambda _: httpx.Response(500))
    with ChattzOAuth("id", "secret", transport=transport) as session:
        assert (
            "ChattzOAuth(client_id='id', redirect_uri=None, base_url='https://chattz.net', "
            "pkce=False)"
        ) == repr(session)


@pytest.mark.parametrize("session_class", SESSIONS)
@pytest.mark.parametrize(("ask", "expected"), [(False, (False, None)), (True, (True, "S256"))])
def test_from_env_pkce_is_off_by_default_and_on_when_asked(
    session_class: type[AsyncChattzOAuth | ChattzOAuth],
    ask: bool,
    expected: tuple[bool, str | None],
) -> None:
    """from_env(pkce=True), as the docs show: an S256 challenge at start_login; default: none."""
    environ = {
        "CHATTZ_CLIENT_ID": "id",
        "CHATTZ_CLIENT_SECRET": "secret",
        "CHATTZ_REDIRECT_URI": "https://app.example/callback",
    }
    if ask:
        session = session_class.from_env(environ=environ, pkce=True)
    else:
        session = session_class.from_env(environ=environ)
    query = httpx.URL(session.start_login().url).params
    assert expected == (session.pkce, query.get("code_challenge_method"))
