# GENERATED from tests/_async/test_session.py by scripts/gen_sync.py -- do not edit.
# Edit the async original, then run: python scripts/gen_sync.py
"""The session over HTTP: exact requests, parsed results, typed errors, client lifecycle.

Written once for ChattzOAuth; scripts/gen_sync.py generates the same tests
for ChattzOAuth in tests/_sync/.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Iterator
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from chattz_oauth_async import (
    ChattzOAuth,
    TokenHolder,
    ChattzUser,
    ConfigurationError,
    InsecureTransportError,
    InsufficientScopeError,
    InvalidTokenError,
    OAuthError,
    ProviderError,
    RetryPolicy,
    StateMismatchError,
    Token,
    TokenExpiredError,
    TransportError,
    TransportTimeout,
)
from tests.helpers import DOCUMENTED_USER, FakeClock, sync_gather, oauth_error_fields

from .support import transport_session


CLIENT_ID = "abc123"
CLIENT_SECRET = "s3cr3t-client-secret"
REDIRECT_URI = "https://example.com/chattz-callback"
BASE = "https://chattz.net"
ACCESS_TOKEN = "abcdef1234567890"
USER = DOCUMENTED_USER
NO_RETRY = RetryPolicy(attempts=1)


@pytest.fixture
def provider() -> Iterator[respx.MockRouter]:
    """The Chattz endpoints, mocked; no request leaves the process."""
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


@pytest.fixture
def chattz(clock: FakeClock) -> Iterator[ChattzOAuth]:
    """A session with a frozen clock and retries switched off."""
    with ChattzOAuth(
        CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, clock=clock, retry=NO_RETRY
    ) as session:
        yield session


@pytest.fixture
def unopened(clock: FakeClock) -> ChattzOAuth:
    """The same session, never entered: for what sends nothing (a URL, a repr), tested once."""
    return ChattzOAuth(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, clock=clock, retry=NO_RETRY)


def token_body(**fields: object) -> dict[str, object]:
    """The documented token response, with overrides."""
    body: dict[str, object] = {
        "access_token": ACCESS_TOKEN,
        "token_type": "Bearer",
        "expires_in": 3600,
    }
    body.update(fields)
    return body


def test_authorize_url_matches_the_documented_example(unopened: ChattzOAuth) -> None:
    """The doc's example URL (client_id=abc123, state=xyz) is reproduced exactly."""
    expected = (
        "https://chattz.net/oauth/authorize?response_type=code&client_id=abc123"
        "&redirect_uri=https://example.com/chattz-callback&state=xyz"
    )
    assert expected == unopened.authorize_url(state="xyz")


def test_authorize_url_encodes_values_and_extras(unopened: ChattzOAuth) -> None:
    """State and extra parameters are percent-encoded; nothing can inject a parameter."""
    url = unopened.authorize_url(state="a&b=c d", scope="profile email")
    query = parse_qs(httpx.URL(url).query.decode())
    assert ["a&b=c d"] == query["state"]
    assert ["profile email"] == query["scope"]
    assert ["code"] == query["response_type"]


def test_authorize_url_refuses_overriding_core_parameters(
    unopened: ChattzOAuth,
) -> None:
    """Extras cannot replace redirect_uri, client_id, response_type or state."""
    with pytest.raises(ConfigurationError):
        unopened.authorize_url(state="xyz", redirect_uri="https://evil.example/")


def test_exchange_code_posts_the_documented_form(
    chattz: ChattzOAuth, provider: respx.MockRouter, clock: FakeClock
) -> None:
    """The exchange is a urlencoded POST with the five documented fields and Accept JSON."""
    route = provider.post("/oauth/token").respond(json=token_body())
    token = chattz.exchange_code("the-code")
    request = route.calls.last.request
    form = parse_qs(request.content.decode())
    expected_form = {
        "grant_type": ["authorization_code"],
        "code": ["the-code"],
        "client_id": [CLIENT_ID],
        "client_secret": [CLIENT_SECRET],
        "redirect_uri": [REDIRECT_URI],
    }
    assert expected_form == form
    assert "application/x-www-form-urlencoded" == request.headers["content-type"]
    assert "application/json" == request.headers["accept"]
    assert "authorization" not in request.headers
    assert "the-code" not in str(request.url)
    assert ACCESS_TOKEN == token.access_token
    assert clock.now + 3600 == token.expires_at


