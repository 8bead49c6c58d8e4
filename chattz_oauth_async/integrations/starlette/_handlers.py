"""What the Starlette helper's routes call: the session dependency, the app's handlers, and the
login's two redirects (to Chattz, then to ``next``).

Public names (:func:`get_chattz`) come from :mod:`chattz_oauth_async.integrations.starlette`.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..._async.session import AsyncChattzOAuth
from ...errors import ChattzOAuthError, ConfigurationError
from .._web import LoginResult, LoginStart, set_cookies

__all__ = [
    "ErrorHandler",
    "SessionSource",
    "SuccessHandler",
    "app_session",
    "async_session",
    "call_handler",
    "get_chattz",
    "handlers",
    "redirect_to_chattz",
    "redirect_to_next_url",
]

SuccessHandler = Callable[[Request, LoginResult], Response | Awaitable[Response]]
ErrorHandler = Callable[[Request, ChattzOAuthError], Response | Awaitable[Response]]
SessionSource = AsyncChattzOAuth | Callable[[], AsyncChattzOAuth]


async def get_chattz(request: Request) -> AsyncChattzOAuth:
    """The app's session, from ``app.state.chattz`` (set it in the lifespan).

    A FastAPI dependency (``chattz: AsyncChattzOAuth = Depends(get_chattz)``)
    that tests replace with ``app.dependency_overrides[get_chattz] = ...``;
    :meth:`ChattzLogin.router` uses it too. It is ``async def`` (it does no
    I/O) so FastAPI calls it on the event loop, not in its thread pool.

    Raises:
        ConfigurationError: The lifespan did not set ``app.state.chattz``, or
            set it to something other than an ``AsyncChattzOAuth`` (a sync
            ``ChattzOAuth`` would block the event loop).
    """
    return app_session(request)


def app_session(request: Request) -> AsyncChattzOAuth:
    """:func:`get_chattz`'s answer, without the ``await``."""
    chattz = getattr(request.app.state, "chattz", None)
    if chattz is None:
        raise ConfigurationError(
            "no Chattz session: app.state.chattz is not set. Set it in the app's lifespan "
            "(async with AsyncChattzOAuth.from_env() as chattz: app.state.chattz = chattz). "
            "In a test, the likely cause is TestClient(app) used without `with`: only "
            "`with TestClient(app) as client:` runs the lifespan"
        )
    return async_session(chattz, "app.state.chattz")


def async_session(chattz: object, where: str) -> AsyncChattzOAuth:
    # A sync ChattzOAuth here would block the event loop, then fail on `await`
    # with a raw TypeError: name the mistake instead.
    if not isinstance(chattz, AsyncChattzOAuth):
        raise ConfigurationError(
            f"{where} must be an AsyncChattzOAuth (Starlette and FastAPI are async), "
            f"not {type(chattz).__name__}"
        )
    return chattz


def redirect_to_chattz(started: LoginStart) -> Response:
    """A login's start (``GET`` or ``POST /login``): the 303 to Chattz, with its login cookie."""
    response = Response(status_code=started.status, headers=started.headers)
    set_cookies(response, started.cookies)
    return response


def redirect_to_next_url(request: Request, result: LoginResult) -> Response:
    """The default success handler with accounts: a 303 to ``result.next_url`` or ``/``."""
    return RedirectResponse(result.next_url or "/", status_code=303)


async def call_handler(handler: Callable[..., Any], *args: Any) -> Response:
    """Call the app's handler (plain or async) and check that it gave a Response."""
    result = handler(*args)
    if inspect.isawaitable(result):
        result = await result
    if not isinstance(result, Response):
        raise TypeError(f"the login handler returned {type(result).__name__}, not a Response")
    return result


def handlers(
    on_success: SuccessHandler | None, on_error: ErrorHandler, *, accounts: bool
) -> tuple[SuccessHandler, ErrorHandler]:
    """The routes' handlers: the app's, or with an account store the default redirect.

    Raises:
        ConfigurationError: No ``on_success`` and no account store.
    """
    if on_success is None:
        if not accounts:
            raise ConfigurationError(
                "give the routes an on_success handler, or ChattzLogin(accounts=...) "
                "to sign logins in to accounts"
            )
        on_success = redirect_to_next_url
    return on_success, on_error
