"""_http: the retry policy and its delays, and the body limiter, under hostile input."""

from __future__ import annotations

import gzip
import math
import random
import zlib
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chattz_oauth_async._http import (
    DEFAULT_MAX_RESPONSE_BYTES,
    BodyLimiter,
    RetryPolicy,
    retry_delay,
)
from chattz_oauth_async.errors import (
    ChattzOAuthError,
    ConfigurationError,
    ProviderError,
    ResponseTooLargeError,
)
from tests.helpers import (
    NOW,
    PROPERTY,
)

POLICY = RetryPolicy(attempts=3, base_delay=0.2, max_delay=5.0)


@pytest.mark.checklist(31)
@pytest.mark.parametrize(
    "retry_after",
    [
        "Mon, 01 Jan 10000000000000000000000 00:00:00 GMT",
        "Mon, 01 Jan 2024 99999999999999999999:00:00 GMT",
        "Mon, 01 Jan 0001 00:00:00 +2359",
        "Fri, 31 Dec 9999 23:59:59 -2359",
        "Mon, 01 Jan 2024 00:00:00 +99999999999999999999",
    ],
)
def test_checklist_31_retry_after_date_that_overflows_falls_back_to_backoff(
    retry_after: str,
) -> None:
    """A Retry-After date whose year, hour or offset overflows gives a delay, never a raw error."""
    delay = retry_delay(POLICY, 1, retry_after, now=NOW)
    assert (True, True) == (math.isfinite(delay), 0.0 <= delay <= POLICY.max_delay)


@settings(max_examples=300, deadline=None)
@given(
    year=st.integers(0, 10**30),
    hour=st.integers(0, 10**30),
    sign=st.sampled_from("+-"),
    offset=st.integers(0, 10**30),
)
def test_property_retry_after_any_http_date_gives_a_bounded_delay(
    year: int, hour: int, sign: str, offset: int
) -> None:
    """Any Retry-After shaped like an HTTP date gives a delay within [0, max_delay]."""
    value = f"Mon, 01 Jan {year} {hour:02d}:00:00 {sign}{offset:04d}"
    delay = retry_delay(POLICY, 1, value, now=NOW)
    assert True is (0.0 <= delay <= POLICY.max_delay)


@settings(max_examples=300, deadline=None)
@given(value=st.text(), attempt=st.integers(1, 10**6))
def test_property_retry_delay_any_header_any_attempt_is_bounded(value: str, attempt: int) -> None:
    """Any Retry-After text and any attempt number give a delay within [0, max_delay]."""
    delay = retry_delay(POLICY, attempt, value, now=NOW)
    assert True is (0.0 <= delay <= POLICY.max_delay)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"attempts": "3"},
        {"attempts": 2.5},
        {"attempts": None},
        {"base_delay": "0.1"},
        {"base_delay": math.nan},
        {"max_delay": math.inf},
        {"max_delay": None},
    ],
)
def test_retry_policy_wrong_types_are_configuration_errors(kwargs: dict[str, object]) -> None:
    """A RetryPolicy with a value of the wrong type is a ConfigurationError, not a TypeError."""
    with pytest.raises(ConfigurationError):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


def read_all(limiter: BodyLimiter, chunks: list[bytes]) -> bytes:
    """Feed every chunk, then return the decoded body."""
    for chunk in chunks:
        limiter.feed(chunk)
    return limiter.result()


def gzip_body(data: bytes) -> bytes:
    """``data`` as one gzip member."""
    return gzip.compress(data)


def deflate_body(data: bytes) -> bytes:
    """``data`` as a zlib (HTTP ``deflate``) stream."""
    return zlib.compress(data)


@pytest.mark.checklist(36)
@pytest.mark.parametrize(("encoding", "compress"), [("gzip", gzip_body), ("deflate", deflate_body)])
def test_checklist_36_data_after_the_compressed_stream_is_refused(
    encoding: str, compress: object
) -> None:
    """Bytes after the end of a gzip or deflate stream are a typed error at once, not kept."""
    limiter = BodyLimiter(1024, 200, None, encoding)
    with pytest.raises(ProviderError) as caught:
        limiter.feed(compress(b'{"id": 1}') + b"x" * 10)  # type: ignore[operator]
    assert "after its compressed stream" in str(caught.value)


@pytest.mark.checklist(36)
def test_checklist_36_trailing_chunks_after_the_end_are_refused_on_the_first() -> None:
    """After a complete small body, the first trailing chunk is refused (no 64 MiB pile-up)."""
    limiter = BodyLimiter(1024 * 1024, 200, None, "gzip")
    limiter.feed(gzip_body(b"{}"))
    with pytest.raises(ProviderError):
        limiter.feed(b"\0" * 65536)