def test_exchange_code_does_not_follow_redirects(
    chattz: ChattzOAuth, provider: respx.MockRouter
) -> None:
    """A 302 from the token endpoint is an error, and the secret is not re-sent."""
    provider.post("/oauth/token").respond(302, headers={"Location": "https://evil.example/t"})
    evil = respx.post("https://evil.example/t").respond(json=token_body())
    with pytest.raises(ProviderError) as caught:
        chattz.exchange_code("the-code")
    assert 302 == caught.value.status_code
    assert 0 == evil.call_count


def test_exchange_code_oauth_error_body(
    chattz: ChattzOAuth, provider: respx.MockRouter
) -> None:
    """An RFC 6749 section 5.2 body becomes OAuthError with its fields and the status."""
    provider.post("/oauth/token").respond(
        400,
        json={"error": "invalid_grant", "error_description": "code already used"},
    )
    with pytest.raises(OAuthError) as caught:
        chattz.exchange_code("used-code")
    assert ("invalid_grant", "code already used", 400) == oauth_error_fields(caught.value)


def test_exchange_code_html_page_is_a_provider_error(
    chattz: ChattzOAuth, provider: respx.MockRouter
) -> None:
    """An HTML page where JSON was expected becomes ProviderError with the status."""
    provider.post("/oauth/token").respond(
        502, text="<html>Bad gateway</html>", headers={"content-type": "text/html"}
    )
    with pytest.raises(ProviderError) as caught:
        chattz.exchange_code("the-code")
    assert 502 == caught.value.status_code


def test_transport_failure_is_wrapped(
    chattz: ChattzOAuth, provider: respx.MockRouter
) -> None:
    """A connection error becomes TransportError with the httpx error as its cause."""
    provider.post("/oauth/token").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(TransportError) as caught:
        chattz.exchange_code("the-code")
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


def test_read_timeout_is_a_transport_timeout(
    chattz: ChattzOAuth, provider: respx.MockRouter
) -> None:
    """A read timeout after the POST was sent is not retried and becomes TransportTimeout."""
    route = provider.post("/oauth/token").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(TransportTimeout):
        chattz.exchange_code("the-code")
    assert 1 == route.call_count


def test_userinfo_sends_bearer_and_parses_the_documented_user(
    chattz: ChattzOAuth, provider: respx.MockRouter
) -> None:
    """userinfo() sends Authorization: Bearer and returns the documented fields."""
    route = provider.get("/oauth/userinfo").respond(json={**USER, "locale": "en"})
    user = chattz.userinfo(ACCESS_TOKEN)
    request = route.calls.last.request
    assert f"Bearer {ACCESS_TOKEN}" == request.headers["authorization"]
    assert ACCESS_TOKEN not in str(request.url)
    expected = ChattzUser(**USER, raw={**USER, "locale": "en"})
    assert expected == user
    assert "en" == user.raw["locale"]


def test_userinfo_accepts_a_token_object(
    chattz: ChattzOAuth, provider: respx.MockRouter
) -> None:
    """A Token from exchange_code() can be passed straight to userinfo()."""
    provider.post("/oauth/token").respond(json=token_body())
    route = provider.get("/oauth/userinfo").respond(json=USER)
    token = chattz.exchange_code("the-code")
    user = chattz.userinfo(token)
    assert 123 == user.id
    assert f"Bearer {ACCESS_TOKEN}" == route.calls.last.request.headers["authorization"]


