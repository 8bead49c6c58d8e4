"""_http: the retry policy and its delays, and the body limiter, under hostile input."""

from __future__ import annotations

import gzip
import itertools
import math
import random
import re
import zlib
from collections.abc import Callable
from email.utils import parsedate_to_datetime
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
    ConfigurationError,
    ProviderError,
    ResponseTooLargeError,
)
from tests.helpers import NOW, outcome

POLICY = RetryPolicy(attempts=3, base_delay=0.2, max_delay=5.0)


def backoff(policy: RetryPolicy, attempt: int, seed: int) -> float:
    """The full-jitter delay before try ``attempt + 1``, drawn from ``random.Random(seed)``."""
    ceiling = min(policy.max_delay, policy.base_delay * 2.0 ** min(attempt - 1, 64))
    return random.Random(seed).uniform(ceiling / 2, ceiling)


def expected_delay(policy: RetryPolicy, attempt: int, retry_after: str, seed: int) -> float:
    """What retry_delay must wait: the server's seconds or HTTP date (RFC 9110 10.2.3, read by
    email.utils with a zone: "-0000" has none) capped at max_delay, else the backoff."""
    value = retry_after.strip()
    if value.isascii() and value.isdigit():
        seconds = float(value)
        return (
            min(seconds, policy.max_delay)
            if math.isfinite(seconds)
            else backoff(policy, attempt, seed)
        )
    try:
        when = parsedate_to_datetime(value)
        seconds = when.timestamp() - NOW
    except (TypeError, ValueError, IndexError, OverflowError):
        return backoff(policy, attempt, seed)
    if when.tzinfo is None:
        return backoff(policy, attempt, seed)
    return min(max(0.0, seconds), policy.max_delay)


BACKOFF = backoff(POLICY, 1, 7)


@pytest.mark.checklist(31)
@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [
        pytest.param(
            "Mon, 01 Jan 10000000000000000000000 00:00:00 GMT", BACKOFF, id="year-overflows"
        ),
        pytest.param(
            "Mon, 01 Jan 2024 99999999999999999999:00:00 GMT", BACKOFF, id="hour-overflows"
        ),
        pytest.param("Mon, 01 Jan 0001 00:00:00 +2359", 0.0, id="year-1-is-past-so-now"),
        pytest.param("Fri, 31 Dec 9999 23:59:59 -2359", 5.0, id="year-9999-capped-at-max"),
        pytest.param(
            "Mon, 01 Jan 2024 00:00:00 +99999999999999999999", BACKOFF, id="offset-overflows"
        ),
    ],
)
def test_checklist_31_retry_after_dates_at_the_edges(retry_after: str, expected: float) -> None:
    """A Retry-After date whose year, hour or offset overflows gives the backoff (as no header);
    the first and last dates a datetime holds are read: past means now, far means max_delay."""
    assert expected == retry_delay(POLICY, 1, retry_after, now=NOW, rng=random.Random(7))


@settings(max_examples=100, deadline=None)
@given(
    year=st.integers(0, 10**30) | st.integers(0, 10_000),
    hour=st.integers(0, 10**30) | st.integers(0, 30),
    sign=st.sampled_from("+-"),
    offset=st.integers(0, 10**30) | st.integers(0, 2500),
    seed=st.integers(0, 2**32),
)
def test_property_retry_after_any_http_date(
    year: int, hour: int, sign: str, offset: int, seed: int
) -> None:
    """Any Retry-After shaped like an HTTP date: the date's delay capped, or the backoff."""
    value = f"Mon, 01 Jan {year} {hour:02d}:00:00 {sign}{offset:04d}"
    delay = retry_delay(POLICY, 1, value, now=NOW, rng=random.Random(seed))
    assert expected_delay(POLICY, 1, value, seed) == delay


@settings(max_examples=100, deadline=None)
@given(
    value=st.text(max_size=40)
    | st.integers(0, 10**400).map(str)
    | st.sampled_from(["Wed, 15 Nov 2023 22:13:20 GMT", " 7 ", "٣", "1.5", "-1"]),
    attempt=st.integers(1, 10**6),
    seed=st.integers(0, 2**32),
)
def test_property_retry_delay_any_header_any_attempt(value: str, attempt: int, seed: int) -> None:
    """Any Retry-After text and attempt number: the server's delay capped, or the backoff."""
    delay = retry_delay(POLICY, attempt, value, now=NOW, rng=random.Random(seed))
    assert expected_delay(POLICY, attempt, value, seed) == delay


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


@settings(max_examples=100, deadline=None)
@given(
    encoding=st.sampled_from(["gzip", "deflate"]),
    body=st.binary(max_size=200),
    tail=st.binary(min_size=1, max_size=200),
    cut=st.integers(0, 400),
)
def test_property_any_bytes_after_a_valid_stream_are_refused(
    encoding: str, body: bytes, tail: bytes, cut: int
) -> None:
    """However the stream and its tail are chunked, a trailing byte is this ProviderError."""
    data = (gzip_body(body) if encoding == "gzip" else deflate_body(body)) + tail
    limiter = BodyLimiter(10_000, 200, None, encoding)
    with pytest.raises(ProviderError) as caught:
        read_all(limiter, [data[:cut], data[cut:]])
    expected = (ProviderError, "response body has data after its compressed stream (HTTP 200)")
    assert expected == (type(caught.value), str(caught.value))


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
    with pytest.raises(ResponseTooLargeError) as caught:
        read_body(lambda: BodyLimiter(1000, 200, declared), [b"x" * 1001])
    assert "response body is larger than the 1000 byte cap (HTTP 200)" == str(caught.value)


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
    with pytest.raises(ResponseTooLargeError) as caught:
        read_body(limiter, chunks)
    assert "response body is larger than the 1048576 byte cap (HTTP 200)" == str(caught.value)


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
    """Line 36: an encoding the client did not ask for is a typed error naming it (20 chars)."""
    expected = (ProviderError, f"unsupported response encoding {encoding[:20]!r} (HTTP 200)")
    assert expected == outcome(lambda: BodyLimiter(1000, 200, None, encoding))


