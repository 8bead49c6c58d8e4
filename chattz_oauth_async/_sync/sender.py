# GENERATED from chattz_oauth_async/_async/sender.py by scripts/gen_sync.py -- do not edit.
# Edit the async original, then run: python scripts/gen_sync.py
"""Sending one of the session's requests: retries, the total deadline, a bounded body.

The session's calls (``calls.py``) decide what to send and read the answer; this
module moves the bytes through the session's one HTTP client (``_client.py``
builds it, or the caller passes it) and turns what httpx raises into the
library's errors. It records whether a request may have reached the provider
(:class:`Wire`: marked by ``_transport.py`` once the request holds a slot of
the async session's own client, otherwise just before the client sends it),
and names a caller's async client used from another event loop as such.
``chattz_oauth_async/_sync/sender.py`` is generated from this file by
``scripts/gen_sync.py``: edit here, then regenerate.
"""

from __future__ import annotations

import logging
import time
from typing import Any, NoReturn

import httpx

from .._client import SessionClient, closed_client_error, other_loop_error
from .._http import (
    BOUNDED_ENCODINGS,
    RETRY_STATUSES,
    BodyLimiter,
    HttpxErrors,
    RetryPolicy,
    retry_delay,
)
from .._synchronization import (
    sync_checkpoint,
    sync_deadline,
    sync_loop_key,
    sync_raw_chunks,
    sync_request_timeouts,
    sync_sleep,
)
from .._telemetry import attempt
from .._transport import WIRE
from ..errors import TransportError, TransportTimeout, clean_text
from ..protocol import HTTPRequest

__all__ = ["Response", "Sender", "Wire"]

logger = logging.getLogger("chattz_oauth_async")

#: A session sends to a handful of endpoint URLs; more than this are not cached.
_MAX_PARSED_URLS = 8

#: Status, decoded body, headers.
Response = tuple[int, bytes, httpx.Headers]


class Wire:
    """Whether a request may have reached the provider.

    Set once the request holds a connection slot of the async session's own
    client (see ``_transport``), otherwise just before the client sends it.
    """

    __slots__ = ("maybe_sent",)

    def __init__(self) -> None:
        self.maybe_sent: bool = False