def test_userinfo_401_is_invalid_token(
    chattz: ChattzOAuth, provider: respx.MockRouter
) -> None:
    """401 with WWW-Authenticate: Bearer error="invalid_token" becomes InvalidTokenError."""
    provider.get("/oauth/userinfo").respond(
        401,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token", error_description="expired"'},
    )
    with pytest.raises(InvalidTokenError) as caught:
        chattz.userinfo(ACCESS_TOKEN)
    assert ("invalid_token", "expired", 401) == oauth_error_fields(caught.value)


def test_userinfo_403_is_insufficient_scope(
    chattz: ChattzOAuth, provider: respx.MockRouter
) -> None:
    """403 becomes InsufficientScopeError."""
    provider.get("/oauth/userinfo").respond(403)
    with pytest.raises(InsufficientScopeError) as caught:
        chattz.userinfo(ACCESS_TOKEN)
    assert 403 == caught.value.status_code


def test_userinfo_without_id_is_a_provider_error(
    chattz: ChattzOAuth, provider: respx.MockRouter
) -> None:
    """A user object with no id is refused: accounts are keyed on it."""
    provider.get("/oauth/userinfo").respond(json={"username": "johndoe"})
    with pytest.raises(ProviderError) as caught:
        chattz.userinfo(ACCESS_TOKEN)
    assert 200 == caught.value.status_code


def test_expired_token_raises_without_sending(
    chattz: ChattzOAuth, provider: respx.MockRouter, clock: FakeClock
) -> None:
    """userinfo() on a token the session knows has expired sends nothing."""
    provider.post("/oauth/token").respond(json=token_body(expires_in=3600))
    route = provider.get("/oauth/userinfo").respond(json=USER)
    token = chattz.exchange_code("the-code")
    clock.now += 3600 - chattz.leeway  # the leeway's edge
    with pytest.raises(TokenExpiredError):
        chattz.userinfo(token)
    assert 0 == route.call_count


def test_token_is_valid_until_the_leeway(
    chattz: ChattzOAuth, provider: respx.MockRouter, clock: FakeClock
) -> None:
    """A token is usable until expires_at minus the leeway."""
    provider.post("/oauth/token").respond(json=token_body(expires_in=3600))
    provider.get("/oauth/userinfo").respond(json=USER)
    token = chattz.exchange_code("the-code")
    clock.now += 3600 - chattz.leeway - 1
    assert 123 == (chattz.userinfo(token)).id


def test_short_lived_token_is_not_born_expired(
    chattz: ChattzOAuth, provider: respx.MockRouter, clock: FakeClock
) -> None:
    """With a 10 s token and a 30 s leeway, the token is usable right after receipt."""
    provider.post("/oauth/token").respond(json=token_body(expires_in=10))
    token = chattz.exchange_code("the-code")
    assert (False, True) == (token.is_expired(clock.now), token.is_expired(clock.now + 5))


def test_a_session_is_usable_after_its_with_block(provider: respx.MockRouter) -> None:
    """Leaving `with` closes the session's connections, not the session: a shared
    session serves the next lifespan, test or worker through the same http_client."""
    provider.get("/oauth/userinfo").respond(json=USER)
    with ChattzOAuth(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI) as session:
        first = (session.userinfo(ACCESS_TOKEN)).id
        client = session.http_client
    second = (session.userinfo(ACCESS_TOKEN)).id
    session.close()
    same = client is session.http_client
    assert (123, 123, True, False) == (first, second, same, client.is_closed)


def test_passed_in_client_is_left_open() -> None:
    """A client the app passed in belongs to the app: the session never closes it."""
    with httpx.Client() as client:
        with ChattzOAuth(
            CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, http_client=client
        ) as session:
            assert client is session.http_client
        assert not client.is_closed


