"""What the async session and its sync twin share around httpx, written once.

- :class:`RetryPolicy` and :func:`retry_delay`: when and how long to wait.
- :class:`BodyLimiter`: stops reading a body at the size cap, decoding gzip
  and deflate itself so a compressed bomb cannot inflate past the cap.
- :class:`HttpxErrors`: the exception classes of the HTTP library behind the
  session's client (httpx, or httpx2 when the caller passes an httpx2 client).

Nothing here performs I/O.
"""

from __future__ import annotations

import math
import random
import sys
import zlib
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any, Final

import attrs

from . import _checks as checks
from .errors import ConfigurationError, ProviderError, ResponseTooLargeError

__all__ = [
    "BOUNDED_ENCODINGS",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TOTAL_TIMEOUT",
    "BodyLimiter",
    "HttpxErrors",
    "RetryPolicy",
    "checked_clock",
    "retry_delay",
]

#: Default cap on a response body (decoded), in bytes.
DEFAULT_MAX_RESPONSE_BYTES: Final = 1024 * 1024
#: Default bound on one whole call, retries and waits included (seconds).
DEFAULT_TOTAL_TIMEOUT: Final = 30.0
#: Content encodings BodyLimiter inflates with a bound (what the session may accept).
BOUNDED_ENCODINGS: Final = frozenset({"", "identity", "gzip", "x-gzip", "deflate"})
#: The jitter's source (not a secret: it only spreads retries out).
_JITTER: Final = random.Random()  # noqa: S311
#: Compressed input allowed beyond the decoded cap: gzip headers, block framing.
_RAW_SLACK: Final = 64 * 1024
#: Statuses of an idempotent request that are worth another try.
RETRY_STATUSES: Final = frozenset({429, 502, 503, 504})


def checked_clock(clock: object) -> Callable[[], float]:
    """``clock`` (a session's ``clock=``), checked on every call.

    Every reading of the time goes through the session's clock (expiry,
    login age, the web helpers' cookies); a reading that is not a finite
    number would otherwise fail deep inside with a raw TypeError, or switch
    an expiry check off (NaN compares False).

    Raises:
        ConfigurationError: ``clock`` is not callable; or, when the returned
            function is called, ``clock()`` returned something that is not a
            finite number.
    """
    if not callable(clock):
        raise ConfigurationError("clock must be a function returning epoch seconds")

    def now() -> float:
        value = clock()
        if type(value) not in (int, float) or not math.isfinite(value):
            raise ConfigurationError(
                "the session's clock returned something other than a finite number"
            )
        return float(value)

    return now


@attrs.frozen
class RetryPolicy:
    """How the session retries requests that are safe to repeat.

    ``GET /oauth/userinfo`` is retried on connection failures and on 429,
    502, 503 and 504. The code exchange and refresh are retried only when the
    connection could not be made at all, since a code is single use.
    Everything stays inside the session's total deadline.

    Attributes:
        attempts: Tries in all, the first included: a whole number >= 1 (1
            switches retries off).
        base_delay: The first backoff, in seconds, doubled on each retry: a
            finite number >= 0.
        max_delay: The longest single wait, ``Retry-After`` included: a finite
            number of seconds >= ``base_delay``.

    Raises:
        ConfigurationError: A value outside these, naming the attribute.
    """

    attempts: int = attrs.field(default=3, validator=checks.validator(checks.whole))
    base_delay: float = attrs.field(
        default=0.2, validator=checks.validator(checks.seconds, zero=True)
    )
    max_delay: float = attrs.field(default=5.0)

    @max_delay.validator
    def _check_max_delay(self, _: object, value: object) -> None:
        if checks.seconds("max_delay", value, zero=True) < self.base_delay:
            raise ConfigurationError("max_delay must be a finite number of seconds >= base_delay")


def _retry_after_seconds(value: str | None, now: float) -> float | None:
    """Seconds the server asked us to wait, or None when it did not say so readably.

    The value is the provider's: a date whose year or UTC offset overflows,
    or anything else unreadable, is ignored rather than raised.
    """
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
        seconds = when.timestamp() - now
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, seconds)


def retry_delay(
    policy: RetryPolicy,
    attempt: int,
    retry_after: str | None = None,
    *,
    now: float = 0.0,
    rng: random.Random | None = None,
) -> float:
    """Seconds to wait before try number ``attempt + 1``.

    Full-jitter exponential backoff, or the server's ``Retry-After`` (seconds
    or an HTTP date) when it sent one; never more than ``policy.max_delay``.
    """
    server = _retry_after_seconds(retry_after, now)
    if server is not None and math.isfinite(server):
        return min(server, policy.max_delay)
    # The exponent is capped: 2.0 ** 1024 overflows a float, and 2**64 is past any max_delay.
    ceiling = min(policy.max_delay, policy.base_delay * 2.0 ** min(max(attempt - 1, 0), 64))
    return (rng or _JITTER).uniform(ceiling / 2, ceiling)