@pytest.mark.checklist(36)
def test_checklist_36_compressed_input_without_output_is_bounded() -> None:
    """A gzip header with an endless file name (no output at all) stops at the raw cap."""
    limiter = BodyLimiter(1024, 200, None, "gzip")
    header = b"\x1f\x8b\x08\x08" + b"\0" * 6  # FNAME set: a zero-terminated name follows
    with pytest.raises(ResponseTooLargeError):
        read_all(limiter, [header] + [b"a" * 4096] * 100)


@pytest.mark.checklist(36)
def test_checklist_36_one_feed_of_a_bomb_stops_at_the_cap() -> None:
    """A 10 MB bomb fed in one chunk is refused by that feed (inflating stops past the cap)."""
    limiter = BodyLimiter(1000, 200, None, "deflate")
    with pytest.raises(ResponseTooLargeError):
        limiter.feed(deflate_body(b"\0" * 10_000_000))


@settings(max_examples=200, deadline=None)
@given(
    encoding=st.sampled_from(["gzip", "deflate"]),
    body=st.binary(max_size=200),
    tail=st.binary(min_size=1, max_size=200),
    cut=st.integers(0, 400),
)
def test_property_any_bytes_after_a_valid_stream_are_refused(
    encoding: str, body: bytes, tail: bytes, cut: int
) -> None:
    """However the stream and its tail are chunked, a trailing byte is a typed error."""
    data = (gzip_body(body) if encoding == "gzip" else deflate_body(body)) + tail
    limiter = BodyLimiter(10_000, 200, None, encoding)
    with pytest.raises(ChattzOAuthError):
        read_all(limiter, [data[:cut], data[cut:]])


def read_body(
    limiter: BodyLimiter | Callable[[], BodyLimiter],
    chunks: list[bytes],
    fed: list[int] | None = None,
) -> bytes:
    """Feed ``chunks`` to a BodyLimiter (or one made now) and return the body."""
    if not isinstance(limiter, BodyLimiter):
        limiter = limiter()
    for chunk in chunks:
        limiter.feed(chunk)
        if fed is not None:
            fed.append(len(chunk))
    return limiter.result()


@pytest.mark.checklist(36)
def test_checklist_36_body_limiter_cuts_off_at_cap_while_streaming() -> None:
    """Line 36: feeding past the cap raises as soon as the cap is crossed."""
    fed: list[int] = []
    with pytest.raises(ResponseTooLargeError) as info:
        read_body(BodyLimiter(1000, 200), [b"x" * 300] * 100, fed)
    assert (900, 200) == (sum(fed), info.value.status_code)


@pytest.mark.checklist(36)
def test_checklist_36_declared_length_over_cap_rejected_before_reading() -> None:
    """Line 36: a Content-Length over the cap is refused before any byte is read."""
    with pytest.raises(ResponseTooLargeError):
        BodyLimiter(DEFAULT_MAX_RESPONSE_BYTES, 200, str(DEFAULT_MAX_RESPONSE_BYTES + 1))


@pytest.mark.parametrize("declared", ["10", "0", "-5", "abc", "", "99999999999999999999999"])
@pytest.mark.checklist(36)
def test_checklist_36_lying_content_length_does_not_lift_cap(declared: str) -> None:
    """Line 36: a small or nonsense Content-Length does not let more than the cap through."""
    with pytest.raises(ResponseTooLargeError):
        read_body(lambda: BodyLimiter(1000, 200, declared), [b"x" * 1001])


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("gzip", lambda d: gzip.compress(d, 9)),
        ("x-gzip", lambda d: gzip.compress(d, 9)),
        ("deflate", lambda d: zlib.compress(d, 9)),
        ("GZIP", lambda d: gzip.compress(d, 9)),
    ],
)
@pytest.mark.checklist(36)
def test_checklist_36_gzip_bomb_stops_at_cap(encoding: str, compress: Any) -> None:
    """Line 36: 16 MiB of zeros compressed to ~16 KiB stops at the 1 MiB cap."""
    bomb = compress(b"\0" * (16 * 1024 * 1024))
    limiter = BodyLimiter(DEFAULT_MAX_RESPONSE_BYTES, 200, str(len(bomb)), encoding)
    chunks = [bomb[start : start + 4096] for start in range(0, len(bomb), 4096)]
    with pytest.raises(ResponseTooLargeError):
        read_body(limiter, chunks)


@pytest.mark.checklist(36)
def test_checklist_36_small_compressed_body_decoded() -> None:
    """Line 36: a small gzip body under the cap decodes normally."""
    limiter = BodyLimiter(1000, 200, None, "gzip")
    data = gzip.compress(b'{"a": 1}')
    limiter.feed(data[:5])
    limiter.feed(data[5:])
    assert b'{"a": 1}' == limiter.result()


@pytest.mark.parametrize("encoding", ["br", "zstd", "compress", "gzip, gzip", "x" * 500])
@pytest.mark.checklist(36)
def test_checklist_36_unknown_encoding_is_typed_error(encoding: str) -> None:
    """Line 36: an encoding the client did not ask for is a typed error."""
    with pytest.raises(ProviderError):
        BodyLimiter(1000, 200, None, encoding)


