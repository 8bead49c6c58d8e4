"""The framework-neutral login flow (integrations.flow) on its own, with no web framework.

``begin`` and ``finish`` are driven with plain ``WebRequest`` values against the fake
provider in-process; the account step runs on SQLite (aiosqlite: asyncio only). The
error table every helper answers with is pure and tested once.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import create_async_engine

from chattz_oauth_async import (
    AccountError,
    AccountLinkedElsewhere,
    AccountStoreError,
    AsyncChattzOAuth,
    AuthorizationDenied,
    ChattzOAuth,
    ConfigurationError,
    InactiveUser,
    LinkRefused,
    LoginStateError,
    OAuthError,
    ProviderError,
    SignupsClosed,
    StateMismatchError,
    TransportError,
    UnlinkRefused,
    UnsafeRedirectError,
)
from chattz_oauth_async.accounts import Accounts, AsyncAccounts, Outcome
from chattz_oauth_async.accounts.sqlalchemy import AsyncSQLAlchemyStore, SQLAlchemyStore
from chattz_oauth_async.integrations.cookies import LoginCookies
from chattz_oauth_async.integrations.flow import (
    AsyncLoginFlow,
    LoginFinish,
    LoginFlow,
    LoginResult,
    LoginStart,
    WebRequest,
    describe_error,
)
from chattz_oauth_async.testing import FakeChattz
from tests.helpers import secrets_in_frames

KEY = "flow-test-secret-key-" * 2
APP = "https://app.example"


def callback_request(fake: FakeChattz, started: LoginStart, **authorize: object) -> WebRequest:
    """The browser back at the callback: the started login's cookies and Chattz's query."""
    cookies = {cookie.name: cookie.value for cookie in started.cookies if cookie.value}
    query = urlsplit(fake.authorize(started.location, **authorize)).query  # type: ignore[arg-type]
    return WebRequest(f"{APP}/callback?{query}", cookies, parse_qsl(query))


# --- the error table every web helper uses ------------------------------------------------


@pytest.mark.parametrize(
    ("error", "status", "title"),
    [
        (AuthorizationDenied("access_denied"), 400, "Login cancelled"),
        (LoginStateError("old", expired=True), 400, "Login expired"),
        (LoginStateError("tampered"), 400, "Login link not valid"),
        (StateMismatchError("no login"), 400, "Login link not valid"),
        (UnsafeRedirectError("//evil"), 400, "Login link not valid"),
        (ProviderError("two codes"), 400, "Login link not valid"),
        (ProviderError("bad gateway", status_code=502), 502, "Chattz is not available"),
        (OAuthError("invalid_grant"), 400, "Login expired"),
        (OAuthError("server_error", status_code=500), 502, "Chattz is not available"),
        (TransportError("refused"), 502, "Chattz is not available"),
        (AccountLinkedElsewhere(5), 409, "Chattz account already linked"),
        (UnlinkRefused(5), 409, "Chattz account not unlinked"),
        (LinkRefused("gone"), 403, "Linking not completed"),
        (SignupsClosed(5), 403, "Sign-ups are closed"),
        (InactiveUser(), 403, "Account disabled"),
        (AccountStoreError("lost", transient=True), 503, "Sign-in is not available"),
        (AccountError("raced"), 503, "Sign-in is not available"),
        (AccountStoreError("no table", transient=False), 500, "Sign-in is misconfigured"),
        (ConfigurationError("no key"), 500, "Sign-in is misconfigured"),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else None,
)
def test_describe_error_is_one_table(error: Exception, status: int, title: str) -> None:
    """Each error's status and title; only a transient failure says to try again."""
    answer = describe_error(error)  # type: ignore[arg-type]
    retry = "try again in a moment" in answer[2]
    assert (status, title, status == 503 or status == 502) == (answer[0], answer[1], retry)


# --- the flow without accounts (asyncio and trio) --------------------------------------------


@pytest.fixture
def fake() -> FakeChattz:
    """The provider, with John Doe (123) and Ann (7)."""
    fake = FakeChattz()
    fake.add_user(id=7, username="ann", first_name="Ann")
    return fake


@pytest.fixture
async def chattz(fake: FakeChattz) -> AsyncIterator[AsyncChattzOAuth]:
    """An async session wired to the fake in-process."""
    async with fake.session() as session:
        yield session


