"""chattz_oauth_async.events: what the flow, the accounts and the session tell subscribers.

Events come after the library's own work, carry the Chattz id and the local user id
where known and never a secret; a failing handler is logged and breaks nothing. The
flow runs with accounts on SQLite (aiosqlite: asyncio only); the session's refresh on
asyncio and trio.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from sqlalchemy.ext.asyncio import create_async_engine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware

from chattz_oauth_async import AsyncChattzOAuth, ChattzUser, OAuthError
from chattz_oauth_async.accounts import AsyncAccounts
from chattz_oauth_async.accounts.sqlalchemy import AsyncSQLAlchemyStore
from chattz_oauth_async.diagnostics import Fault
from chattz_oauth_async.events import Event, EventKind, emit, subscribe
from chattz_oauth_async.integrations.cookies import LoginCookies
from chattz_oauth_async.integrations.flow import AsyncLoginFlow, LoginFinish, WebRequest
from chattz_oauth_async.integrations.starlette import ChattzLogin
from chattz_oauth_async.testing import FakeChattz
from tests.test_docs import run_block

KEY = "events-test-secret-key-" * 2
APP = "http://127.0.0.1:8000"


@pytest.fixture
def seen() -> Iterator[list[Event]]:
    """The events emitted during the test (a subscriber, removed afterwards)."""
    events: list[Event] = []
    unsubscribe = subscribe(events.append)
    yield events
    unsubscribe()


async def log_in(fake: FakeChattz, flow: AsyncLoginFlow, **authorize: object) -> LoginFinish:
    """One whole login through the flow."""
    started = flow.begin(WebRequest(APP, {}))
    cookies = {c.name: c.value for c in started.cookies if c.value}
    back = fake.authorize(started.location, **authorize)  # type: ignore[arg-type]
    return await flow.finish(WebRequest(back, cookies, parse_qsl(urlsplit(back).query)))


# --- subscribing -----------------------------------------------------------------------


def test_handlers_run_in_order_and_a_failing_one_is_logged(
    seen: list[Event], caplog: pytest.LogCaptureFixture
) -> None:
    """A raising handler: one ERROR record with its traceback; the handlers after it still run."""

    def broken(event: Event) -> None:
        raise RuntimeError("handler bug")

    later: list[Event] = []
    remove_broken, remove_later = subscribe(broken), subscribe(later.append)
    try:
        emit(Event(EventKind.LOGOUT, user_id="1"))
    finally:
        remove_broken()
        remove_later()
    emit(Event(EventKind.LOGOUT, user_id="2"))
    [record] = [r for r in caplog.records if r.name == "chattz_oauth_async.events"]
    assert (["1", "2"], ["1"], logging.ERROR, True) == (
        [e.user_id for e in seen],
        [e.user_id for e in later],
        record.levelno,
        record.exc_info is not None,
    )


def test_an_async_handler_is_refused() -> None:
    """Handlers run synchronously: an async def is a TypeError at subscribe()."""

    async def handler(event: Event) -> None:
        pass

    with pytest.raises(TypeError, match="plain function"):
        subscribe(handler)


# --- the flow and the accounts (asyncio: aiosqlite) ------------------------------------


@pytest.fixture
async def accounts(tmp_path: Path) -> AsyncIterator[AsyncAccounts]:
    """Accounts on a fresh SQLite file."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'events.db'}")
    store = AsyncSQLAlchemyStore(engine)
    await store.create_tables()
    yield AsyncAccounts(store)
    await engine.dispose()


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.anyio
async def test_login_events_carry_ids_and_outcomes_never_secrets(
    accounts: AsyncAccounts, seen: list[Event]
) -> None:
    """Started, completed (created, then signed in), failed (denied): ids, outcome, no secret."""
    fake = FakeChattz()
    async with fake.session() as chattz:
        flow = AsyncLoginFlow(chattz, LoginCookies(KEY), accounts=accounts)
        first = await log_in(fake, flow)
        second = await log_in(fake, flow)
        await log_in(fake, flow, approve=False)
    tokens = [first.result_or_raise().token, second.result_or_raise().token]
    secrets = [*(token.access_token for token in tokens), "test-secret"]
    assert [
        (EventKind.LOGIN_STARTED, None, None, None, None),
        (EventKind.LOGIN_COMPLETED, 123, "1", "created", None),
        (EventKind.LOGIN_STARTED, None, None, None, None),
        (EventKind.LOGIN_COMPLETED, 123, "1", "signed_in", None),
        (EventKind.LOGIN_STARTED, None, None, None, None),
        (EventKind.LOGIN_FAILED, None, None, None, (Fault.USER, "denied", "access_denied")),
    ] == [
        (
            e.kind,
            e.chattz_id,
            e.user_id,
            e.outcome,
            None if e.fault is None else (e.fault, e.reason, e.error),
        )
        for e in seen
    ]
    assert [] == [s for s in secrets if any(s in repr(e) for e in seen)]


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.anyio
async def test_a_failing_handler_never_breaks_a_login(
    accounts: AsyncAccounts, caplog: pytest.LogCaptureFixture
) -> None:
    """Every handler raising: the login still signs in; each failure is logged."""

    def broken(event: Event) -> None:
        raise ValueError("audit log down")

    unsubscribe = subscribe(broken)
    fake = FakeChattz()
    try:
        async with fake.session() as chattz:
            finished = await log_in(
                fake, AsyncLoginFlow(chattz, LoginCookies(KEY), accounts=accounts)
            )
    finally:
        unsubscribe()
    failures = [r for r in caplog.records if r.name == "chattz_oauth_async.events"]
    signed_in = finished.result_or_raise().signed_in
    assert ("created", 2) == (None if signed_in is None else signed_in.outcome.value, len(failures))


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.anyio
async def test_a_failure_after_userinfo_carries_the_chattz_id(
    accounts: AsyncAccounts, seen: list[Event]
) -> None:
    """Sign-ups closed: LOGIN_FAILED names the Chattz user, the user fault, no OAuth code."""
    fake = FakeChattz()
    closed = AsyncAccounts(accounts.store, signups=False)
    async with fake.session() as chattz:
        await log_in(fake, AsyncLoginFlow(chattz, LoginCookies(KEY), accounts=closed))
    failed = seen[-1]
    assert (EventKind.LOGIN_FAILED, 123, Fault.USER, "signups_closed", None) == (
        failed.kind,
        failed.chattz_id,
        failed.fault,
        failed.reason,
        failed.error,
    )


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.anyio
async def test_unlink_is_an_event_after_the_link_is_gone(
    accounts: AsyncAccounts, seen: list[Event]
) -> None:
    """accounts.unlink of a spare link: UNLINK with both ids; a link not removed: no event."""
    fake = FakeChattz()
    async with fake.session() as chattz:
        flow = AsyncLoginFlow(chattz, LoginCookies(KEY), accounts=accounts)
        first = await log_in(fake, flow)
    first.result_or_raise()
    await accounts.link("1", ChattzUser(id=9, username="spare"))
    seen.clear()
    removed = await accounts.unlink("1", 9)
    not_there = await accounts.unlink("1", 9)
    assert ((True, False), [(EventKind.UNLINK, 9, "1")]) == (
        (removed, not_there),
        [(e.kind, e.chattz_id, e.user_id) for e in seen],
    )


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.anyio
async def test_starlette_logout_is_an_event(accounts: AsyncAccounts, seen: list[Event]) -> None:
    """POST /logout after a login: LOGOUT with the session's user and Chattz id."""
    fake = FakeChattz()
    async with fake.session() as chattz:
        login = ChattzLogin(chattz, secret_key=KEY, accounts=accounts)
        app = Starlette(
            routes=login.routes(),
            middleware=[Middleware(SessionMiddleware, secret_key=KEY)],
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=APP) as browser:
            await fake.alogin(browser, "/login")
            out = await browser.post("/logout", headers={"Origin": APP})
    assert (303, (EventKind.LOGOUT, 123, "1")) == (
        out.status_code,
        (seen[-1].kind, seen[-1].chattz_id, seen[-1].user_id),
    )