def test_passed_in_client_is_used_for_requests() -> None:
    """Requests go through the client the app passed in (its transport, its pool)."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(200, json=USER)

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        session = ChattzOAuth(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, http_client=client)
        session.userinfo(ACCESS_TOKEN)
    assert ["/oauth/userinfo"] == seen


def test_base_url_points_at_another_provider() -> None:
    """base_url moves all three endpoints."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json=USER)

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        session = ChattzOAuth(
            CLIENT_ID,
            CLIENT_SECRET,
            "http://127.0.0.1:8000/callback",
            base_url="https://staging.chattz.example/",
            http_client=client,
        )
        session.userinfo(ACCESS_TOKEN)
        url = session.authorize_url(state="s")
    assert ["https://staging.chattz.example/oauth/userinfo"] == seen
    assert url.startswith("https://staging.chattz.example/oauth/authorize?")


@pytest.mark.parametrize(
    ("base_url", "redirect_uri"),
    [
        ("http://chattz.net", REDIRECT_URI),
        (BASE, "http://example.com/callback"),
        ("http://10.0.0.1", REDIRECT_URI),
    ],
)
def test_plain_http_refused_unless_loopback(base_url: str, redirect_uri: str) -> None:
    """http:// for a non-loopback host raises InsecureTransportError at construction."""
    with pytest.raises(InsecureTransportError):
        ChattzOAuth(CLIENT_ID, CLIENT_SECRET, redirect_uri, base_url=base_url)


@pytest.mark.parametrize(
    "base_url", ["http://127.0.0.1:9000", "http://localhost:9000", "http://[::1]:9000"]
)
def test_plain_http_allowed_on_loopback(base_url: str) -> None:
    """http:// is fine for 127.0.0.0/8, ::1 and localhost (local fakes, the login command)."""
    with ChattzOAuth(
        CLIENT_ID, CLIENT_SECRET, "http://localhost:8000/cb", base_url=base_url
    ) as session:
        assert session.config.base_url == base_url


def test_from_env_reads_the_variables() -> None:
    """from_env() reads the CHATTZ_* variables, CHATTZ_BASE_URL included."""
    env = {
        "CHATTZ_CLIENT_ID": CLIENT_ID,
        "CHATTZ_CLIENT_SECRET": CLIENT_SECRET,
        "CHATTZ_REDIRECT_URI": REDIRECT_URI,
        "CHATTZ_BASE_URL": "https://staging.chattz.example",
    }
    with ChattzOAuth.from_env(environ=env) as session:
        assert (CLIENT_ID, "https://staging.chattz.example") == (
            session.config.client_id,
            session.config.base_url,
        )


def test_from_env_names_the_missing_variable() -> None:
    """A missing variable gives a ConfigurationError that names it."""
    env = {"CHATTZ_CLIENT_ID": CLIENT_ID, "CHATTZ_REDIRECT_URI": REDIRECT_URI}
    with pytest.raises(ConfigurationError, match="CHATTZ_CLIENT_SECRET"):
        ChattzOAuth.from_env(environ=env)


