"""OpenTelemetry: the library's spans and metrics, read with the SDK's in-memory exporter and
reader.

The SDK's providers are set once for the process (OpenTelemetry allows one); each
test clears the exporter and reads the metrics before and after. The session's
calls run on asyncio and trio, over httpx and httpx2. Without opentelemetry-api
installed nothing is imported (a subprocess that hides the package).
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from chattz_oauth_async import RetryPolicy, TokenExpiredError
from chattz_oauth_async.integrations.cookies import LoginCookies
from chattz_oauth_async.integrations.flow import AsyncLoginFlow, WebRequest
from chattz_oauth_async.testing import FakeChattz

EXPORTER = InMemorySpanExporter()
READER = InMemoryMetricReader()
KEY = "telemetry-test-secret-key-" * 2
APP = "http://127.0.0.1:8000"


@pytest.fixture(scope="module", autouse=True)
def providers() -> None:
    """The SDK's tracer and meter providers, with in-memory export (set once per process)."""
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(EXPORTER))
        trace.set_tracer_provider(provider)
        metrics.set_meter_provider(MeterProvider(metric_readers=[READER]))


@pytest.fixture(autouse=True)
def fresh_spans() -> None:
    """Each test reads only the spans it ends."""
    EXPORTER.clear()


def finished() -> list[ReadableSpan]:
    """The spans ended so far in this test."""
    return list(EXPORTER.get_finished_spans())


def points(name: str) -> list[tuple[dict[str, Any], Any]]:
    """The data points of metric ``name``: (attributes, the point)."""
    data = READER.get_metrics_data()
    found = []
    for resource in data.resource_metrics if data else []:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                if metric.name == name:
                    found += [(dict(p.attributes or {}), p) for p in metric.data.data_points]
    return found


def count(name: str, **attributes: str) -> int:
    """The counter ``name``'s value for exactly these attributes (0 if none)."""
    return sum(p.value for a, p in points(name) if a == attributes)


# --- a call to Chattz: one logical span, one CLIENT span per attempt ----------------------


@pytest.mark.anyio
@pytest.mark.parametrize("http", ["httpx", "httpx2"])
async def test_a_retried_userinfo_is_one_operation_with_its_attempts(
    http: str,
) -> None:
    """503 then 200: 'chattz userinfo' with 2 attempts, two GET children, resend_count 1."""
    if http == "httpx2":
        pytest.importorskip("httpx2")
    fake = FakeChattz(base_url=f"https://{http}.chattz.test")
    token = fake.issue_token()
    fake.fail_next("userinfo", status=503)
    async with fake.session(
        http=http, retry=RetryPolicy(attempts=3, base_delay=0, max_delay=0)
    ) as chattz:
        user = await chattz.userinfo(token)
    [operation] = [s for s in finished() if s.name == "chattz userinfo"]
    tries = sorted(
        (s for s in finished() if s.kind is SpanKind.CLIENT), key=lambda s: s.start_time or 0
    )
    assert (123, 2, SpanKind.INTERNAL) == (
        user.id,
        operation.attributes["chattz.attempts"],  # type: ignore[index]
        operation.kind,
    )
    assert [
        ("GET", 503, None, "503", f"{http}.chattz.test", 443),
        ("GET", 200, 1, None, f"{http}.chattz.test", 443),
    ] == [
        (
            s.name,
            s.attributes["http.response.status_code"],  # type: ignore[index]
            s.attributes.get("http.request.resend_count"),  # type: ignore[union-attr]
            s.attributes.get("error.type"),  # type: ignore[union-attr]
            s.attributes["server.address"],  # type: ignore[index]
            s.attributes["server.port"],  # type: ignore[index]
        )
        for s in tries
    ]
    assert [operation.context.span_id] * 2 == [s.parent.span_id for s in tries if s.parent]


def test_the_sync_session_traces_the_same() -> None:
    """The generated sync twin: 'chattz userinfo' with 2 attempts over a 503 then a 200."""
    fake = FakeChattz(base_url="https://sync.chattz.test")
    token = fake.issue_token()
    fake.fail_next("userinfo", status=503)
    with fake.sync_session(retry=RetryPolicy(attempts=2, base_delay=0, max_delay=0)) as chattz:
        chattz.userinfo(token)
    [operation] = [s for s in finished() if s.name == "chattz userinfo"]
    statuses = [
        s.attributes["http.response.status_code"]  # type: ignore[index]
        for s in finished()
        if s.kind is SpanKind.CLIENT
    ]
    assert (2, [503, 200]) == (operation.attributes["chattz.attempts"], statuses)  # type: ignore[index]


