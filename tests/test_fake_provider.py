"""FakeChattz: the in-memory provider, its transport, ASGI app and loopback server."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import httpx2
import pytest

from chattz_oauth_async import (
    AuthorizationDenied,
    ConfigurationError,
    InvalidTokenError,
    OAuthError,
    ProviderError,
    RetryPolicy,
    TokenExpiredError,
    TransportError,
    TransportTimeout,
)
from chattz_oauth_async.testing import ErrorPage, FakeChattz, FakeUser, parse_form
from tests.helpers import FakeClock, in_threads

pytestmark = pytest.mark.anyio

FORM = {"content-type": "application/x-www-form-urlencoded"}


def query(url: str) -> dict[str, list[str]]:
    """The query parameters of ``url``."""
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


def authorize_target(fake: FakeChattz, **params: str) -> str:
    """A GET /oauth/authorize target for the default client, with ``params`` overriding."""
    values = {
        "response_type": "code",
        "client_id": fake.client.client_id,
        "redirect_uri": fake.client.redirect_uri,
        "state": "xyz",
    }
    values.update(params)
    return "/oauth/authorize?" + urlencode({k: v for k, v in values.items() if v != "-"})


def get_code(fake: FakeChattz, **params: str) -> str:
    """Approve an authorization and return the code."""
    return query(fake.authorize(authorize_target(fake, **params)))["code"][0]


def token_form(fake: FakeChattz, the_code: str, **extra: str) -> bytes:
    """A client_secret_post token request body for ``the_code``."""
    values = {
        "grant_type": "authorization_code",
        "code": the_code,
        "client_id": fake.client.client_id,
        "client_secret": fake.client.client_secret,
        "redirect_uri": fake.client.redirect_uri,
    }
    values.update(extra)
    return urlencode({k: v for k, v in values.items() if v != "-"}).encode()


@pytest.fixture
def fake() -> FakeChattz:
    """A fresh fake provider."""
    return FakeChattz()


# --- the documented flow ------------------------------------------------------


@pytest.mark.parametrize("pkce", [False, True])
async def test_async_session_runs_the_documented_flow(fake: FakeChattz, pkce: bool) -> None:
    """The async session logs in, exchanges the code and reads the doc's example user."""
    async with fake.session(pkce=pkce) as chattz:
        login = chattz.start_login()
        token = await chattz.complete_login(fake.authorize(login.url), login)
        user = await chattz.userinfo(token)
    assert (123, "johndoe", "John", "Doe") == (
        user.id,
        user.username,
        user.first_name,
        user.last_name,
    )
    assert 3600 == token.expires_in
    assert ["authorize", "authorize", "token", "userinfo"] == [
        r.path.rsplit("/", 1)[1] for r in fake.requests
    ]


def test_sync_session_runs_the_documented_flow(fake: FakeChattz) -> None:
    """The sync twin runs the same flow over httpx.Client."""
    with fake.sync_session(pkce=True) as chattz:
        login = chattz.start_login()
        token = chattz.complete_login(fake.authorize(login.url), login)
        assert "johndoe" == chattz.userinfo(token).username


async def test_transport_works_with_httpx2(fake: FakeChattz) -> None:
    """fake.transport(httpx2) serves an httpx2.AsyncClient."""
    async with httpx2.AsyncClient(transport=fake.transport(httpx2)) as client:
        chattz = fake.session(http_client=client)
        login = chattz.start_login()
        token = await chattz.complete_login(fake.authorize(login.url), login)
        assert "johndoe" == (await chattz.userinfo(token)).username
    assert 4 == len(fake.requests)


def test_userinfo_matches_the_documented_example(fake: FakeChattz) -> None:
    """userinfo's JSON has exactly the documented fields."""
    code = get_code(fake)
    token = json.loads(fake.handle("POST", "/oauth/token", FORM, token_form(fake, code)).body)
    response = fake.handle(
        "GET", "/oauth/userinfo", {"Authorization": f"Bearer {token['access_token']}"}
    )
    assert 200 == response.status
    assert {
        "id": 123,
        "username": "johndoe",
        "email": "johndoe@example.com",
        "first_name": "John",
        "last_name": "Doe",
        "avatar": "https://chattz.test/avatars/johndoe.png",
    } == json.loads(response.body)