def test_from_env_uses_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without an explicit mapping, from_env() reads the process environment."""
    monkeypatch.setenv("CHATTZ_CLIENT_ID", "env-client")
    monkeypatch.setenv("CHATTZ_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("CHATTZ_REDIRECT_URI", REDIRECT_URI)
    monkeypatch.delenv("CHATTZ_BASE_URL", raising=False)
    with ChattzOAuth.from_env() as session:
        assert ("env-client", BASE) == (session.config.client_id, session.config.base_url)


def test_100_concurrent_userinfo_calls_share_one_session() -> None:
    """100 threads share one session and its pool; each gets its own user back."""
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        token = request.headers["authorization"].removeprefix("Bearer ")
        calls.append(token)
        return httpx.Response(200, json={**USER, "id": int(token.removeprefix("t"))})

    results: dict[int, int] = {}
    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        session = ChattzOAuth(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, http_client=client)

        def one(n: int) -> None:
            results[n] = (session.userinfo(f"t{n}")).id

        sync_gather([functools.partial(one, n) for n in range(100)])
    assert {n: n for n in range(100)} == results
    assert 100 == len(calls)


def test_complete_login_checks_state_then_exchanges(
    chattz: ChattzOAuth, provider: respx.MockRouter
) -> None:
    """start_login() + complete_login() run the whole flow with the state checked."""
    route = provider.post("/oauth/token").respond(json=token_body())
    login = chattz.start_login(next_url="/account")
    callback = f"{REDIRECT_URI}?code=abc&state={login.state}"
    token = chattz.complete_login(callback, login)
    assert ACCESS_TOKEN == token.access_token
    assert ["abc"] == parse_qs(route.calls.last.request.content.decode())["code"]


def test_complete_login_wrong_state_sends_nothing(
    chattz: ChattzOAuth, provider: respx.MockRouter
) -> None:
    """A callback with another state is refused before any request."""
    route = provider.post("/oauth/token").respond(json=token_body())
    login = chattz.start_login()
    with pytest.raises(StateMismatchError):
        chattz.complete_login("?code=abc&state=forged", login)
    assert 0 == route.call_count


def test_complete_login_replay_is_refused(
    chattz: ChattzOAuth, provider: respx.MockRouter
) -> None:
    """The same callback delivered twice leads to one code exchange at most."""
    route = provider.post("/oauth/token").respond(json=token_body())
    login = chattz.start_login()
    callback = f"?code=abc&state={login.state}"
    chattz.complete_login(callback, login)
    with pytest.raises(StateMismatchError):
        chattz.complete_login(callback, login)
    assert 1 == route.call_count


def test_pkce_sends_challenge_and_verifier(
    clock: FakeClock, provider: respx.MockRouter
) -> None:
    """With pkce=True the authorize URL has an S256 challenge and the exchange the verifier."""
    from chattz_oauth_async.protocol import code_challenge

    route = provider.post("/oauth/token").respond(json=token_body())
    with ChattzOAuth(
        CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, pkce=True, clock=clock
    ) as session:
        login = session.start_login()
        query = parse_qs(httpx.URL(login.url).query.decode())
        session.complete_login(f"?code=abc&state={login.state}", login)
    form = parse_qs(route.calls.last.request.content.decode())
    assert login.code_verifier is not None
    assert (["S256"], [code_challenge(login.code_verifier)]) == (
        query["code_challenge_method"],
        query["code_challenge"],
    )
    assert [login.code_verifier] == form["code_verifier"]


def test_pkce_exchange_without_verifier_is_refused(
    clock: FakeClock, provider: respx.MockRouter
) -> None:
    """With PKCE on, exchanging a code without its verifier fails before sending."""
    route = provider.post("/oauth/token").respond(json=token_body())
    with ChattzOAuth(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, pkce=True) as session:
        with pytest.raises(ConfigurationError):
            session.exchange_code("abc")
    assert 0 == route.call_count


# --- refresh (RFC 6749 section 6) --------------------------------------------


def test_refresh_posts_the_refresh_grant_and_keeps_the_refresh_token(
    chattz: ChattzOAuth, provider: respx.MockRouter
) -> None:
    """refresh() sends grant_type=refresh_token and keeps the old refresh token if not rotated."""
    route = provider.post("/oauth/token").respond(json=token_body(access_token="new-access"))
    old = Token(access_token="old-access", expires_in=3600, refresh_token="r1")
    new = chattz.refresh(old)
    form = parse_qs(route.calls.last.request.content.decode())
    assert {
        "grant_type": ["refresh_token"],
        "refresh_token": ["r1"],
        "client_id": [CLIENT_ID],
        "client_secret": [CLIENT_SECRET],
    } == form
    assert ("new-access", "r1") == (new.access_token, new.refresh_token)


def test_refresh_takes_a_rotated_refresh_token(
    chattz: ChattzOAuth, provider: respx.MockRouter
) -> None:
    """A new refresh_token in the response replaces the old one."""
    provider.post("/oauth/token").respond(json=token_body(refresh_token="r2"))
    new = chattz.refresh(Token(access_token="a", refresh_token="r1"))
    assert "r2" == new.refresh_token


def test_refresh_revoked_is_invalid_grant(
    chattz: ChattzOAuth, provider: respx.MockRouter
) -> None:
    """A revoked or expired refresh token gives OAuthError(invalid_grant)."""
    provider.post("/oauth/token").respond(400, json={"error": "invalid_grant"})
    with pytest.raises(OAuthError) as caught:
        chattz.refresh(Token(access_token="a", refresh_token="r1"))
    assert "invalid_grant" == caught.value.error


def test_refresh_without_refresh_token_says_log_in_again(
    chattz: ChattzOAuth,
) -> None:
    """Without a refresh token there is nothing to refresh: a new login is needed."""
    with pytest.raises(TokenExpiredError, match="log in again"):
        chattz.refresh(Token(access_token="a"))


def test_token_holder_refreshes_once_for_many_callers(
    clock: FakeClock, provider: respx.MockRouter
) -> None:
    """10 concurrent callers of an expired token cause exactly one refresh."""
    route = provider.post("/oauth/token").respond(
        json=token_body(access_token="fresh", refresh_token="r2")
    )
    updates: list[Token] = []

    def persist(token: Token) -> None:
        updates.append(token)

    with ChattzOAuth(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, clock=clock) as session:
        expired = Token(
            access_token="stale", expires_in=60, expires_at=clock.now - 1, refresh_token="r1"
        )
        holder = TokenHolder(session, expired, on_update=persist)
        got: list[str] = []

        def caller() -> None:
            got.append((holder.get()).access_token)

        sync_gather([caller] * 10)
    assert 1 == route.call_count
    assert ["fresh"] * 10 == got
    assert ["r2"] == [token.refresh_token for token in updates]


def test_token_holder_without_refresh_token_raises(
    chattz: ChattzOAuth, clock: FakeClock
) -> None:
    """An expired token with no refresh token raises TokenExpiredError from the holder."""
    holder = TokenHolder(
        chattz, Token(access_token="a", expires_in=60, expires_at=clock.now - 100)
    )
    with pytest.raises(TokenExpiredError, match="log in again"):
        holder.get()


def test_token_holder_returns_a_valid_token_without_refreshing(
    chattz: ChattzOAuth, provider: respx.MockRouter, clock: FakeClock
) -> None:
    """A token far from expiry is returned as is."""
    route = provider.post("/oauth/token").respond(json=token_body())
    token = Token(access_token="a", expires_in=3600, expires_at=clock.now + 3600)
    assert token == TokenHolder(chattz, token).get()
    assert 0 == route.call_count


# --- retries --------------------------------------------------------------------


def test_userinfo_retries_503_then_succeeds(
    clock: FakeClock, provider: respx.MockRouter
) -> None:
    """userinfo (an idempotent GET) retries a 503 and then returns the user."""
    route = provider.get("/oauth/userinfo")
    route.side_effect = [httpx.Response(503), httpx.Response(200, json=USER)]
    with ChattzOAuth(
        CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, retry=RetryPolicy(base_delay=0, max_delay=0)
    ) as session:
        user = session.userinfo(ACCESS_TOKEN)
    assert (123, 2) == (user.id, route.call_count)


def test_exchange_is_not_retried_after_a_5xx(provider: respx.MockRouter) -> None:
    """A 503 from the token endpoint is not retried: the code may have been used."""
    route = provider.post("/oauth/token").respond(503)
    with ChattzOAuth(
        CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, retry=RetryPolicy(base_delay=0, max_delay=0)
    ) as session:
        with pytest.raises(ProviderError):
            session.exchange_code("abc")
    assert 1 == route.call_count


def test_exchange_is_retried_when_the_connection_never_opened(
    provider: respx.MockRouter,
) -> None:
    """A connect failure means the code never reached the server: retrying is safe."""
    route = provider.post("/oauth/token")
    route.side_effect = [httpx.ConnectError("refused"), httpx.Response(200, json=token_body())]
    with ChattzOAuth(
        CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, retry=RetryPolicy(base_delay=0, max_delay=0)
    ) as session:
        token = session.exchange_code("abc")
    assert (ACCESS_TOKEN, 2) == (token.access_token, route.call_count)


def test_repr_shows_no_secret(unopened: ChattzOAuth) -> None:
    """The session's repr names the client but never the secret."""
    text = repr(unopened) + str(unopened) + repr(unopened.config)
    assert CLIENT_ID in text
    assert CLIENT_SECRET not in text


