"""docs/security.md's access-log filter, run as shown under a real uvicorn on loopback.

uvicorn's access log writes the request line, query included: a callback's
holds the authorization code and the state. With the page's filter on the
``uvicorn.access`` logger, the logged line has the path alone.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.test_docs import run_block

pytestmark = pytest.mark.network


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A callback route that answers 200."""
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


class Lines(logging.Handler):
    """The formatted messages of the records it sees."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def access_log() -> Iterator[tuple[logging.Logger, Lines]]:
    """uvicorn's access logger, captured, with its filters restored afterwards."""
    logger = logging.getLogger("uvicorn.access")
    filters, handlers, level = list(logger.filters), list(logger.handlers), logger.level
    captured = Lines()
    logger.addHandler(captured)
    logger.setLevel(logging.INFO)
    try:
        yield logger, captured
    finally:
        logger.filters[:], logger.handlers[:] = filters, handlers
        logger.setLevel(level)


def served_callback() -> None:
    """One callback with a code and state through uvicorn on a loopback socket."""
    import uvicorn

    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen()
    port = listening.getsockname()[1]
    config = uvicorn.Config(app, log_config=None, access_log=True, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]})
    thread.start()
    try:  # the request waits in the listen queue until uvicorn accepts it
        httpx.get(f"http://127.0.0.1:{port}/callback?code=SECRETCODE&state=S", timeout=30)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listening.close()


@pytest.mark.parametrize(
    ("with_filter", "path"), [(False, "/callback?code=SECRETCODE&state=S"), (True, "/callback")]
)
def test_access_log_filter_keeps_the_code_out_of_uvicorns_log(
    access_log: tuple[logging.Logger, Lines], with_filter: bool, path: str
) -> None:
    """Without the filter the code is logged; with the page's filter, the path alone."""
    _, captured = access_log
    if with_filter:
        run_block("access-log-filter")
    served_callback()
    assert [f'"GET {path} HTTP/1.1" 200'] == [line.partition(" - ")[2] for line in captured.lines]
