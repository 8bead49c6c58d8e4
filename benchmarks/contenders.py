"""What the benchmarks compare: one login flow per contender, in process or over loopback.

One flow is a code exchange (``POST /oauth/token``) plus a userinfo call
(``GET /oauth/userinfo``). The floor is the seed document's two requests
written by hand on one shared client: the form body POST, then the GET with
an ``Authorization`` header, nothing else (no ``Accept`` header, no
``raise_for_status()``). Add a contender by writing one more factory and
adding it to a table below.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from provider import TOKEN_BODY, USER_BODY

from chattz_oauth_async import AsyncChattzOAuth, ChattzOAuth

CLIENT_ID = "bench-client-id"
CLIENT_SECRET = "bench-client-secret"
REDIRECT_URI = "https://example.com/chattz-callback"
CODE = "bench-authorization-code"
STATE = "Wm9nYWhhbG9tZW5vdGhpbmd0b3NlZWhlcmVyZWFsbHlvaw"
MOCK_BASE_URL = "https://chattz.test"
EXPECTED_USER_ID = 123
#: What the hand-written floor posts (plus the code).
FLOOR_FORM = {
    "grant_type": "authorization_code",
    "client_id": CLIENT_ID,
    "client_secret": CLIENT_SECRET,
    "redirect_uri": REDIRECT_URI,
}

Flow = Callable[[], Awaitable[Any]]
SyncFlow = Callable[[], Any]
Clock = Callable[[], float]


# --- Where the requests go ---------------------------------------------------


def _mock_transport(module: Any) -> Any:
    """A MockTransport of ``module`` (httpx or httpx2) answering like the provider."""
    json_headers = [("content-type", "application/json")]

    def handler(request: Any) -> Any:
        path = request.url.path
        if path == "/oauth/token" and request.method == "POST":
            return module.Response(200, headers=json_headers, content=TOKEN_BODY)
        if path == "/oauth/userinfo":
            if request.headers.get("authorization", "").startswith("Bearer "):
                return module.Response(200, headers=json_headers, content=USER_BODY)
            return module.Response(401, headers=json_headers, content=b'{"error":"invalid_token"}')
        return module.Response(404)

    return module.MockTransport(handler)


class Target:
    """How each kind of client reaches the provider in one mode.

    ``shared_*`` are for clients created once; ``per_call_*`` are the keyword
    arguments for clients that contenders create per call. In mock mode a
    per-call client is still built the default way (its own transport and
    SSL context, as shipped) and the mock is mounted over it, so the cost of
    creating a client per call is counted.
    """

    def __init__(self, mode: str, base_url: str) -> None:
        self.mode = mode
        self.base_url = base_url
        # Mock mode is all CPU in this process: count this process's CPU time,
        # so that other work on a shared machine does not shift the ratios.
        # Over TLS the server's work and the network wait count: wall time.
        self.clock: Clock = time.process_time if mode == "mock" else time.perf_counter
        self.authorize_url = base_url + "/oauth/authorize"
        self.token_url = base_url + "/oauth/token"
        self.userinfo_url = base_url + "/oauth/userinfo"
        if mode == "mock":
            import httpx2

            self._httpx = {"transport": _mock_transport(httpx)}
            self._httpx_sync = {"transport": _mock_transport(httpx)}
            self._httpx2 = {"transport": _mock_transport(httpx2)}
            self.per_call_httpx = {"mounts": {"all://": _mock_transport(httpx)}}
            self.per_call_httpx2 = {"mounts": {"all://": _mock_transport(httpx2)}}
        else:
            # TLS: every client trusts the trustme CA through SSL_CERT_FILE,
            # exactly as a default-constructed client would in production.
            self._httpx = self._httpx_sync = self._httpx2 = {}
            self.per_call_httpx = self.per_call_httpx2 = {}

    def async_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(**self._httpx)

    def sync_client(self) -> httpx.Client:
        return httpx.Client(**self._httpx_sync)

    def httpx2_kwargs(self) -> dict[str, Any]:
        return dict(self._httpx2)


def check_user(user: Any) -> None:
    user_id = user["id"] if isinstance(user, dict) else user.id
    if user_id != EXPECTED_USER_ID:
        raise AssertionError(f"unexpected user {user!r}")


# --- Async contenders ----------------------------------------------------------


async def floor_async(target: Target, stack: contextlib.AsyncExitStack) -> Flow:
    """Plain shared httpx.AsyncClient, the two requests written by hand."""
    client = await stack.enter_async_context(target.async_client())
    return floor_flow(client, target.token_url, target.userinfo_url)


def floor_flow(client: Any, token_url: str, userinfo_url: str) -> Flow:
    """The seed document's two requests by hand on ``client`` (httpx or httpx2)."""
    form = FLOOR_FORM

    async def flow() -> Any:
        response = await client.post(token_url, data={**form, "code": CODE})
        access_token = response.json()["access_token"]
        response = await client.get(
            userinfo_url, headers={"Authorization": f"Bearer {access_token}"}
        )
        return response.json()

    return flow