def test_token_json_round_trip_keeps_expiry(
    chattz: ChattzOAuth, provider: respx.MockRouter, clock: FakeClock
) -> None:
    """A token saved with to_dict() and read back with from_dict() knows when it expires."""
    provider.post("/oauth/token").respond(json=token_body(refresh_token="r", scope="profile"))
    token = chattz.exchange_code("abc")
    restored = Token.from_dict(json.loads(json.dumps(token.to_dict())))
    assert token == restored
    assert (False, True) == (
        restored.is_expired(clock.now + 100),
        restored.is_expired(clock.now + 3600),
    )


def test_only_boundable_encodings_are_accepted(provider: respx.MockRouter) -> None:
    """A client that would offer br or zstd is overridden to gzip, deflate (inflated with a cap)."""
    route = provider.get("/oauth/userinfo").respond(json=USER)
    with httpx.Client(headers={"Accept-Encoding": "gzip, br, zstd"}) as client:
        session = ChattzOAuth(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, http_client=client)
        session.userinfo(ACCESS_TOKEN)
    with httpx.Client(headers={"Accept-Encoding": "gzip"}) as client:
        session = ChattzOAuth(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, http_client=client)
        session.userinfo(ACCESS_TOKEN)
    sent = [call.request.headers["accept-encoding"] for call in route.calls]
    assert ["gzip, deflate", "gzip"] == sent


