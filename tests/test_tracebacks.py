"""``_tracebacks.keeps_no_secrets``: a failure leaves no argument in its frames, and the
caller's own exception (the one it was handling when it called) keeps its frames.

The whole flows are in tests/_async/test_secrets.py (and its sync twin)."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from chattz_oauth_async import AsyncTokenHolder, OAuthError
from chattz_oauth_async._tracebacks import keeps_no_secrets
from chattz_oauth_async.testing import FakeChattz
from tests.helpers import secrets_in_frames


@keeps_no_secrets
def fails_with(secret: str) -> None:
    form = {"client_secret": secret}
    inner(form)


def inner(form: dict[str, str]) -> None:
    try:
        raise KeyError("first")
    except KeyError as first:
        raise RuntimeError("the call failed") from first


def caller_work() -> None:
    marker = "the caller's own local"
    raise ValueError(marker)


def test_a_failure_keeps_no_argument_in_its_frames_nor_in_its_causes() -> None:
    """The wrapped call's frame, the frames below it and its cause's: no secret left."""
    with pytest.raises(RuntimeError) as info:
        fails_with("the-secret")
    assert (secrets_in_frames(info.value, ["the-secret"]), type(info.value.__cause__)) == (
        [],
        KeyError,
    )


def test_the_caller_s_own_exception_keeps_its_frames() -> None:
    """Called while handling an exception of its own: that one's frames keep their locals."""
    handled: BaseException | None = None
    try:
        caller_work()
    except ValueError as exc:
        handled = exc
        with pytest.raises(RuntimeError) as info:
            fails_with("the-secret")
    assert handled is not None
    assert handled.__traceback__ is not None
    frame = handled.__traceback__.tb_next
    assert frame is not None
    first = info.value.__context__  # the KeyError, raised while the caller handled its own
    assert (first and first.__context__, frame.tb_frame.f_locals.get("marker")) == (
        handled,
        "the caller's own local",
    )
    assert secrets_in_frames(info.value, ["the-secret"]) == []


@pytest.mark.anyio
async def test_an_async_failure_keeps_no_argument_in_its_frames() -> None:
    """The same for a coroutine."""

    @keeps_no_secrets
    async def fails(secret: str) -> None:
        fails_with(secret + "-inner")

    with pytest.raises(RuntimeError) as info:
        await fails("the-secret")
    assert secrets_in_frames(info.value, ["the-secret"]) == []


# --- one exception object raised in several tasks -----------------------------------------
#
# A failure shared by the tasks that waited for it (the token holder's refused refresh) is
# one exception object raised in each. Each raise adds its frames to the same traceback, so
# the later raises carry the frames of a task that caught it earlier and is paused in its
# ``except`` block. On Python 3.11 and 3.12 ``frame.clear()`` closes a paused coroutine:
# that task never finished. Only the frames of the raise at hand are cleared.

PAUSED_HANDLER = """
async def handle(call, caught, resume):
    try:
        await call()
    except ValueError:
        caught()
        await resume.wait()  # paused in the except block while another task raises it
        return "handled"
"""


def handler_in(module: str) -> Any:
    """``handle`` defined in ``module`` (the library's own frames are the ones cleared)."""
    namespace: dict[str, Any] = {"__name__": module}
    exec(PAUSED_HANDLER, namespace)  # noqa: S102  (a fixed source: a function of another module)
    return namespace["handle"]


@pytest.mark.anyio
@pytest.mark.parametrize("module", ["tests.an_app", "chattz_oauth_async.a_route"])
async def test_a_task_paused_in_its_except_block_finishes(module: str) -> None:
    """Task A catches the shared failure and pauses in its ``except`` block; task B raises
    the same object through a wrapped call: A still finishes (its frame was not cleared),
    whether it is the app's code or the library's."""
    shared = ValueError("refused")
    handle = handler_in(module)
    resume, a_caught = anyio.Event(), anyio.Event()

    @keeps_no_secrets
    async def call() -> None:
        raise shared

    results: list[str] = []

    async def task_a() -> None:
        results.append(await handle(call, a_caught.set, resume))

    async def task_b() -> None:
        await a_caught.wait()
        with pytest.raises(ValueError):
            await call()
        resume.set()

    with anyio.fail_after(10):
        async with anyio.create_task_group() as group:
            group.start_soon(task_a)
            group.start_soon(task_b)
    assert results == ["handled"]


@pytest.mark.anyio
async def test_tasks_sharing_a_refused_refresh_all_finish() -> None:
    """Three tasks ask a token holder for a refresh Chattz refuses; each handles the shared
    failure pausing in its ``except`` block until all three have it: all three finish."""
    fake = FakeChattz(auto_approve=True, issue_refresh_tokens=True)
    async with fake.session() as chattz:
        login = chattz.start_login()
        token = await chattz.complete_login(fake.authorize(login.url), login)
        holder = AsyncTokenHolder(chattz, token)
        fake.fail_next("token", times=3, status=400, body=b'{"error": "invalid_grant"}')
        caught: list[str] = []
        all_caught = anyio.Event()

        async def user(name: str) -> None:
            try:
                await holder.get(rejected=token)
            except OAuthError:
                caught.append(name)
                if len(caught) == 3:
                    all_caught.set()
                await all_caught.wait()
                caught.append(name + " handled")

        with anyio.fail_after(10):
            async with anyio.create_task_group() as group:
                for name in ("first", "second", "third"):
                    group.start_soon(user, name)
    assert sorted(caught[3:]) == ["first handled", "second handled", "third handled"]
