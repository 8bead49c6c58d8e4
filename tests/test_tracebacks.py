"""``_tracebacks.keeps_no_secrets``: a failure leaves no argument in its frames, and the
caller's own exception (the one it was handling when it called) keeps its frames.

The whole flows are in tests/_async/test_secrets.py (and its sync twin)."""

from __future__ import annotations

import pytest

from chattz_oauth_async._tracebacks import keeps_no_secrets
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
