"""Helpers shared by the async tests and their generated sync twins."""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import anyio
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from chattz_oauth_async import protocol
from chattz_oauth_async.errors import (
    ChattzOAuthError,
    ConfigurationError,
    OAuthError,
)
from chattz_oauth_async.models import Token
from chattz_oauth_async.protocol import ClientConfig, parse_token_response

#: A fixed "now" for tests with a frozen clock (epoch seconds, November 2023).
NOW = 1_700_000_000.0
#: Secrets with a recognisable shape, to check that none of them leaks.
CLIENT_SECRET = "s3cr3t-CLIENT-secret-value"
CODE = "the-authorization-CODE-1234"
ACCESS_TOKEN = "AT-access-token-value-5678"
REFRESH_TOKEN = "RT-refresh-token-value-9012"
#: The userinfo example of the Chattz documentation.
DOCUMENTED_USER: dict[str, Any] = {
    "id": 123,
    "username": "johndoe",
    "email": "johndoe@example.com",
    "first_name": "John",
    "last_name": "Doe",
    "avatar": "https://chattz.net/avatars/123.png",
}
#: A login-state key long enough for signing_keys(), and another one.
LOGIN_KEY = "k" * 32
OTHER_LOGIN_KEY = "o" * 32


async def async_gather(calls: list[Callable[[], Coroutine[Any, Any, None]]]) -> None:
    """Run the calls concurrently as tasks and wait for all of them."""
    async with anyio.create_task_group() as tg:
        for call in calls:
            tg.start_soon(call)


def sync_gather(calls: list[Callable[[], None]]) -> None:
    """Run the calls concurrently in threads and wait for all (re-raising failures)."""
    with ThreadPoolExecutor(max_workers=min(32, len(calls))) as pool:
        for future in [pool.submit(call) for call in calls]:
            future.result()