@pytest.mark.anyio
async def test_begin_and_finish_complete_a_login(
    fake: FakeChattz, chattz: AsyncChattzOAuth
) -> None:
    """begin: a 303 to Chattz and the login's cookie; finish: the result, the cookie deleted."""
    flow = AsyncLoginFlow(chattz, LoginCookies(KEY))
    started = flow.begin(WebRequest(f"{APP}/login", {}), "/account", scope="profile")
    finished = await flow.finish(callback_request(fake, started))
    assert finished.result is not None
    assert (
        303,
        "no-store",
        True,
        ["__Host-chattz_login_"],
        (123, "/account", None, None),
        [(started.cookies[0].name, "", 0)],
        {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    ) == (
        started.status,
        started.headers["Cache-Control"],
        started.headers["Location"].startswith("https://chattz.test/oauth/authorize?"),
        [cookie.name[:20] for cookie in started.cookies],
        (
            finished.result.user.id,
            finished.result.next_url,
            finished.result.signed_in,
            finished.result.link_user_id,
        ),
        [(c.name, c.value, c.max_age) for c in finished.cookies],
        dict(finished.headers),
    )


@pytest.mark.anyio
async def test_a_failed_login_s_error_leaves_no_secret_in_its_frames(
    fake: FakeChattz, chattz: AsyncChattzOAuth
) -> None:
    """The error ``finish`` returns (the code refused at the exchange) is what an app hands
    to its error tracker: no frame of its traceback holds the code, the client secret or
    the login cookie's value (``WebRequest`` and the flow's values hide theirs in repr)."""
    flow = AsyncLoginFlow(chattz, LoginCookies(KEY))
    started = flow.begin(WebRequest(APP, {}))
    request = callback_request(fake, started)
    fake.fail_next("token", status=400, body=b'{"error": "invalid_grant"}')
    finished = await flow.finish(request)
    secrets = [dict(request.query)["code"], fake.client.client_secret]
    secrets += [cookie.value for cookie in started.cookies if cookie.value]
    assert finished.error is not None
    assert (type(finished.error), secrets_in_frames(finished.error, secrets)) == (OAuthError, [])


@pytest.mark.anyio
async def test_every_failure_is_returned_never_raised(
    fake: FakeChattz, chattz: AsyncChattzOAuth, caplog: pytest.LogCaptureFixture
) -> None:
    """Denied, foreign, replayed and tampered callbacks come back as errors, each logged once."""
    caplog.set_level(logging.INFO, logger="chattz_oauth_async.login")
    flow = AsyncLoginFlow(chattz, LoginCookies(KEY))
    denied = await flow.finish(
        callback_request(fake, flow.begin(WebRequest(APP, {})), approve=False)
    )
    mine = flow.begin(WebRequest(APP, {}))
    foreign = callback_request(fake, flow.begin(WebRequest(APP, {})))
    stolen = await flow.finish(WebRequest(foreign.url, {}, foreign.query))
    used = callback_request(fake, mine)
    await flow.finish(used)
    replayed = await flow.finish(used)
    tampered = await flow.finish(
        WebRequest(used.url, {n: v[:-2] + "xx" for n, v in used.cookies.items()}, used.query)
    )
    kinds = [type(f.error).__name__ for f in (denied, stolen, replayed, tampered)]
    refused = [r.getMessage() for r in caplog.records if r.name == "chattz_oauth_async.login"]
    assert (
        ["AuthorizationDenied", "StateMismatchError", "StateMismatchError", "LoginStateError"],
        [None] * 4,
        4,
        [],
    ) == (
        kinds,
        [f.result for f in (denied, stolen, replayed, tampered)],
        len(refused),
        stolen.cookies,  # no cookie of this browser to delete
    )


@pytest.mark.anyio
@pytest.mark.checklist(2)
async def test_checklist_2_a_state_issued_to_another_browser_is_refused(
    fake: FakeChattz, chattz: AsyncChattzOAuth
) -> None:
    """The attacker's genuine callback (this app, this key) opened in the victim's browser.

    Two browsers, two cookie jars, one app: the attacker starts a login and lets Chattz
    approve it as mallory; the victim has a login of their own in progress (a genuine
    state of the same app) and opens the attacker's callback URL. Refused as a
    StateMismatchError (400 "Login link not valid"), nothing exchanged, the victim's
    own cookie kept; the victim's login then completes as the victim.
    """
    mallory = fake.add_user(id=666, username="mallory")
    flow = AsyncLoginFlow(chattz, LoginCookies(KEY))

    def exchanges() -> int:
        return [request.path for request in fake.requests].count("/oauth/token")

    attacker = callback_request(fake, flow.begin(WebRequest(APP, {})), user=mallory)
    victim_start = flow.begin(WebRequest(APP, {}))
    victim_jar = {cookie.name: cookie.value for cookie in victim_start.cookies if cookie.value}
    forged = await flow.finish(WebRequest(attacker.url, victim_jar, attacker.query))
    exchanged_for_forged = exchanges()
    own = await flow.finish(callback_request(fake, victim_start))
    assert forged.error is not None
    assert own.result is not None
    assert (
        (1, 1, False),
        ("StateMismatchError", None, [], 400, "Login link not valid", 0),
        (123, 1),
    ) == (
        (len(attacker.cookies), len(victim_jar), set(attacker.cookies) == set(victim_jar)),
        (
            type(forged.error).__name__,
            forged.result,
            forged.cookies,  # the victim's pending login is not deleted
            forged.error_page()[0],
            describe_error(forged.error)[1],
            exchanged_for_forged,
        ),
        (own.result.user.id, exchanges()),
    )


@pytest.mark.anyio
async def test_finish_error_page_and_its_absence(
    fake: FakeChattz, chattz: AsyncChattzOAuth
) -> None:
    """LoginFinish.error_page() is the error's page; a success has none (ValueError)."""
    flow = AsyncLoginFlow(chattz, LoginCookies(KEY))
    denied = await flow.finish(
        callback_request(fake, flow.begin(WebRequest(APP, {})), approve=False)
    )
    done = await flow.finish(callback_request(fake, flow.begin(WebRequest(APP, {}))))
    status, page = denied.error_page()
    with pytest.raises(ValueError, match="no error page"):
        done.error_page()
    assert (400, True) == (status, "<h1 id=error>Login cancelled</h1>" in page)


@pytest.mark.anyio
async def test_begin_refuses_what_cannot_start(chattz: AsyncChattzOAuth) -> None:
    """A link_user_id the accounts cannot keep, or a reserved extra: ConfigurationError."""
    flow = AsyncLoginFlow(chattz, LoginCookies(KEY))
    errors = []
    calls: list[Callable[[], object]] = [
        lambda: flow.begin(WebRequest(APP, {}), link_user_id="u" * 65),
        lambda: flow.begin(WebRequest(APP, {}), state="mine"),
    ]
    for call in calls:
        with pytest.raises(ConfigurationError) as raised:
            call()
        errors.append("link_user_id" in str(raised.value) or "state" in str(raised.value))
    assert [True, True] == errors


def test_the_flow_checks_what_it_is_given() -> None:
    """A sync session for the async flow, no LoginCookies, no accounts: ConfigurationError."""
    sync = ChattzOAuth("id", "secret", "https://app.example/callback")
    errors = []
    builds: list[Callable[[], object]] = [
        lambda: AsyncLoginFlow(sync, LoginCookies(KEY)),  # type: ignore[arg-type]
        lambda: LoginFlow(sync, KEY),  # type: ignore[arg-type]
        lambda: LoginFlow(sync, LoginCookies(KEY), accounts="store"),  # type: ignore[arg-type]
    ]
    for build in builds:
        with pytest.raises(ConfigurationError) as raised:
            build()
        errors.append(str(raised.value))
    sync.close()
    assert [
        "chattz must be a session (AsyncChattzOAuth), not ChattzOAuth",
        "cookies must be LoginCookies, not str",
        "accounts must be Accounts or None, not str",
    ] == errors


# --- the account step (asyncio: aiosqlite) ---------------------------------------------------


#: The account step's store runs on aiosqlite, which runs on asyncio alone.
ASYNCIO = pytest.mark.parametrize("anyio_backend", ["asyncio"])


@pytest.fixture
async def accounts(tmp_path: Path) -> AsyncIterator[AsyncAccounts]:
    """Accounts on a fresh SQLite file."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'accounts.db'}")
    store = AsyncSQLAlchemyStore(engine)
    await store.create_tables()
    yield AsyncAccounts(store)
    await engine.dispose()


@pytest.mark.anyio
@ASYNCIO
async def test_a_plain_login_never_asks_who_is_signed_in_and_never_links(
    fake: FakeChattz, chattz: AsyncChattzOAuth, accounts: AsyncAccounts
) -> None:
    """signed_in_user is asked only at a linking login; a plain one signs in its own account."""
    flow = AsyncLoginFlow(chattz, LoginCookies(KEY), accounts=accounts)
    asked: list[str] = []
    sessions: list[LoginResult] = []

    async def signed_in_user() -> object:
        asked.append("asked")
        return "victim"

    async def start_session(result: LoginResult) -> None:
        sessions.append(result)

    plain = await flow.finish(
        callback_request(fake, flow.begin(WebRequest(APP, {}))),
        signed_in_user=signed_in_user,
        start_session=start_session,
    )
    linking = await flow.finish(
        callback_request(
            fake, flow.begin(WebRequest(APP, {}), link_user_id="1"), user=fake.users[7]
        ),
        signed_in_user=signed_in_user,
        start_session=start_session,
    )
    assert plain.result is not None
    assert plain.result.signed_in is not None
    assert (Outcome.CREATED, "1", ["asked"], "LinkRefused", [plain.result], None) == (
        plain.result.signed_in.outcome,
        plain.result.signed_in.user_id,
        asked,
        type(linking.error).__name__,
        sessions,
        await accounts.find(7),
    )


@pytest.mark.anyio
@ASYNCIO
async def test_a_linking_login_of_the_signed_in_user_links(
    fake: FakeChattz, chattz: AsyncChattzOAuth, accounts: AsyncAccounts
) -> None:
    """link_user_id sealed at begin and still the signed-in user at finish: LINKED to them."""
    flow = AsyncLoginFlow(chattz, LoginCookies(KEY), accounts=accounts)
    first = await flow.finish(callback_request(fake, flow.begin(WebRequest(APP, {}))))
    assert first.result is not None
    assert first.result.signed_in is not None

    async def signed_in_user() -> object:
        return 1  # an int id is the same user as "1"

    started = flow.begin(WebRequest(APP, {}), "/account", link_user_id=1)
    linked = await flow.finish(
        callback_request(fake, started, user=fake.users[7]), signed_in_user=signed_in_user
    )
    assert linked.result is not None
    assert linked.result.signed_in is not None
    assert ("1", Outcome.LINKED, "1", "/account", [123, 7]) == (
        linked.result.link_user_id,
        linked.result.signed_in.outcome,
        linked.result.signed_in.user_id,
        linked.result.next_url,
        [a.chattz_id for a in await accounts.accounts_of("1")],
    )


@pytest.mark.anyio
@ASYNCIO
async def test_a_refusal_by_the_session_step_is_the_logins_error(
    fake: FakeChattz, chattz: AsyncChattzOAuth, accounts: AsyncAccounts
) -> None:
    """start_session raising InactiveUser: the finish carries it (403), no result."""
    flow = AsyncLoginFlow(chattz, LoginCookies(KEY), accounts=accounts)

    async def refuse(result: LoginResult) -> None:
        raise InactiveUser()

    finished = await flow.finish(
        callback_request(fake, flow.begin(WebRequest(APP, {}))), start_session=refuse
    )
    assert (None, 403, 1) == (
        finished.result,
        finished.error_page()[0],
        len(finished.cookies),
    )


# --- the generated sync twin -----------------------------------------------------------------


@pytest.fixture
def sync_chattz(fake: FakeChattz) -> Iterator[ChattzOAuth]:
    """A sync session wired to the fake in-process."""
    with fake.sync_session() as session:
        yield session


def test_the_sync_flow_signs_in_and_refuses_a_stale_link(
    fake: FakeChattz, sync_chattz: ChattzOAuth, tmp_path: Path
) -> None:
    """LoginFlow: the same steps without await; a linking login for someone else is refused."""
    engine = create_engine(f"sqlite:///{tmp_path / 'accounts.db'}")
    store = SQLAlchemyStore(engine)
    store.create_tables()
    flow = LoginFlow(sync_chattz, LoginCookies(KEY), accounts=Accounts(store))
    try:
        plain = flow.finish(callback_request(fake, flow.begin(WebRequest(APP, {}))))
        stale = flow.finish(
            callback_request(fake, flow.begin(WebRequest(APP, {}), link_user_id="1")),
            signed_in_user=lambda: None,
        )
    finally:
        engine.dispose()
    assert plain.result is not None
    assert plain.result.signed_in is not None
    assert (Outcome.CREATED, LinkRefused, None) == (
        plain.result.signed_in.outcome,
        type(stale.error),
        stale.result,
    )


def test_login_finish_is_a_value() -> None:
    """LoginFinish holds a result or an error (never both, never neither); its headers are fixed."""
    error = StateMismatchError("x")
    finish = LoginFinish(None, error, [])
    with pytest.raises(StateMismatchError) as raised:
        finish.result_or_raise()
    wrong = []
    for result, failure in ((None, None), (object(), error)):
        with pytest.raises(ConfigurationError) as refused:
            LoginFinish(result, failure, [])  # type: ignore[arg-type]
        wrong.append(str(refused.value))
    assert (
        {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
        400,
        error,
        [
            "a LoginFinish holds a result or an error: exactly one of result and error "
            "must be None",
            "result must be a LoginResult or None, not object",
        ],
    ) == (dict(finish.headers), finish.error_page()[0], raised.value, wrong)