def test_token_response_shape_and_no_store(fake: FakeChattz) -> None:
    """A successful token response is Bearer with expires_in and Cache-Control: no-store."""
    response = fake.handle("POST", "/oauth/token", FORM, token_form(fake, get_code(fake)))
    body = json.loads(response.body)
    assert ({"access_token", "token_type", "expires_in"}, "Bearer", 3600) == (
        set(body),
        body["token_type"],
        body["expires_in"],
    )
    assert "no-store" == response.header("cache-control")


# --- authorize ----------------------------------------------------------------


def test_consent_page_shows_the_user_and_a_working_form(fake: FakeChattz) -> None:
    """The consent page says who is signed in and posts back with Allow / Deny."""
    response = fake.handle("GET", authorize_target(fake, state="<b>&"), {})
    page = response.body.decode()
    action, method, fields, buttons = parse_form(page)
    assert (200, "/oauth/authorize", "post") == (response.status, action, method)
    assert "Signed in as johndoe" in page
    assert {"decision": ["allow", "deny"]} == buttons
    assert "<b>&" == fields["state"]
    assert "<b>&" not in page


def test_allow_echoes_state_exactly(fake: FakeChattz) -> None:
    """Allow redirects to redirect_uri with a code and the state unchanged."""
    location = fake.authorize(authorize_target(fake, state="a b/+=&?"))
    assert "http://127.0.0.1:8000/callback" == location.split("?")[0]
    assert ["a b/+=&?"] == query(location)["state"]
    assert {"code", "state"} == set(query(location))


def test_no_state_means_no_state_in_the_redirect(fake: FakeChattz) -> None:
    """Without a state the redirect carries none."""
    assert {"code"} == set(query(fake.authorize(authorize_target(fake, state="-"))))


async def test_deny_redirects_with_access_denied(fake: FakeChattz) -> None:
    """Deny redirects with error=access_denied and the state; the session raises."""
    async with fake.session() as chattz:
        login = chattz.start_login()
        callback = fake.authorize(login.url, approve=False)
        assert ["access_denied"] == query(callback)["error"]
        assert [login.state] == query(callback)["state"]
        with pytest.raises(AuthorizationDenied) as info:
            await chattz.complete_login(callback, login)
    assert "access_denied" == info.value.error


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"client_id": "nobody"}, "Unknown client_id"),
        ({"redirect_uri": "https://evil.example/cb"}, "redirect_uri does not match"),
        ({"redirect_uri": "-"}, "redirect_uri does not match"),
        ({"redirect_uri": "http://127.0.0.1:8000/callback/"}, "redirect_uri does not match"),
    ],
)
def test_bad_client_or_redirect_uri_gets_an_error_page_never_a_redirect(
    fake: FakeChattz, params: dict[str, str], message: str
) -> None:
    """An unknown client or a wrong redirect_uri shows a 400 page (RFC 6749 4.1.2.1)."""
    response = fake.handle("GET", authorize_target(fake, **params), {})
    assert (400, None) == (response.status, response.header("location"))
    with pytest.raises(ErrorPage) as info:
        fake.authorize(authorize_target(fake, **params))
    assert message in info.value.message


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": "-"}, "unsupported_response_type"),
        ({"code_challenge": "x" * 43, "code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": "x" * 43}, "invalid_request"),
        ({"code_challenge": "short", "code_challenge_method": "S256"}, "invalid_request"),
    ],
)
def test_bad_authorize_parameters_redirect_with_an_error(
    fake: FakeChattz, params: dict[str, str], error: str
) -> None:
    """Other authorize errors redirect back with the error and the state."""
    location = fake.authorize(authorize_target(fake, **params))
    assert ([error], ["xyz"]) == (query(location)["error"], query(location)["state"])


def test_auto_approve_as_a_given_user() -> None:
    """auto_approve=FakeUser redirects at once and signs that user in, extra fields kept."""
    fake = FakeChattz()
    alice = fake.add_user(id=7, username="alice", email=None, locale="fr")
    fake.auto_approve = alice
    with fake.sync_session() as chattz:
        login = chattz.start_login()
        assert 302 == fake.handle("GET", login.url, {}).status
        fake.requests.clear()
        user = chattz.userinfo(chattz.complete_login(fake.authorize(login.url), login))
    assert (7, "alice", None, "fr") == (user.id, user.username, user.email, user.raw["locale"])


def test_authorize_as_another_user(fake: FakeChattz) -> None:
    """fake.authorize(user=...) approves as that user."""
    bob = fake.add_user(id=9, username="bob")
    with fake.sync_session() as chattz:
        login = chattz.start_login()
        token = chattz.complete_login(fake.authorize(login.url, user=bob), login)
        assert "bob" == chattz.userinfo(token).username