# --- the session's refresh (asyncio and trio) ------------------------------------------


@pytest.mark.anyio
async def test_a_failed_refresh_is_an_event(seen: list[Event]) -> None:
    """A rotated-away refresh token: OAuthError raised, and REFRESH_FAILED with invalid_grant."""
    fake = FakeChattz(issue_refresh_tokens=True, rotate_refresh_tokens=True, auto_approve=True)
    chattz: AsyncChattzOAuth
    async with fake.session() as chattz:
        login = chattz.start_login()
        back = fake.authorize(login.url)
        token = await chattz.complete_login(back, login)
        await chattz.refresh(token)
        with pytest.raises(OAuthError):
            await chattz.refresh(token)
    [failed] = [e for e in seen if e.kind is EventKind.REFRESH_FAILED]
    assert (Fault.USER, "refresh_token_rejected", "invalid_grant", None) == (
        failed.fault,
        failed.reason,
        failed.error,
        failed.chattz_id,
    )


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.anyio
async def test_docs_operating_events_recipe(accounts: AsyncAccounts) -> None:
    """docs/operating.md's subscriber, run as shown: a first login queues one welcome mail."""
    recipe = run_block("operating-events")
    fake = FakeChattz()
    try:
        async with fake.session() as chattz:
            flow = AsyncLoginFlow(chattz, LoginCookies(KEY), accounts=accounts)
            await log_in(fake, flow)
            await log_in(fake, flow)
    finally:
        recipe["unsubscribe"]()
    assert ["1"] == recipe["welcome_mails"]


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.anyio
async def test_a_refused_linking_login_names_its_user(
    accounts: AsyncAccounts, seen: list[Event]
) -> None:
    """A linking login finished for nobody signed in: LOGIN_FAILED with the linking user."""
    fake = FakeChattz()
    async with fake.session() as chattz:
        flow = AsyncLoginFlow(chattz, LoginCookies(KEY), accounts=accounts)
        (await log_in(fake, flow)).result_or_raise()
        started = flow.begin(WebRequest(APP, {}), link_user_id="1")
        cookies = {c.name: c.value for c in started.cookies if c.value}
        back = fake.authorize(started.location)
        query = parse_qsl(urlsplit(back).query)

        async def nobody() -> None:
            return None

        await flow.finish(WebRequest(back, cookies, query), signed_in_user=nobody)
    starts = [(e.user_id, e.linking) for e in seen if e.kind is EventKind.LOGIN_STARTED]
    failed = seen[-1]
    assert ([(None, False), ("1", True)], EventKind.LOGIN_FAILED) == (starts, failed.kind)
    assert (123, "1", True, "link_refused") == (
        failed.chattz_id,
        failed.user_id,
        failed.linking,
        failed.reason,
    )
