"""_http: the retry policy and its delays, and the body limiter, under hostile input."""

from __future__ import annotations

import gzip
import math
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chattz_oauth_async._http import BodyLimiter, RetryPolicy, retry_delay
from chattz_oauth_async.errors import (
    ChattzOAuthError,
    ConfigurationError,
    ProviderError,
    ResponseTooLargeError,
)

NOW = 1_700_000_000.0
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