# --- token --------------------------------------------------------------------


@pytest.mark.parametrize(
    "override",
    [{"client_secret": "wrong"}, {"client_secret": "-"}, {"client_id": "nobody"}],
)
def test_bad_client_credentials_are_invalid_client(
    fake: FakeChattz, override: dict[str, str]
) -> None:
    """Wrong client credentials get 401 invalid_client with WWW-Authenticate: Basic."""
    response = fake.handle(
        "POST", "/oauth/token", FORM, token_form(fake, get_code(fake), **override)
    )
    assert (401, "invalid_client") == (response.status, json.loads(response.body)["error"])
    assert 'Basic realm="chattz"' == response.header("www-authenticate")


@pytest.mark.parametrize(
    ("override", "error"),
    [
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"grant_type": "refresh_token"}, "unsupported_grant_type"),
        ({"grant_type": "-"}, "invalid_request"),
        ({"code": "-"}, "invalid_request"),
        ({"code": "not-a-code"}, "invalid_grant"),
        ({"redirect_uri": "http://127.0.0.1:8000/other"}, "invalid_grant"),
        ({"redirect_uri": "-"}, "invalid_grant"),
        ({"code_verifier": "a" * 43}, "invalid_grant"),
    ],
)
def test_token_errors_are_rfc6749_json(
    fake: FakeChattz, override: dict[str, str], error: str
) -> None:
    """Token endpoint errors are RFC 6749 5.2 JSON bodies with status 400."""
    response = fake.handle(
        "POST", "/oauth/token", FORM, token_form(fake, get_code(fake), **override)
    )
    assert (400, error) == (response.status, json.loads(response.body)["error"])
    assert "application/json" == response.header("content-type")


def test_token_request_must_be_form_encoded(fake: FakeChattz) -> None:
    """A JSON token request is invalid_request."""
    body = json.dumps({"grant_type": "authorization_code"}).encode()
    response = fake.handle("POST", "/oauth/token", {"content-type": "application/json"}, body)
    assert (400, "invalid_request") == (response.status, json.loads(response.body)["error"])


def test_repeated_parameter_is_invalid_request(fake: FakeChattz) -> None:
    """A token request repeating a parameter is refused (RFC 6749 3.2)."""
    body = token_form(fake, get_code(fake)) + b"&code=again"
    response = fake.handle("POST", "/oauth/token", FORM, body)
    assert "invalid_request" == json.loads(response.body)["error"]


@pytest.mark.parametrize("verifier", [None, "b" * 64])
async def test_pkce_verifier_must_match(fake: FakeChattz, verifier: str | None) -> None:
    """With a code_challenge at authorize, a missing or wrong verifier is invalid_grant."""
    async with fake.session(pkce=True) as chattz:
        login = chattz.start_login()
        code = query(fake.authorize(login.url))["code"][0]
        extra = {} if verifier is None else {"code_verifier": verifier}
        body = token_form(fake, code, **extra)
    response = fake.handle("POST", "/oauth/token", FORM, body)
    assert "invalid_grant" == json.loads(response.body)["error"]


async def test_code_reuse_fails_and_revokes_its_tokens(fake: FakeChattz) -> None:
    """A code used twice fails and revokes the token issued for it (RFC 6749 4.1.2)."""
    async with fake.session() as chattz:
        code = get_code(fake)
        token = await chattz.exchange_code(code)
        with pytest.raises(OAuthError) as info:
            await chattz.exchange_code(code)
        assert ("invalid_grant", 400) == (info.value.error, info.value.status_code)
        with pytest.raises(InvalidTokenError):
            await chattz.userinfo(token)


async def test_code_expires_after_code_lifetime() -> None:
    """A code older than code_lifetime is invalid_grant."""
    fake = FakeChattz(code_lifetime=60)
    async with fake.session() as chattz:
        code = get_code(fake)
        fake.advance(61)
        with pytest.raises(OAuthError) as info:
            await chattz.exchange_code(code)
    assert "invalid_grant" == info.value.error


