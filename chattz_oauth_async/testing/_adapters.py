"""In-process adapters around a fake's handler: an httpx transport and an ASGI app.

Each only moves bytes between its caller and the handler, and carries out a
response's ``delay`` and ``drop`` instructions in its own I/O style. The
loopback HTTP server is in ``_server.py``.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio

from ._values import FakeResponse, Handler

__all__ = ["asgi_app", "transport_class"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_TRANSPORT_CLASSES: dict[str, type[Any]] = {}


def transport_class(module: Any) -> type[Any]:
    """A ``module.MockTransport`` subclass over a handler, honouring delay and drop.

    Args:
        module: ``httpx`` or ``httpx2`` (same API, their own classes).
    """
    name = module.__name__
    cls = _TRANSPORT_CLASSES.get(name)
    if cls is not None:
        return cls

    class FakeTransport(module.MockTransport):  # type: ignore[misc]
        def __init__(self, handler: Handler) -> None:
            super().__init__(self._answer)
            self.handler = handler

        def _answer(self, request: Any) -> FakeResponse:
            return self.handler(
                request.method,
                request.url.raw_path.decode("ascii"),
                list(request.headers.multi_items()),
                request.content,
            )

        def _reply(self, request: Any, answer: FakeResponse) -> Any:
            if answer.drop:
                raise module.RemoteProtocolError(
                    "Server disconnected without sending a response.", request=request
                )
            return module.Response(
                answer.status, headers=list(answer.headers), content=answer.body, request=request
            )

        def handle_request(self, request: Any) -> Any:
            request.read()
            answer = self._answer(request)
            if answer.delay:
                time.sleep(answer.delay)
            return self._reply(request, answer)

        async def handle_async_request(self, request: Any) -> Any:
            await request.aread()
            answer = self._answer(request)
            if answer.delay:
                await anyio.sleep(answer.delay)
            return self._reply(request, answer)

    FakeTransport.__qualname__ = FakeTransport.__name__ = "FakeTransport"
    _TRANSPORT_CLASSES[name] = FakeTransport
    return FakeTransport


def asgi_app(handler: Handler) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """Wrap a handler in an ASGI 3 application."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            raise RuntimeError(f"FakeChattz serves HTTP only, not {scope['type']!r}")
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        target = scope.get("raw_path") or scope["path"].encode()
        if scope.get("query_string"):
            target += b"?" + scope["query_string"]
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        answer = handler(scope["method"], target.decode("latin-1"), headers, body)
        if answer.delay:
            await anyio.sleep(answer.delay)
        if answer.drop:
            raise ConnectionAbortedError("FakeChattz dropped the connection (fail_next drop=True)")
        await send(
            {
                "type": "http.response.start",
                "status": answer.status,
                "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers],
            }
        )
        await send({"type": "http.response.body", "body": answer.body})

    return app
