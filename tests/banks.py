"""What the async session's own transport holds, for the tests that check it (httpx only)."""

from __future__ import annotations

from typing import Any

from chattz_oauth_async import AsyncChattzOAuth
from chattz_oauth_async._transport import LoopTransport


def loop_transport(session: AsyncChattzOAuth) -> LoopTransport:
    """The session's LoopTransport."""
    transport = session._http.transport
    assert isinstance(transport, LoopTransport)
    return transport


def inner_transports(session: AsyncChattzOAuth) -> list[Any]:
    """Every inner transport of the session's event loops (lent out or not)."""
    loops = loop_transport(session)._loops.values()
    return [inner for loop in loops for inner in loop.made]


def pool_limits(transport: Any) -> tuple[int, int, float]:
    """max_connections, max_keepalive_connections and keepalive_expiry of a transport's pool."""
    pool = transport._pool
    return pool._max_connections, pool._max_keepalive_connections, pool._keepalive_expiry


def is_closed(inner: Any) -> bool:
    """Whether an inner transport's pool holds no open connection (closed, or none opened)."""
    return all(connection.is_closed() for connection in inner._pool.connections)