@pytest.mark.parametrize("rotate", [True, False])
async def test_refresh_tokens_and_rotation(rotate: bool) -> None:
    """Refresh works; with rotation the old refresh token stops working."""
    fake = FakeChattz(issue_refresh_tokens=True, rotate_refresh_tokens=rotate)
    async with fake.session() as chattz:
        first = await chattz.exchange_code(get_code(fake))
        second = await chattz.refresh(first)
        assert "johndoe" == (await chattz.userinfo(second)).username
        assert rotate == (second.refresh_token != first.refresh_token)
        if rotate:
            with pytest.raises(OAuthError) as info:
                await chattz.refresh(first)
            assert "invalid_grant" == info.value.error
        else:
            assert first.refresh_token == (await chattz.refresh(first)).refresh_token


# --- userinfo -----------------------------------------------------------------


async def test_expired_token_gets_401_invalid_token() -> None:
    """After advance() past the lifetime, userinfo answers 401 invalid_token."""
    clock = FakeClock()
    fake = FakeChattz(clock=clock, token_lifetime=100)
    async with fake.session(clock=clock) as chattz:
        token = await chattz.exchange_code(get_code(fake))
        fake.advance(101)
        with pytest.raises(InvalidTokenError) as info:
            await chattz.userinfo(token.access_token)
        clock.now += 101
        with pytest.raises(TokenExpiredError):
            await chattz.userinfo(token)
    assert ("invalid_token", 401) == (info.value.error, info.value.status_code)
    response = fake.handle(
        "GET", "/oauth/userinfo", {"authorization": f"Bearer {token.access_token}"}
    )
    assert 'error="invalid_token"' in str(response.header("www-authenticate"))


async def test_revoked_token_is_refused(fake: FakeChattz) -> None:
    """fake.revoke() makes the token invalid."""
    async with fake.session() as chattz:
        token = await chattz.exchange_code(get_code(fake))
        fake.revoke(token.access_token)
        with pytest.raises(InvalidTokenError):
            await chattz.userinfo(token)


def test_missing_bearer_token_gets_401_challenge(fake: FakeChattz) -> None:
    """Without credentials userinfo answers 401 with a bare Bearer challenge (RFC 6750 3.1)."""
    response = fake.handle("GET", "/oauth/userinfo", {})
    assert (401, 'Bearer realm="chattz"') == (
        response.status,
        response.header("www-authenticate"),
    )


def test_unknown_path_and_method(fake: FakeChattz) -> None:
    """Unknown paths get 404 and wrong methods 405."""
    assert (404, 405) == (
        fake.handle("GET", "/nope", {}).status,
        fake.handle("GET", "/oauth/token", {}).status,
    )


# --- recording and fault injection --------------------------------------------


async def test_requests_are_recorded(fake: FakeChattz) -> None:
    """The token request is recorded with its form, lower-case headers and no query."""
    async with fake.session() as chattz:
        await chattz.exchange_code(get_code(fake))
    token_request = fake.requests[-1]
    assert ("POST", "/oauth/token", {}) == (
        token_request.method,
        token_request.path,
        token_request.query,
    )
    assert "test-secret" == token_request.form["client_secret"]
    assert "application/x-www-form-urlencoded" == token_request.headers["content-type"]
    assert "test-secret" not in repr(token_request)


async def test_fail_next_returns_the_given_status_then_recovers(fake: FakeChattz) -> None:
    """fail_next makes N calls fail with an HTML 500, then the endpoint works again."""
    fake.fail_next("userinfo", times=2, status=503)
    async with fake.session(retry=RetryPolicy(attempts=1)) as chattz:
        token = await chattz.exchange_code(get_code(fake))
        for _ in range(2):
            with pytest.raises(ProviderError) as info:
                await chattz.userinfo(token)
            assert 503 == info.value.status_code
        assert "johndoe" == (await chattz.userinfo(token)).username


async def test_fail_next_malformed_json_body(fake: FakeChattz) -> None:
    """A malformed JSON token body becomes a typed ProviderError."""
    fake.fail_next("token", status=200, body=b'{"access_token": ')
    async with fake.session() as chattz:
        with pytest.raises(ProviderError) as info:
            await chattz.exchange_code(get_code(fake))
    assert 200 == info.value.status_code


async def test_fail_next_drop_raises_a_transport_error(fake: FakeChattz) -> None:
    """drop=True closes the connection: the session raises TransportError."""
    fake.fail_next("userinfo", drop=True)
    async with fake.session(retry=RetryPolicy(attempts=1)) as chattz:
        with pytest.raises(TransportError):
            await chattz.userinfo("some-token")