@pytest.mark.anyio
async def test_the_duration_of_each_attempt_is_a_metric(anyio_backend: str) -> None:
    """http.client.request.duration: one recording per attempt, by status, on its server."""
    server = f"{anyio_backend}.duration.chattz.test"
    fake = FakeChattz(base_url=f"https://{server}")
    token = fake.issue_token()
    fake.fail_next("userinfo", status=502)
    async with fake.session(retry=RetryPolicy(attempts=2, base_delay=0, max_delay=0)) as chattz:
        await chattz.userinfo(token)
    recorded = sorted(
        (a["http.response.status_code"], p.count)
        for a, p in points("http.client.request.duration")
        if a.get("server.address") == server
    )
    assert [(200, 1), (502, 1)] == recorded


@pytest.mark.anyio
async def test_a_failed_call_marks_its_spans_and_carries_no_secret() -> None:
    """A refused code exchange: error.type on both spans; no secret, code or token anywhere."""
    fake = FakeChattz(auto_approve=True)
    async with fake.session(client_secret="wrong-secret-value") as chattz:
        login = chattz.start_login()
        back = fake.authorize(login.url)
        code = dict(parse_qsl(urlsplit(back).query))["code"]
        with pytest.raises(Exception, match="invalid_client"):
            await chattz.complete_login(back, login)
    [operation] = [s for s in finished() if s.name == "chattz code exchange"]
    [post] = [s for s in finished() if s.kind is SpanKind.CLIENT]
    text = repr([(s.name, dict(s.attributes or {}), s.status.description) for s in finished()])
    assert ("OAuthError", "401", "https://chattz.test/oauth/token") == (
        operation.attributes["error.type"],  # type: ignore[index]
        post.attributes["error.type"],  # type: ignore[index]
        post.attributes["url.full"],  # type: ignore[index]
    )
    assert [] == [s for s in ("wrong-secret-value", code, login.state) if s in text]


# --- the login callback and the refresh: spans and counters ------------------------------


@pytest.mark.anyio
async def test_login_callbacks_are_spans_and_counted_by_class() -> None:
    """A login and a mistyped secret: 'chattz login callback' spans; chattz.logins by class."""
    completed = count("chattz.logins", **{"chattz.login.outcome": "completed"})
    misconfigured = {
        "chattz.login.outcome": "failed",
        "chattz.fault": "configuration",
        "chattz.reason": "invalid_client",
    }
    refused = count("chattz.logins", **misconfigured)
    for secret in ("test-secret", "test-secrte"):
        fake = FakeChattz(redirect_uri=f"{APP}/callback")
        async with fake.session(client_secret=secret) as chattz:
            flow = AsyncLoginFlow(chattz, LoginCookies(KEY))
            started = flow.begin(WebRequest(APP, {}))
            cookies = {c.name: c.value for c in started.cookies if c.value}
            back = fake.authorize(started.location, approve=True)
            await flow.finish(WebRequest(back, cookies, parse_qsl(urlsplit(back).query)))
    callbacks = [s for s in finished() if s.name == "chattz login callback"]
    assert [("completed", None), ("failed", "invalid_client")] == [
        (s.attributes["chattz.login.outcome"], s.attributes.get("chattz.oauth.error"))  # type: ignore[index,union-attr]
        for s in callbacks
    ]
    assert (1, 1) == (
        count("chattz.logins", **{"chattz.login.outcome": "completed"}) - completed,
        count("chattz.logins", **misconfigured) - refused,
    )
    # The exchange and userinfo spans are children of the callback's.
    first = callbacks[0].context.span_id
    assert {"chattz code exchange", "chattz userinfo"} == {
        s.name for s in finished() if s.parent is not None and s.parent.span_id == first
    }


@pytest.mark.anyio
async def test_a_failed_refresh_is_counted() -> None:
    """A token with no refresh token: chattz.token.refresh.failures by fault and reason."""
    attributes = {"chattz.fault": "provider", "chattz.reason": "token_expired"}
    before = count("chattz.token.refresh.failures", **attributes)
    fake = FakeChattz()
    async with fake.session() as chattz:
        with pytest.raises(TokenExpiredError):
            await chattz.refresh(fake.issue_token())
    assert 1 == count("chattz.token.refresh.failures", **attributes) - before


# --- without the extra --------------------------------------------------------------------


def test_without_opentelemetry_nothing_is_imported() -> None:
    """opentelemetry hidden: a login works, ENABLED is False, no opentelemetry module loads."""
    script = """
import sys, asyncio
sys.modules["opentelemetry"] = None   # as if opentelemetry-api were not installed
from chattz_oauth_async import _telemetry
from chattz_oauth_async.testing import FakeChattz

async def main():
    fake = FakeChattz(auto_approve=True)
    async with fake.session() as chattz:
        login = chattz.start_login()
        token = await chattz.complete_login(fake.authorize(login.url), login)
        return (await chattz.userinfo(token)).id

user = asyncio.run(main())
loaded = sorted(m for m in sys.modules if m.startswith("opentelemetry.") or (
    m == "opentelemetry" and sys.modules[m] is not None))
print(user, _telemetry.ENABLED, loaded)
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert "123 False []" == out.stdout.strip()