@pytest.mark.checklist(36)
def test_checklist_36_corrupt_gzip_is_typed_error() -> None:
    """Line 36: a corrupt gzip stream is a ProviderError, not a zlib.error."""
    with pytest.raises(ProviderError):
        read_body(BodyLimiter(1000, 200, None, "gzip"), [b"\x1f\x8b\x08\x00garbage-garbage"])


@pytest.mark.checklist(36)
def test_checklist_36_truncated_gzip_is_typed_error_or_partial() -> None:
    """Line 36: a truncated gzip body gives bytes or a ProviderError, nothing raw."""
    limiter = BodyLimiter(1000, 200, None, "gzip")
    try:
        limiter.feed(gzip.compress(b'{"a": 1}')[:12])
        limiter.result()
    except ProviderError:
        pass


@pytest.mark.checklist(31)
def test_checklist_31_retry_delay_bounded_exponential_with_jitter() -> None:
    """Line 31 (retry policy): full-jitter backoff grows, and never passes max_delay."""
    policy = RetryPolicy(attempts=10, base_delay=0.5, max_delay=4.0)
    rng = random.Random(1)
    for attempt in range(1, 12):
        ceiling = min(4.0, 0.5 * 2 ** (attempt - 1))
        delays = [retry_delay(policy, attempt, rng=rng) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [
        ("2", 2.0),
        ("0", 0.0),
        ("99999", 4.0),
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0.0),
        ("Thu, 01 Jan 1970 00:00:03 GMT", 3.0),
        ("Thu, 01 Jan 1970 01:00:00 GMT", 4.0),
    ],
)
@pytest.mark.checklist(31)
def test_checklist_31_retry_after_honoured_and_capped(retry_after: str, expected: float) -> None:
    """Line 31 (retry policy): Retry-After seconds or dates are honoured up to max_delay."""
    policy = RetryPolicy(attempts=3, base_delay=0.5, max_delay=4.0)
    assert expected == retry_delay(policy, 1, retry_after, now=0.0)


@pytest.mark.parametrize(
    "retry_after",
    [
        "",
        "soon",
        "-1",
        "1.5",
        "9" * 400,
        "\u0663",
        "Mon, 99 Foo 2015 07:28:00 GMT",
        "Wed, 21 Oct 2015",
        "x" * 5000,
    ],
)
@pytest.mark.checklist(31)
def test_checklist_31_malformed_retry_after_falls_back_to_backoff(retry_after: str) -> None:
    """Line 31 (retry policy): a malformed Retry-After falls back to bounded backoff."""
    policy = RetryPolicy(attempts=3, base_delay=0.5, max_delay=4.0)
    delay = retry_delay(policy, 1, retry_after, now=0.0)
    assert True is (0.0 <= delay <= 4.0 and math.isfinite(delay))


@pytest.mark.parametrize(
    "kwargs", [{"attempts": 0}, {"base_delay": -1}, {"base_delay": 9, "max_delay": 1}]
)
@pytest.mark.checklist(31)
def test_checklist_31_retry_policy_validated(kwargs: dict[str, Any]) -> None:
    """Line 31 (retry policy): impossible policies are refused with a typed error."""
    with pytest.raises(ConfigurationError):
        RetryPolicy(**kwargs)


@PROPERTY
@given(
    limit=st.integers(1, 5000),
    chunks=st.lists(st.binary(max_size=2000), max_size=5),
    length=st.none() | st.text(max_size=25),
    encoding=st.none()
    | st.sampled_from(["gzip", "deflate", "identity", "br", ""])
    | st.text(max_size=10),
)
def test_property_body_limiter_any_bytesonly_typed_errors(
    limit: int, chunks: list[bytes], length: str | None, encoding: str | None
) -> None:
    """Line 36: BodyLimiter never lets more than the cap through and raises only typed errors."""
    try:
        limiter = BodyLimiter(limit, 200, length, encoding)
        for chunk in chunks:
            limiter.feed(chunk)
        assert len(limiter.result()) <= limit
    except ProviderError:
        pass


@pytest.mark.parametrize("value", ["²", "٣", "1²"])
@pytest.mark.checklist(36)
def test_checklist_36_unicode_digits_in_length_and_retry_after_are_not_numbers(value: str) -> None:
    """Unicode digits that str.isdigit() accepts but int() refuses are ignored, not crashes."""
    from chattz_oauth_async._http import BodyLimiter, RetryPolicy, retry_delay

    limiter = BodyLimiter(10, 200, content_length=value)
    limiter.feed(b"{}")
    policy = RetryPolicy(base_delay=1, max_delay=1)
    assert (b"{}", True) == (limiter.result(), 0.5 <= retry_delay(policy, 1, value) <= 1)
