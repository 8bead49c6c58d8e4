"""The Starlette helper's endpoints, routed as Starlette ``Route`` objects or a FastAPI router.

:meth:`ChattzLogin.routes() <chattz_oauth_async.integrations.starlette.ChattzLogin.routes>`
and ``router()`` build their :class:`Endpoints` with :func:`endpoints` (what ``/login``,
``/callback`` and ``/logout`` do, through the helper's public methods) and ask it for one or
the other.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import attrs
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..._async.session import AsyncChattzOAuth
from ...errors import ChattzOAuthError
from ._accounts import AccountSession, form_field, session_of
from ._handlers import ErrorHandler, SuccessHandler, call_handler, handlers

if TYPE_CHECKING:
    from fastapi import APIRouter

    from ._login import ChattzLogin

__all__ = ["Endpoint", "Endpoints", "endpoints"]

logger = logging.getLogger("chattz_oauth_async.integrations.starlette")

#: A login or callback endpoint: the request and the session (None: the helper's own).
Endpoint = Callable[[Request, AsyncChattzOAuth | None], Awaitable[Response]]


@attrs.frozen
class Endpoints:
    """The helper's endpoints and their paths.

    Attributes:
        login: ``GET login_path`` (and ``POST`` with accounts: a linking login).
        callback: ``GET callback_path``.
        logout: ``POST logout_path``; None without accounts (no POST login either).
    """

    login: Endpoint
    callback: Endpoint
    logout: Callable[[Request], Response] | None
    login_path: str
    callback_path: str
    logout_path: str

    def _table(
        self, login: Callable[..., Any], callback: Callable[..., Any]
    ) -> list[tuple[str, Callable[..., Any], str, list[str]]]:
        # (path, endpoint, route name, methods); the names are what url_path_for finds.
        table: list[tuple[str, Callable[..., Any], str, list[str]]] = [
            (self.login_path, login, "chattz_login", ["GET"]),
            (self.callback_path, callback, "chattz_callback", ["GET"]),
        ]
        if self.logout is not None:
            logout = self.logout

            async def sign_out(request: Request) -> Response:
                return logout(request)

            table[0] = (self.login_path, login, "chattz_login", ["GET", "POST"])
            table.append((self.logout_path, sign_out, "chattz_logout", ["POST"]))
        return table

    def routes(self) -> list[Route]:
        """Starlette routes, the session being the helper's own."""

        async def login(request: Request) -> Response:
            return await self.login(request, None)

        async def callback(request: Request) -> Response:
            return await self.callback(request, None)

        return [
            Route(path, endpoint, methods=methods, name=name)
            for path, endpoint, name, methods in self._table(login, callback)
        ]

    def router(self, session: Callable[..., AsyncChattzOAuth]) -> APIRouter:
        """A FastAPI router, the session coming from the dependency ``session``."""
        # FastAPI is an optional dependency, and importing it after Starlette costs
        # 0.7-0.9 s (python -X importtime, 3 runs on the shared 2-core box):
        # Starlette-only apps never pay for it.
        from fastapi import APIRouter, Depends

        # FastAPI resolves string annotations against this module's globals only, so the
        # dependency is a default value (FastAPI's older form) rather than Annotated[...].
        async def login(
            request: Request,
            chattz: AsyncChattzOAuth = Depends(session),  # noqa: B008
        ) -> Response:
            return await self.login(request, chattz)

        async def callback(
            request: Request,
            chattz: AsyncChattzOAuth = Depends(session),  # noqa: B008
        ) -> Response:
            return await self.callback(request, chattz)

        router = APIRouter()
        for path, endpoint, name, methods in self._table(login, callback):
            router.add_api_route(
                path,
                endpoint,
                methods=methods,
                name=name,
                response_model=None,
                include_in_schema=False,
            )
        return router


def endpoints(
    helper: ChattzLogin,
    accounts: AccountSession | None,
    on_success: SuccessHandler | None,
    on_error: ErrorHandler | None,
    login_path: str,
    callback_path: str,
    next_param: str,
    logout_path: str,
) -> Endpoints:
    """The endpoints of ``helper``'s routes (``accounts``: its account session, if any).

    Raises:
        ConfigurationError: No ``on_success`` and no ``accounts``.
    """
    success, error = handlers(
        on_success, on_error or helper.error_response, accounts=accounts is not None
    )

    async def login(request: Request, chattz: AsyncChattzOAuth | None) -> Response:
        return await _login(helper, accounts, request, next_param, chattz)

    async def callback(request: Request, chattz: AsyncChattzOAuth | None) -> Response:
        return await _callback(helper, accounts, request, chattz, success, error)

    logout = None if accounts is None else helper.logout_response
    return Endpoints(login, callback, logout, login_path, callback_path, logout_path)


async def _login(
    helper: ChattzLogin,
    accounts: AccountSession | None,
    request: Request,
    next_param: str,
    chattz: AsyncChattzOAuth | None,
) -> Response:
    if accounts is not None:
        session_of(request)  # fail at the start of a login, not at its end
    next_url = request.query_params.get(next_param)
    if request.method == "POST":  # only routed with accounts=
        next_url = await form_field(request, next_param) or next_url
        return await helper.link_response(request, next_url, chattz=chattz)
    return helper.login_response(request, next_url, chattz=chattz)


async def _callback(
    helper: ChattzLogin,
    accounts: AccountSession | None,
    request: Request,
    chattz: AsyncChattzOAuth | None,
    on_success: SuccessHandler,
    on_error: ErrorHandler,
) -> Response:
    if request.method != "GET":
        # Starlette answers HEAD on a GET route: a link checker's HEAD must
        # not use up the code before the browser's GET arrives.
        return Response(status_code=405, headers={"Allow": "GET"})
    if accounts is not None:
        session_of(request)  # a missing middleware is the app's bug: before the code is used
    try:
        result = await helper.handle_callback(request, chattz=chattz)
        if accounts is not None:
            result = await accounts.sign_in(request, result)
    except ChattzOAuthError as exc:
        logger.info("login callback refused: %s", type(exc).__name__)
        response = await call_handler(on_error, request, exc)
    else:
        response = await call_handler(on_success, request, result)
    helper.clear_cookie(response, request)
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response