def in_threads(calls: list[Callable[[], None]], timeout: float) -> None:
    """Start one thread per call at once, then wait up to ``timeout`` seconds for each."""
    threads = [threading.Thread(target=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)


class FakeClock:
    """A clock the test moves by hand: call it for the time, ``advance()`` to move it."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self.now += seconds


def lone_surrogate_texts() -> st.SearchStrategy[str]:
    """Texts of 9+ characters with a lone surrogate inside, as os.environ yields them."""
    return st.builds(
        lambda head, tail: head + "\udcff" + tail,
        st.text(min_size=4, max_size=20),
        st.text(min_size=4, max_size=20),
    )


def assert_not_leaked(secret: str, error: BaseException) -> None:
    """The error's message, args, repr and chained exceptions never hold ``secret``."""
    texts = [str(error), repr(error), repr(error.args)]
    assert [False, False, False] == [secret in text for text in texts]
    assert (None, None) == (error.__cause__, error.__context__)


def secrets_in_frames(error: BaseException, secrets: list[str]) -> list[str]:
    """Where ``secrets`` sit in the locals of ``error``'s traceback frames, and of the
    exceptions it was raised from or during: ``module.function: name`` for each local whose
    value (a str or bytes, or its repr) holds one. The test's own frames are left out.

    What an error tracker that records frame locals (Sentry, by default) would send.
    """
    found: list[str] = []
    seen: set[int] = set()
    pending = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        pending += [e for e in (current.__cause__, current.__context__) if e is not None]
        tb = current.__traceback__
        while tb is not None:
            frame, tb = tb.tb_frame, tb.tb_next
            module = frame.f_globals.get("__name__", "")
            if module.startswith("tests."):
                continue
            for name, value in frame.f_locals.items():
                text = value.decode("latin-1") if isinstance(value, bytes) else value
                text = text if isinstance(text, str) else repr(value)
                if any(secret in text for secret in secrets):
                    found.append(f"{module}.{frame.f_code.co_name}: {name}")
    return found


# --- The pure protocol core: configs, bodies, and the "only typed errors" check ------------

#: A client registered for https://app.example/cb, with a recognisable secret.
CONFIG = ClientConfig("client-id", CLIENT_SECRET, "https://app.example/cb")
#: The client of the provider's documentation example (client_id abc123).
DOCUMENTED_CONFIG = ClientConfig("abc123", "s3cret", "https://example.com/chattz-callback")
#: Hypothesis settings for the property tests over the core.
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: Any JSON value (NaN and infinities included: json.dumps writes them).
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


def json_body(data: object) -> bytes:
    """JSON-encode a response body."""
    return json.dumps(data).encode()


def json_bytes(value: Any) -> bytes:
    """JSON-encode any value, NaN and infinities included (not strict JSON)."""
    return json.dumps(value, allow_nan=True).encode()


def token_body(**fields: Any) -> bytes:
    """A JSON token response: a valid bearer token, changed by ``fields`` (``...`` removes one)."""
    data: dict[str, Any] = {
        "access_token": ACCESS_TOKEN,
        "token_type": "Bearer",
        "expires_in": 3600,
    }
    data.update(fields)
    return json.dumps({k: v for k, v in data.items() if v is not ...}).encode()


def user_body(**fields: Any) -> bytes:
    """A JSON userinfo response, changed by ``fields`` (``...`` removes one)."""
    data = {**DOCUMENTED_USER, **fields}
    return json.dumps({k: v for k, v in data.items() if v is not ...}).encode()


def oauth_error_fields(error: OAuthError) -> tuple[str, str | None, int | None]:
    """An OAuthError's error code, description and HTTP status, to compare in one assert."""
    return error.error, error.error_description, error.status_code


def parse_token(status: int, body: bytes) -> Token:
    """parse_token_response at the fixed time NOW."""
    return parse_token_response(status, body, now=NOW)


def protocol_source() -> str:
    """The source text of every module of the protocol package."""
    folder = Path(protocol.__file__).parent
    return "\n".join(path.read_text() for path in sorted(folder.glob("*.py")))


#: What a call gave: ``("ok", value)``, or the exception's type and message.
Outcome = tuple[Any, Any]


def outcome(call: Callable[[], object]) -> Outcome:
    """Run ``call``: ``("ok", result)``, or ``(type, str(error))`` for a ChattzOAuthError.

    Any other exception propagates, so a raw error fails the test with its traceback.
    Compare with ``expected == outcome(...)``: one assert pins the result or the exact error.
    """
    try:
        return "ok", call()
    except ChattzOAuthError as exc:
        return type(exc), str(exc)


def raised(call: Callable[[], object]) -> BaseException | None:
    """The exception ``call`` raised, or None."""
    try:
        call()
    except BaseException as exc:
        return exc
    return None


def shows_secret(exc: BaseException | None, secret: str) -> bool:
    """Whether ``secret`` is in the str, repr or args of ``exc`` or its cause/context chain."""
    while exc is not None:
        if secret in str(exc) or secret in repr(exc) or any(secret in repr(a) for a in exc.args):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def configuration_error(message: str) -> Outcome:
    """The outcome of a call refused with a ConfigurationError saying ``message``."""
    return ConfigurationError, message


def not_encodable(what: str) -> Outcome:
    """The outcome of a call given a lone surrogate in ``what`` (which is named, not shown)."""
    return configuration_error(
        f"{what} cannot be encoded as UTF-8 (it holds a lone surrogate: "
        "was it read from undecodable bytes?)"
    )


def has_lone_surrogate(value: str) -> bool:
    """Whether ``value`` holds a surrogate code point UTF-8 cannot encode."""
    return any(0xD800 <= ord(ch) <= 0xDFFF for ch in value)


#: Values of every wrong kind a confused caller might pass, by a name a test id can show.
WRONG: dict[str, Any] = {
    "None": None,
    "0": 0,
    "-1": -1,
    "1.5": 1.5,
    "nan": math.nan,
    "inf": math.inf,
    "True": True,
    "b'bytes'": b"bytes",
    "bytearray": bytearray(b"x"),
    "['list']": ["list"],
    "{'a': 1}": {"a": 1},
    "''": "",
    "' '": " ",
    "lone-surrogate": "\udcff",
    "NUL": "a\x00b",
    "é": "é",
    "object()": object(),
}