@pytest.mark.checklist(36)
def test_checklist_36_corrupt_gzip_is_typed_error() -> None:
    """Line 36: a corrupt gzip stream is a ProviderError, not a zlib.error."""
    with pytest.raises(ProviderError):
        read_body(BodyLimiter(1000, 200, None, "gzip"), [b"\x1f\x8b\x08\x00garbage-garbage"])


@pytest.mark.checklist(36)
def test_checklist_36_truncated_gzip_is_a_provider_error() -> None:
    """Line 36: a gzip body cut before its end is "not validly compressed", not its first bytes."""
    limiter = BodyLimiter(1000, 200, None, "gzip")
    limiter.feed(gzip.compress(b'{"a": 1}')[:12])
    with pytest.raises(ProviderError) as caught:
        limiter.result()
    assert "response body is not validly compressed (HTTP 200)" == str(caught.value)


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
    """Line 31 (retry policy): a malformed Retry-After gives the backoff, as if there were none."""
    policy = RetryPolicy(attempts=3, base_delay=0.5, max_delay=4.0)
    delay = retry_delay(policy, 1, retry_after, now=0.0, rng=random.Random(3))
    assert backoff(policy, 1, 3) == delay


@pytest.mark.parametrize(
    "kwargs", [{"attempts": 0}, {"base_delay": -1}, {"base_delay": 9, "max_delay": 1}]
)
@pytest.mark.checklist(31)
def test_checklist_31_retry_policy_validated(kwargs: dict[str, Any]) -> None:
    """Line 31 (retry policy): impossible policies are refused with a typed error."""
    with pytest.raises(ConfigurationError):
        RetryPolicy(**kwargs)


def expected_body(
    limit: int, data: bytes, length: str | None, encoding: str | None, compress: bool
) -> tuple[Any, Any]:
    """What BodyLimiter(limit, 200, length, encoding) gives for ``data`` (sent compressed by
    ``encoding`` when ``compress``): the body, or the exact error."""
    name = (encoding or "identity").strip().lower()
    too_large = (
        ResponseTooLargeError,
        f"response body is larger than the {limit} byte cap (HTTP 200)",
    )
    if name not in ("identity", "", "gzip", "x-gzip", "deflate"):
        return ProviderError, f"unsupported response encoding {name[:20]!r} (HTTP 200)"
    declared = int(length) if length and re.fullmatch("[0-9]+", length) else 0
    if name in ("identity", "") and declared > limit:
        return too_large
    if name not in ("identity", "") and not compress:
        return ProviderError, "response body is not validly compressed (HTTP 200)"
    return too_large if len(data) > limit else ("ok", data)


def encoded(data: bytes, encoding: str | None) -> bytes:
    """``data`` as a server sends it with this Content-Encoding."""
    name = (encoding or "").strip().lower()
    if name in ("gzip", "x-gzip"):
        return gzip.compress(data)
    return zlib.compress(data) if name == "deflate" else data


@settings(max_examples=100, deadline=None)
@given(
    limit=st.integers(1, 3000),
    data=st.binary(max_size=4000),
    cuts=st.lists(st.integers(0, 4000), max_size=3),
    length=st.none() | st.integers(0, 5000).map(str) | st.sampled_from(["", "abc", "-1", "٣"]),
    encoding=st.none()
    | st.sampled_from(["gzip", "x-gzip", "deflate", "identity", "", " GZIP ", "br", "gzip, br"]),
)
def test_property_body_limiter_any_body(
    limit: int, data: bytes, cuts: list[int], length: str | None, encoding: str | None
) -> None:
    """Line 36: any body, cap, declared length and encoding, in any chunks: the whole body when
    it fits, else exactly "larger than the cap"; an encoding not asked for is refused."""
    raw = encoded(data, encoding)
    edges = sorted({0, len(raw), *(min(cut, len(raw)) for cut in cuts)})
    chunks = [raw[start:end] for start, end in itertools.pairwise(edges)]
    expected = expected_body(limit, data, length, encoding, compress=True)
    assert expected == outcome(lambda: read_all(BodyLimiter(limit, 200, length, encoding), chunks))


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_body_limiter_random_bytes_as_compressed_are_corrupt(encoding: str) -> None:
    """Bytes that are no gzip or deflate stream: "not validly compressed", with the status."""
    limiter = BodyLimiter(1000, 200, None, encoding)
    expected = (ProviderError, "response body is not validly compressed (HTTP 200)")
    assert expected == outcome(lambda: read_all(limiter, [b"not compressed at all"]))


@pytest.mark.parametrize("value", ["²", "٣", "1²"])
@pytest.mark.checklist(36)
def test_checklist_36_unicode_digits_in_length_and_retry_after_are_not_numbers(value: str) -> None:
    """Unicode digits that str.isdigit() accepts but int() refuses are ignored, not crashes:
    the body is read, and the delay is the backoff."""
    limiter = BodyLimiter(10, 200, content_length=value)
    limiter.feed(b"{}")
    policy = RetryPolicy(base_delay=1, max_delay=1)
    delay = retry_delay(policy, 1, value, rng=random.Random(5))
    assert (b"{}", backoff(policy, 1, 5)) == (limiter.result(), delay)