async def library_async(target: Target, stack: contextlib.AsyncExitStack) -> Flow:
    """AsyncChattzOAuth, one session for the app (it owns its client over TLS)."""
    http_client = (
        await stack.enter_async_context(target.async_client()) if target.mode == "mock" else None
    )
    session = AsyncChattzOAuth(
        CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, base_url=target.base_url, http_client=http_client
    )
    stack.push_async_callback(session.aclose)

    async def flow() -> Any:
        token = await session.exchange_code(CODE)
        return await session.userinfo(token)

    return flow


async def httpx_oauth_async(target: Target, stack: contextlib.AsyncExitStack) -> Flow:
    """httpx-oauth's generic OAuth2 as shipped: a new AsyncClient per call."""
    from httpx_oauth.exceptions import GetProfileError
    from httpx_oauth.oauth2 import OAuth2

    per_call = target.per_call_httpx
    userinfo_url = target.userinfo_url

    class ChattzHttpxOAuth(OAuth2):
        # get_profile written the way httpx-oauth's own provider clients do.
        def get_httpx_client(self) -> Any:
            return httpx.AsyncClient(**per_call)

        async def get_profile(self, token: str) -> dict[str, Any]:
            async with self.get_httpx_client() as client:
                response = await client.get(
                    userinfo_url,
                    headers={**self.request_headers, "Authorization": f"Bearer {token}"},
                )
                if response.status_code >= 400:
                    raise GetProfileError(response=response)
                return response.json()

    oauth = ChattzHttpxOAuth(
        CLIENT_ID, CLIENT_SECRET, target.authorize_url, target.token_url, name="chattz"
    )

    async def flow() -> Any:
        token = await oauth.get_access_token(CODE, REDIRECT_URI)
        return await oauth.get_profile(token["access_token"])

    return flow


async def authlib_shared_async(target: Target, stack: contextlib.AsyncExitStack) -> Flow:
    """Authlib's AsyncOAuth2Client created once and shared."""
    from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuth2Auth

    client = AsyncOAuth2Client(
        CLIENT_ID,
        CLIENT_SECRET,
        token_endpoint_auth_method="client_secret_post",
        redirect_uri=REDIRECT_URI,
        **target.httpx2_kwargs(),
    )
    await stack.enter_async_context(client)
    token_url, userinfo_url = target.token_url, target.userinfo_url

    async def flow() -> Any:
        token = await client.fetch_token(token_url, code=CODE)
        # The client's own token is per-client state; concurrent logins
        # must pass theirs explicitly.
        response = await client.get(userinfo_url, auth=OAuth2Auth(token))
        response.raise_for_status()
        return response.json()

    return flow