class BodyLimiter:
    """Collects a response body and stops at ``limit`` decoded bytes.

    Feed it the raw (still encoded) chunks. gzip and deflate are inflated here
    with an output bound, so a compression bomb never grows past the cap; the
    raw input is bounded too (``limit`` plus 64 KiB of headers and framing),
    and any byte after the end of the compressed stream is refused. One call
    to :meth:`feed` inflates at most ``limit`` bytes, so the caller can yield
    to other tasks between chunks.

    Raises:
        ResponseTooLargeError: The body (or its declared length) exceeds the cap.
        ProviderError: An unsupported or corrupt content encoding, a
            compressed stream cut before its end, or data after its end.
    """

    __slots__ = ("_chunks", "_decoder", "_limit", "_raw", "_size", "_status")

    def __init__(
        self,
        limit: int,
        status_code: int,
        content_length: str | None = None,
        content_encoding: str | None = None,
    ) -> None:
        self._limit = limit
        self._status = status_code
        self._size = 0
        self._raw = 0
        self._chunks: list[bytes] = []
        encoding = (content_encoding or "identity").strip().lower()
        if encoding in ("identity", ""):
            self._decoder = None
            if (
                content_length
                and content_length.isascii()
                and content_length.isdigit()
                and int(content_length) > limit
            ):
                raise self._too_large()
        elif encoding in ("gzip", "x-gzip"):
            self._decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._decoder = zlib.decompressobj()
        else:
            raise ProviderError(f"unsupported response encoding {encoding[:20]!r}", status_code)

    def _too_large(self) -> ResponseTooLargeError:
        return ResponseTooLargeError(
            f"response body is larger than the {self._limit} byte cap", self._status
        )

    def _corrupt(self) -> ProviderError:
        return ProviderError("response body is not validly compressed", self._status)

    def _add(self, data: bytes) -> None:
        self._size += len(data)
        if self._size > self._limit:
            raise self._too_large()
        self._chunks.append(data)

    def _trailing(self) -> ProviderError:
        return ProviderError("response body has data after its compressed stream", self._status)

    def feed(self, chunk: bytes) -> None:
        """Add a raw chunk of the body."""
        if self._decoder is None:
            self._add(chunk)
            return
        if not chunk:
            return
        if self._decoder.eof:
            # zlib would append it to unused_data, unbounded and quadratically.
            raise self._trailing()
        self._raw += len(chunk)
        if self._raw > self._limit + _RAW_SLACK:
            raise self._too_large()
        try:
            # Ask for at most one byte past the cap: enough to know it is exceeded.
            data = self._decoder.decompress(chunk, self._limit - self._size + 1)
        except zlib.error:
            raise self._corrupt() from None
        self._add(data)
        if self._decoder.unused_data:
            raise self._trailing()
        if self._decoder.unconsumed_tail:
            raise self._too_large()

    def result(self) -> bytes:
        """The whole decoded body."""
        if self._decoder is not None:
            try:
                self._add(self._decoder.flush())
            except zlib.error:
                raise self._corrupt() from None
            if self._raw and not self._decoder.eof:
                # Cut before the stream's end: what it inflated so far is not the body.
                raise self._corrupt()
        return b"".join(self._chunks)


class HttpxErrors:
    """The exception classes (and URL class) of the HTTP library a client object comes from.

    httpx2 (the maintained continuation of httpx) has its own exception
    classes; a session given an httpx2 client must catch those. (A plain
    class, not attrs: it is internal, and attrs classes cost import time.)
    """

    __slots__ = ("not_sent", "protocol", "timeout", "transport", "url")

    def __init__(
        self,
        transport: tuple[type[Exception], ...],
        timeout: type[Exception],
        not_sent: tuple[type[Exception], ...],
        protocol: type[Exception],
        url: Callable[[str], Any] = str,
    ) -> None:
        self.transport = transport
        self.timeout = timeout
        self.not_sent = not_sent
        #: Malformed HTTP: the message quotes the server's bytes.
        self.protocol = protocol
        self.url = url

    @classmethod
    def for_client(cls, client: object) -> HttpxErrors:
        """Find the exceptions of the library (httpx or httpx2) behind ``client``."""
        name = "httpx"
        for klass in type(client).__mro__:
            root = klass.__module__.partition(".")[0]
            if root in ("httpx", "httpx2"):
                name = root
                break
        __import__(name)
        module = sys.modules[name]
        return cls(
            transport=(module.HTTPError, module.StreamError, module.InvalidURL),
            timeout=module.TimeoutException,
            not_sent=(module.ConnectError, module.ConnectTimeout, module.PoolTimeout),
            protocol=module.ProtocolError,
            url=module.URL,
        )