def test_fail_next_drop_with_httpx2(fake: FakeChattz) -> None:
    """In transport mode a drop raises the module's own RemoteProtocolError."""
    fake.fail_next("token", drop=True)
    with (
        httpx2.Client(transport=fake.transport(httpx2)) as client,
        pytest.raises(httpx2.RemoteProtocolError),
    ):
        client.post("https://chattz.test/oauth/token")


async def test_delay_past_the_total_timeout(fake: FakeChattz) -> None:
    """A delayed answer longer than total_timeout raises TransportTimeout."""
    fake.delay_next("userinfo", 5.0)
    async with fake.session(total_timeout=0.2, retry=RetryPolicy(attempts=1)) as chattz:
        with pytest.raises(TransportTimeout):
            await chattz.userinfo("some-token")


def test_fail_next_rejects_unknown_endpoints(fake: FakeChattz) -> None:
    """fail_next() names the valid endpoints."""
    with pytest.raises(ValueError, match="unknown endpoint"):
        fake.fail_next("tokens")  # type: ignore[arg-type]


def test_reprs_hide_secrets(fake: FakeChattz) -> None:
    """FakeClient and FakeChattz reprs do not show the client secret."""
    assert "test-secret" not in repr(fake.client) + repr(fake)


# --- ASGI and served modes ----------------------------------------------------


async def test_asgi_app_runs_the_flow(fake: FakeChattz) -> None:
    """fake.asgi serves the same endpoints through httpx.ASGITransport."""
    transport = httpx.ASGITransport(app=fake.asgi)
    async with httpx.AsyncClient(transport=transport) as client:
        chattz = fake.session(http_client=client)
        login = chattz.start_login()
        response = await client.get(login.url)
        assert 200 == response.status_code
        token = await chattz.complete_login(fake.authorize(login.url), login)
        assert "johndoe" == (await chattz.userinfo(token)).username


@pytest.fixture
def served(fake: FakeChattz) -> Iterator[str]:
    """The fake served on loopback; yields its base URL."""
    with fake.serve() as server:
        yield server.base_url


async def test_served_fake_over_real_http(fake: FakeChattz, served: str) -> None:
    """Served on loopback, the fake runs the flow over real HTTP, consent page included."""
    assert served == fake.base_url
    async with fake.session(real_http=True, pkce=True) as chattz, httpx.AsyncClient() as browser:
        login = chattz.start_login()
        page = await browser.get(login.url)
        action, _, fields, _ = parse_form(page.text)
        answer = await browser.post(served + action, data={**fields, "decision": "allow"})
        assert 302 == answer.status_code
        token = await chattz.complete_login(answer.headers["location"], login)
        assert "johndoe" == (await chattz.userinfo(token)).username


async def test_served_drop_closes_the_connection(fake: FakeChattz, served: str) -> None:
    """A served drop closes the socket without an answer."""
    fake.fail_next("userinfo", drop=True)
    async with fake.session(real_http=True, retry=RetryPolicy(attempts=1)) as chattz:
        with pytest.raises(TransportError):
            await chattz.userinfo("some-token")


def test_serve_restores_base_url_and_stops() -> None:
    """After the server stops, base_url is the configured one again and the port is closed."""
    fake = FakeChattz()
    with fake.serve() as server:
        url = server.base_url
    assert "https://chattz.test" == fake.base_url
    with httpx.Client() as client, pytest.raises(httpx.ConnectError):
        client.get(url + "/oauth/userinfo", timeout=2)


def test_real_http_needs_a_served_fake(fake: FakeChattz) -> None:
    """session(real_http=True) without serve() explains itself."""
    with pytest.raises(RuntimeError, match=r"fake\.serve"):
        fake.session(real_http=True)


def test_serve_refuses_non_loopback_hosts(fake: FakeChattz) -> None:
    """The fake only listens on loopback."""
    with pytest.raises(ConfigurationError, match="loopback"):
        fake.serve(host="0.0.0.0")


def test_concurrent_served_logins_do_not_mix(fake: FakeChattz, served: str) -> None:
    """Many threads logging in different users at once each get their own user."""
    users = [fake.add_user(id=1000 + n, username=f"user{n}") for n in range(8)]
    results: dict[int, str] = {}

    def login(user: FakeUser) -> None:
        with fake.sync_session(real_http=True) as chattz:
            started = chattz.start_login()
            token = chattz.complete_login(fake.authorize(started.url, user=user), started)
            results[user.id] = chattz.userinfo(token).username

    in_threads([functools.partial(login, user) for user in users], timeout=30)
    assert {u.id: u.username for u in users} == results