def test_gzip_response_is_inflated(provider: respx.MockRouter) -> None:
    """A gzip-encoded userinfo body (as a real server may send) is inflated and parsed."""
    import gzip

    provider.get("/oauth/userinfo").respond(
        content=gzip.compress(json.dumps(USER).encode()),
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    with ChattzOAuth(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI) as session:
        user = session.userinfo(ACCESS_TOKEN)
    assert 123 == user.id


def test_login_that_never_reached_the_provider_stays_retryable() -> None:
    """A code exchange that could not connect leaves the login open; once sent, it is spent."""
    answers: list[Exception | httpx.Response] = [
        httpx.ConnectError("refused"),
        httpx.Response(200, json=token_body()),
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    session = transport_session(handler)
    login = session.start_login()
    callback = f"?code=abc&state={login.state}"
    with pytest.raises(TransportError):
        session.complete_login(callback, login)
    token = session.complete_login(callback, login)
    with pytest.raises(StateMismatchError):
        session.complete_login(callback, login)
    session.close()
    assert ACCESS_TOKEN == token.access_token


def test_login_whose_exchange_was_sent_is_spent_even_on_failure() -> None:
    """A code exchange that failed after sending (read timeout) counts as used."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow")

    session = transport_session(handler)
    login = session.start_login()
    callback = f"?code=abc&state={login.state}"
    with pytest.raises(TransportTimeout):
        session.complete_login(callback, login)
    with pytest.raises(StateMismatchError) as caught:
        session.complete_login(callback, login)
    session.close()
    assert "already completed" in str(caught.value)
