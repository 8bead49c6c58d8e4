"""Failures leave no secret in their tracebacks' frames.

An error tracker that records each frame's local variables (Sentry does by
default) would otherwise receive the client secret from a session that could
not be built, and the authorization code, the PKCE verifier and the form that
carried them from a code exchange that failed: they are parameters and locals
of the library's frames, and of httpx's below them. Exception messages never
carry them (see ``errors.py``); this keeps them out of the frames as well.

:func:`keeps_no_secrets` wraps the public calls that take a secret: when one
fails, the frames the failure passed through below it are cleared (their
locals dropped; ``frame.clear()``), in the exception and in every exception
it was raised from, and the wrapper drops its own arguments. What stays is
the type, the message, the stack's file and line numbers, and the caller's
own frames, which are the caller's to scrub. Only the library's and the HTTP
client's frames are cleared, and only those of the raise at hand: another
task may be paused in a frame of an earlier raise (:func:`forget_frames`).
"""

from __future__ import annotations

import contextlib
import dis
import functools
import inspect
import sys
from collections.abc import Awaitable, Callable
from types import FrameType, TracebackType
from typing import Any, Final, ParamSpec, TypeVar, cast

__all__ = ["forget_frames", "keeps_no_secrets"]

_P = ParamSpec("_P")
_R = TypeVar("_R")


def forget_frames(error: BaseException, keep: BaseException | None = None) -> None:
    """Clear the locals of the frames ``error`` unwound on its way up, in the library, httpx,
    httpcore and h11, and the same for the exceptions it was raised from or during
    (``__cause__``, ``__context__``, a group's), but ``keep`` and its chain: the exception
    the caller was handling when it made the call, whose frames are the caller's.

    Only frames the exception left are cleared: on Python 3.11 and 3.12 ``frame.clear()``
    closes a paused coroutine. An exception object raised again (a failure shared by the
    tasks that waited for it) carries the frames of its earlier raises, where another task
    may be paused in an ``except`` block; so each traceback is cleared down to its first
    ``raise`` statement only (:func:`_unwound`), and never in other packages' code.
    """
    seen: set[int] = {id(keep)} if keep is not None else set()
    pending = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        for frame in _unwound(current.__traceback__):
            if frame.f_globals.get("__name__", "").partition(".")[0] in _CLEARED:
                with contextlib.suppress(RuntimeError):  # a frame still running (a caller's)
                    frame.clear()
        pending += [e for e in (current.__cause__, current.__context__) if e is not None]
        pending += getattr(current, "exceptions", ())


#: The packages whose frames hold what a failed call was given: the library's, and the
#: HTTP client's below it (request bodies and headers).
_CLEARED: Final = frozenset({"chattz_oauth_async", "httpx", "httpcore", "h11"})
_RAISE: Final = dis.opmap["RAISE_VARARGS"]


def _unwound(tb: TracebackType | None) -> list[FrameType]:
    """The frames of ``tb`` from the catcher down to the ``raise`` that started this
    propagation: a ``raise`` statement ends it (a new exception's, or an existing one raised
    again, after which the frames of its earlier raises follow), else the traceback's end.
    """
    frames = []
    while tb is not None:
        frames.append(tb.tb_frame)
        if tb.tb_frame.f_code.co_code[tb.tb_lasti] == _RAISE:
            break
        tb = tb.tb_next
    return frames


def keeps_no_secrets(method: Callable[_P, _R]) -> Callable[_P, _R]:
    """``method`` (sync or async), whose failures keep no secret in their frames."""
    if inspect.iscoroutinefunction(method):
        coroutine = cast(Callable[..., Awaitable[Any]], method)

        @functools.wraps(method)
        async def async_call(*args: Any, **kwargs: Any) -> Any:
            handling = sys.exc_info()[1]
            try:
                return await coroutine(*args, **kwargs)
            except BaseException as exc:
                del args, kwargs  # this frame runs still: its own locals go by hand
                forget_frames(exc, keep=handling)
                raise

        return cast(Callable[_P, _R], async_call)

    @functools.wraps(method)
    def call(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        handling = sys.exc_info()[1]
        try:
            return method(*args, **kwargs)
        except BaseException as exc:
            del args, kwargs
            forget_frames(exc, keep=handling)
            raise

    return call
