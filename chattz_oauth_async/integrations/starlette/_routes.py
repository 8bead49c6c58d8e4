"""Routing the Starlette helper's endpoints: Starlette ``Route`` objects or a FastAPI router.

:meth:`ChattzLogin.routes() <chattz_oauth_async.integrations.starlette.ChattzLogin.routes>`
and ``router()`` build an :class:`Endpoints` and ask it for one or the other.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import attrs
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..._async.session import AsyncChattzOAuth

if TYPE_CHECKING:
    from fastapi import APIRouter

__all__ = ["Endpoint", "Endpoints"]

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
