"""One login flow under every web framework: begin at ``/login``, finish at ``/callback``.

:class:`AsyncLoginFlow` (async frameworks) and :class:`LoginFlow` (its sync
twin, generated) hold the steps of a web login once: ``begin`` starts the
login (state, PKCE, a linking login's user sealed in it) and gives the cookie
and the redirect; ``finish`` unseals the browser's login, completes it with
Chattz, runs the account step (the accounts decide whether it links) and the
framework's session step, and returns the result or the error, each with the
cookie deletion to send. The Starlette/FastAPI helper, the Django views and
the Flask and aiohttp examples all call it; a framework keeps only its glue::

    flow = LoginFlow(chattz, LoginCookies(secret_key), accounts=Accounts(store))

    @app.get("/login")
    def login():
        started = flow.begin(web_request(), request.args.get("next"))
        response = redirect(started.location, code=started.status)
        set_cookies(response, started.cookies)
        return response

    @app.get("/callback")
    def callback():
        finished = flow.finish(web_request(), signed_in_user=..., start_session=...)
        ...   # a redirect for finished.result, finished.error_page() otherwise

Every failure at the callback passes through :meth:`AsyncLoginFlow.finish`;
:func:`describe_error` and :func:`error_page` turn it into the status and page
that every framework answers with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._async.flow import AsyncLoginFlow
from ._web import (
    LoginFinish,
    LoginResult,
    LoginStart,
    WebRequest,
    describe_error,
    error_page,
    same_origin,
)

if TYPE_CHECKING:
    from .._sync.flow import LoginFlow

__all__ = [
    "AsyncLoginFlow",
    "LoginFinish",
    "LoginFlow",
    "LoginResult",
    "LoginStart",
    "WebRequest",
    "describe_error",
    "error_page",
    "same_origin",
]


def __getattr__(name: str) -> Any:
    # The sync twin loads with chattz_oauth_async._sync (see the package's own __getattr__).
    if name == "LoginFlow":
        from .._sync.flow import LoginFlow

        return LoginFlow
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
