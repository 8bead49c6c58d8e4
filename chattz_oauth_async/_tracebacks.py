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
own frames, which are the caller's to scrub.
"""

from __future__ import annotations

import functools
import inspect
import sys
import traceback
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar, cast

__all__ = ["forget_frames", "keeps_no_secrets"]

_P = ParamSpec("_P")
_R = TypeVar("_R")


def forget_frames(error: BaseException, keep: BaseException | None = None) -> None:
    """Clear the locals of the finished frames in ``error``'s traceback and in those of the
    exceptions it was raised from or during (``__cause__``, ``__context__``, a group's).

    A frame still running (the caller's) is left as it is, and so is ``keep``, the
    exception the caller was handling when it made the call, with its chain: its frames are
    the caller's.
    """
    seen: set[int] = {id(keep)} if keep is not None else set()
    pending = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        traceback.clear_frames(current.__traceback__)  # skips frames still running
        pending += [e for e in (current.__cause__, current.__context__) if e is not None]
        pending += getattr(current, "exceptions", ())


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