async def authlib_starlette_async(target: Target, stack: contextlib.AsyncExitStack) -> Flow:
    """Authlib's Starlette integration: a new AsyncOAuth2Client for every call."""
    from authlib.integrations.starlette_client import OAuth

    oauth = OAuth()
    app = oauth.register(
        "chattz",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        access_token_url=target.token_url,
        authorize_url=target.authorize_url,
        api_base_url=target.base_url + "/oauth/",
        client_kwargs={
            "token_endpoint_auth_method": "client_secret_post",
            **target.per_call_httpx2,
        },
    )

    async def flow() -> Any:
        token = await app.fetch_access_token(redirect_uri=REDIRECT_URI, code=CODE)
        response = await app.get("userinfo", token=token)
        response.raise_for_status()
        return response.json()

    return flow


ASYNC_CONTENDERS: dict[str, Callable[[Target, contextlib.AsyncExitStack], Awaitable[Flow]]] = {
    "floor: httpx.AsyncClient by hand (shared)": floor_async,
    "chattz_oauth_async AsyncChattzOAuth (shared)": library_async,
    "httpx-oauth OAuth2 (client per call)": httpx_oauth_async,
    "Authlib AsyncOAuth2Client (shared)": authlib_shared_async,
    "Authlib Starlette integration (client per call)": authlib_starlette_async,
}
LIBRARY_ASYNC = "chattz_oauth_async AsyncChattzOAuth (shared)"
#: The contenders also measured on trio (the third-party ones run on asyncio only).
TRIO_CONTENDERS = ("floor: httpx.AsyncClient by hand (shared)", LIBRARY_ASYNC)


# --- Sync contenders -----------------------------------------------------------


def floor_sync(target: Target, stack: contextlib.ExitStack) -> SyncFlow:
    """Plain shared httpx.Client, the two requests written by hand."""
    client = stack.enter_context(target.sync_client())
    form = FLOOR_FORM
    token_url, userinfo_url = target.token_url, target.userinfo_url

    def flow() -> Any:
        response = client.post(token_url, data={**form, "code": CODE})
        access_token = response.json()["access_token"]
        response = client.get(userinfo_url, headers={"Authorization": f"Bearer {access_token}"})
        return response.json()

    return flow


def library_sync(target: Target, stack: contextlib.ExitStack) -> SyncFlow:
    """ChattzOAuth (the generated sync twin), one session for the app."""
    http_client = stack.enter_context(target.sync_client()) if target.mode == "mock" else None
    session = ChattzOAuth(
        CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, base_url=target.base_url, http_client=http_client
    )
    stack.callback(session.close)

    def flow() -> Any:
        return session.userinfo(session.exchange_code(CODE))

    return flow


def authlib_sync(target: Target, stack: contextlib.ExitStack) -> SyncFlow:
    """Authlib's OAuth2Client (sync, on httpx2) created once and shared."""
    from authlib.integrations.httpx_client import OAuth2Auth, OAuth2Client

    client = OAuth2Client(
        CLIENT_ID,
        CLIENT_SECRET,
        token_endpoint_auth_method="client_secret_post",
        redirect_uri=REDIRECT_URI,
        **_sync_httpx2_kwargs(target),
    )
    stack.enter_context(client)
    token_url, userinfo_url = target.token_url, target.userinfo_url

    def flow() -> Any:
        token = client.fetch_token(token_url, code=CODE)
        response = client.get(userinfo_url, auth=OAuth2Auth(token))
        response.raise_for_status()
        return response.json()

    return flow


def _sync_httpx2_kwargs(target: Target) -> dict[str, Any]:
    if target.mode != "mock":
        return {}
    import httpx2

    return {"transport": _mock_transport(httpx2)}


SYNC_CONTENDERS: dict[str, Callable[[Target, contextlib.ExitStack], SyncFlow]] = {
    "floor: httpx.Client by hand (shared)": floor_sync,
    "chattz_oauth_async ChattzOAuth (shared)": library_sync,
    "Authlib OAuth2Client (shared)": authlib_sync,
}
LIBRARY_SYNC = "chattz_oauth_async ChattzOAuth (shared)"
