"""Helpers shared by the async tests and their generated sync twins."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
from hypothesis import strategies as st

#: A fixed "now" for tests with a frozen clock (epoch seconds, November 2023).
NOW = 1_700_000_000.0
#: Secrets with a recognisable shape, to check that none of them leaks.
CLIENT_SECRET = "s3cr3t-CLIENT-secret-value"
CODE = "the-authorization-CODE-1234"
ACCESS_TOKEN = "AT-access-token-value-5678"
REFRESH_TOKEN = "RT-refresh-token-value-9012"
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