class Sender:
    """Sends requests through a session's client, within its limits.

    Args:
        http: The session's client, and what it owns of it (see ``_client.py``).
        total_timeout: Bound on one whole call, retries and waits included (seconds).
        max_response_bytes: Cap on a response body.
        retry: When and how long to wait before trying again.
    """

    def __init__(
        self,
        http: SessionClient,
        *,
        total_timeout: float,
        max_response_bytes: int,
        retry: RetryPolicy,
    ) -> None:
        self.client: Any = http.client
        self._per_loop = http.per_loop
        self._owned = http.transport is not None
        #: The event loop that last used a client bound to one loop (a caller's, or over a
        #: caller's transport), to name the failure when another loop uses it.
        self._last_loop: object = None
        self.total_timeout = total_timeout
        self.max_response_bytes = max_response_bytes
        self.retry = retry
        # httpx2's client has the same API as httpx's; only its exception
        # classes differ, and HttpxErrors picks the right ones.
        self._errors = HttpxErrors.for_client(self.client)
        # The session's endpoint URLs, parsed once into the library's URL class:
        # build_request() parses a string URL on every call (13-23 us a request,
        # benchmarks/hotpath.py: the flow went from 0.86 to 0.99 of the floor).
        self._urls: dict[str, Any] = {}
        # Accept only encodings the body limiter inflates with a bound: httpx
        # also offers br and zstd when their packages are installed.
        offered = self.client.headers.get("accept-encoding", "")
        codings = {part.strip().lower() for part in offered.split(",")}
        self._extra_headers: tuple[tuple[str, str], ...] = (
            () if codings <= BOUNDED_ENCODINGS else (("Accept-Encoding", "gzip, deflate"),)
        )

    def send(
        self, request: HTTPRequest, *, idempotent: bool, what: str, wire: Wire | None = None
    ) -> Response:
        """Send ``request`` with retries inside the total deadline.

        Args:
            request: What to send.
            idempotent: Safe to repeat (retried on failures and 429/502/503/504);
                otherwise retried only when no connection could be made.
            what: Names the call in log lines and error messages.
            wire: Records whether the request may have reached the provider.

        Returns:
            The status, the decoded body and the headers of the last answer.

        Raises:
            TransportTimeout: The total deadline passed (waiting for a
                connection included), or a per-operation timeout fired.
            TransportError: The request failed.
            ResponseTooLargeError, ProviderError: The body is over the cap or
                badly encoded.
            ConfigurationError: The client is closed, or an async client (or
                transport) passed in failed in another event loop.
        """
        wire = Wire() if wire is None else wire
        deadline = time.monotonic() + self.total_timeout
        attempt = 0
        while True:
            attempt += 1
            try:
                with sync_deadline(max(deadline - time.monotonic(), 0.0)):
                    response = self._send_once(request, deadline, what, wire)
            except TimeoutError as exc:
                raise self._deadline_error(what) from exc
            except self._errors.transport as exc:
                retryable = idempotent or isinstance(exc, self._errors.not_sent)
                final = not retryable or attempt >= self.retry.attempts
                retry_after = None
                failure: Exception | Response = exc
            else:
                status, _, headers = response
                if not (idempotent and status in RETRY_STATUSES and attempt < self.retry.attempts):
                    return response
                retry_after = headers.get("retry-after")
                failure = response
                final = False
            if final and isinstance(failure, Exception):
                self._give_up(failure, what)  # outside the except: no __context__
            delay = retry_delay(self.retry, attempt, retry_after, now=time.time())
            if time.monotonic() + delay >= deadline:
                if isinstance(failure, Exception):
                    self._give_up(failure, what)
                return failure
            logger.info("%s: try %d failed, retrying in %.2fs", what, attempt, delay)
            sync_sleep(delay)

    def _send_once(
        self, request: HTTPRequest, deadline: float, what: str, wire: Wire
    ) -> Response:
        with attempt(request) as record:  # an attempt's span and duration
            response = self._exchange_bytes(request, deadline, what, wire)
            record(response[0])
            return response

    def _exchange_bytes(
        self, request: HTTPRequest, deadline: float, what: str, wire: Wire
    ) -> Response:
        client = self.client
        if client.is_closed:
            raise closed_client_error(self._owned)  # httpx would raise a RuntimeError of its own
        url = self._urls.get(request.url)
        if url is None:
            url = self._errors.url(request.url)
            if len(self._urls) < _MAX_PARSED_URLS:
                self._urls[request.url] = url
        http_request = client.build_request(
            request.method,
            url,
            headers=request.headers + self._extra_headers,
            content=request.body or None,
            **sync_request_timeouts(client.timeout, deadline - time.monotonic()),
        )
        # No cookie travels: a client passed in may hold some from earlier calls.
        if "cookie" in http_request.headers:
            del http_request.headers["cookie"]
        sent_before = wire.maybe_sent
        if self._per_loop:
            http_request.extensions[WIRE] = wire  # marked once the request holds a slot
        else:
            wire.maybe_sent = True
        try:
            response = client.send(http_request, stream=True, follow_redirects=False)
        except self._errors.not_sent:
            wire.maybe_sent = sent_before  # no connection: this try sent nothing
            raise
        except RuntimeError as exc:
            if not self._per_loop and self._last_loop not in (None, sync_loop_key()):
                raise other_loop_error() from exc
            raise
        if not self._per_loop:
            self._last_loop = sync_loop_key()
        try:
            # The sync twin cannot interrupt a blocking read: at least do not
            # accept an answer that arrived after the deadline.
            if time.monotonic() > deadline:
                raise self._deadline_error(what)
            headers = response.headers
            if response.is_stream_consumed:
                # In-memory transports (httpx.MockTransport) hand over a body
                # that is already read and decoded.
                limiter = BodyLimiter(self.max_response_bytes, response.status_code)
                limiter.feed(response.content)
            else:
                # Real transports stream it raw; the limiter decodes with a bound.
                limiter = BodyLimiter(
                    self.max_response_bytes,
                    response.status_code,
                    headers.get("content-length"),
                    headers.get("content-encoding"),
                )
                with sync_raw_chunks(response) as chunks:
                    more = False
                    for chunk in chunks:
                        if more:
                            # Inflating is CPU work, and a transport may hand over
                            # chunks without waiting: let other threads (and their
                            # deadlines) run. Not before the first chunk: most
                            # bodies have one, and a checkpoint costs ~10 us.
                            sync_checkpoint()
                        more = True
                        limiter.feed(chunk)
                        if time.monotonic() > deadline:
                            raise self._deadline_error(what)
            body = limiter.result()
        finally:
            response.close()
        logger.debug("%s: HTTP %d, %d bytes", what, response.status_code, len(body))
        return response.status_code, body, headers

    def _deadline_error(self, what: str) -> TransportTimeout:
        return TransportTimeout(f"{what} did not complete within {self.total_timeout:g}s")

    def _give_up(self, exc: Exception, what: str) -> NoReturn:
        """Raise the TransportError for ``exc`` (call it outside any ``except`` block).

        The httpx exception becomes ``__cause__``, except a protocol error's:
        its text, and that of the h11/httpcore errors behind it, quotes the
        server's bytes, and a server that echoes the request (a misdirected
        base_url, a broken proxy) would put the client secret, the code or the
        bearer token into every traceback and log.
        """
        name = type(exc).__name__
        if isinstance(exc, self._errors.timeout):
            raise TransportTimeout(f"{what} timed out ({name})") from exc
        if isinstance(exc, self._errors.protocol):
            raise TransportError(f"{what} failed: {name}: the answer is not valid HTTP") from None
        detail = clean_text(str(exc), 200)
        error = TransportError(f"{what} failed: {name}" + (f": {detail}" if detail else ""))
        raise error from exc
