"""The framework-neutral pending-login cookies (chattz_oauth_async.integrations.cookies)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from http.cookies import SimpleCookie
from typing import Any

import pytest

from chattz_oauth_async import ConfigurationError, LoginStateError, StateMismatchError
from chattz_oauth_async.integrations.cookies import LoginCookies, SetCookie
from chattz_oauth_async.login import LoginRequest
from tests.helpers import NOW

SECRET = "k" * 32


def started(state: str = "state-1", at: float = NOW) -> LoginRequest:
    """A login as start_login makes it (the URL does not matter here)."""
    return LoginRequest(
        url="https://chattz.test/oauth/authorize",
        state=state,
        code_verifier=None,
        next_url="/account",
        created_at=at,
    )


def jar(cookies: list[SetCookie]) -> dict[str, str]:
    """What a browser keeps after these Set-Cookie headers (deletions removed)."""
    return {c.name: c.value for c in cookies if c.max_age > 0}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://app.example/login", True),
        ("http://app.example/login", True),  # a TLS proxy in front: still Secure
        ("http://testserver/login", True),
        ("http://127.0.0.1:8000/login", False),
        ("http://localhost:8000/login", False),
        ("http://[::1]:8000/login", False),
        ("https://localhost/login", True),
        ("http://[bad/login", True),
    ],
)
@pytest.mark.checklist(2)
def test_checklist_2_secure_unless_plain_http_loopback(url: str, expected: bool) -> None:
    """Secure by default; only plain http to a loopback host goes without it."""
    assert expected == LoginCookies(SECRET).is_secure(url)


@pytest.mark.parametrize("secure", [True, False])
def test_explicit_secure_switch_wins(secure: bool) -> None:
    """secure=True/False is used as given, for any URL."""
    cookies = LoginCookies(SECRET, secure=secure)
    actual = {cookies.is_secure(u) for u in ("http://testserver/", "http://127.0.0.1/")}
    assert {secure} == actual


@pytest.mark.checklist(2)
def test_checklist_2_host_prefix_whenever_secure_on_root_path() -> None:
    """A Secure cookie on / is __Host- prefixed; not on another path, not without Secure."""
    suffix = hashlib.sha256(b"abc").hexdigest()[:16]
    assert [
        f"__Host-chattz_login_{suffix}",
        f"chattz_login_{suffix}",
        f"chattz_login_{suffix}",
    ] == [
        LoginCookies(SECRET).name_for("abc", secure=True),
        LoginCookies(SECRET).name_for("abc", secure=False),
        LoginCookies(SECRET, path="/auth").name_for("abc", secure=True),
    ]


@pytest.mark.checklist(2)
def test_checklist_2_set_cookie_attributes_and_header() -> None:
    """The login cookie is HttpOnly, SameSite=Lax, Secure, Path=/, Max-Age=600."""
    [cookie] = LoginCookies(SECRET).start(started(), {}, secure=True, now=NOW)
    parsed: SimpleCookie = SimpleCookie()
    parsed.load(cookie.header())
    morsel = parsed[cookie.name]
    assert (
        {"max_age": 600, "path": "/", "secure": True, "httponly": True, "samesite": "Lax"},
        ("600", "/", True, True, "Lax"),
        True,
    ) == (
        cookie.attributes,
        (
            morsel["max-age"],
            morsel["path"],
            morsel["secure"],
            morsel["httponly"],
            morsel["samesite"],
        ),
        cookie.name.startswith("__Host-"),
    )


def test_start_then_read_round_trip() -> None:
    """The cookie set at /login gives the same login back at /callback."""
    cookies = LoginCookies(SECRET)
    browser = jar(cookies.start(started(), {}, secure=False, now=NOW))
    login = cookies.read(["state-1"], browser, secure=False, now=NOW + 1)
    assert ("state-1", "/account") == (login.state, login.next_url)


@pytest.mark.parametrize("states", [[], [""], ["state-1", "state-1"], ["x" * 3000]])
@pytest.mark.checklist(1)
def test_checklist_1_read_needs_exactly_one_state(states: list[str]) -> None:
    """No state, an empty one, a repeated one or a huge one is a StateMismatchError."""
    cookies = LoginCookies(SECRET)
    browser = jar(cookies.start(started(), {}, secure=False, now=NOW))
    with pytest.raises(StateMismatchError):
        cookies.read(states, browser, secure=False, now=NOW)


@pytest.mark.checklist(2)
def test_checklist_2_read_without_this_browsers_cookie_is_a_mismatch() -> None:
    """A state this browser never started finds no cookie: StateMismatchError."""
    cookies = LoginCookies(SECRET)
    browser = jar(cookies.start(started("mine"), {}, secure=False, now=NOW))
    with pytest.raises(StateMismatchError):
        cookies.read(["someone-elses"], browser, secure=False, now=NOW)


def test_read_of_a_non_secure_cookie_on_a_secure_request_finds_nothing() -> None:
    """A plain-named cookie does not pass for the __Host- one (no downgrade on read)."""
    cookies = LoginCookies(SECRET)
    browser = jar(cookies.start(started(), {}, secure=False, now=NOW))
    with pytest.raises(StateMismatchError):
        cookies.read(["state-1"], browser, secure=True, now=NOW)


def test_read_of_an_expired_login_says_expired() -> None:
    """A login older than max_age raises LoginStateError(expired=True)."""
    cookies = LoginCookies(SECRET, max_age=60)
    browser = jar(cookies.start(started(), {}, secure=False, now=NOW))
    with pytest.raises(LoginStateError) as caught:
        cookies.read(["state-1"], browser, secure=False, now=NOW + 61)
    assert True is caught.value.expired


def test_pending_logins_capped_oldest_and_unreadable_dropped() -> None:
    """With five pending, a sixth login deletes the oldest and any garbage cookie."""
    cookies = LoginCookies(SECRET)
    browser: dict[str, str] = {"chattz_login_0123456789abcdef": "garbage"}
    for index in range(5):
        browser.update(jar(cookies.start(started(f"s{index}", NOW + index), {}, secure=False)))
    answer = cookies.start(started("s5", NOW + 5), browser, secure=False, now=NOW + 6)
    deleted = {c.name for c in answer if c.max_age == 0}
    expected = {"chattz_login_0123456789abcdef", cookies.name_for("s0", secure=False)}
    assert (expected, 1) == (deleted, sum(1 for c in answer if c.max_age > 0))


def test_clear_deletes_only_the_callbacks_cookie_with_the_same_attributes() -> None:
    """clear() deletes the used cookie (Max-Age=0, same path and Secure); nothing otherwise."""
    cookies = LoginCookies(SECRET)
    browser = jar(cookies.start(started(), {}, secure=True, now=NOW))
    [deletion] = cookies.clear(["state-1"], browser, secure=True)
    assert (
        SetCookie(cookies.name_for("state-1", secure=True), "", 0, "/", True),
        [],
        [],
    ) == (
        deletion,
        cookies.clear(["other"], browser, secure=True),
        cookies.clear(["a", "b"], browser, secure=True),
    )


@pytest.mark.checklist(33)
def test_checklist_33_repr_hides_key_and_sealed_value() -> None:
    """repr of the helper and of a cookie shows neither the key nor the sealed login."""
    cookies = LoginCookies(SECRET)
    [cookie] = cookies.start(started(), {}, secure=False, now=NOW)
    text = repr(cookies) + repr(cookie)
    assert (False, False) == (SECRET in text, cookie.value in text)


@pytest.mark.parametrize(
    "options",
    [
        {"secret_key": "short"},
        {"name": "bad name"},
        {"name": ""},
        {"name": "caf\u00e9"},
        {"path": "no-slash"},
        {"path": "/a;b"},
        {"max_age": 0},
        {"max_age": True},
        {"max_age": 10**6},
        {"max_age": "600"},
        {"secure": "yes"},
        {"max_pending": 0},
        {"max_pending": 1.5},
    ],
)
def test_bad_configuration_refused(options: dict[str, Any]) -> None:
    """Settings that cannot work raise ConfigurationError at construction."""
    kwargs: dict[str, Any] = {"secret_key": SECRET, **options}
    with pytest.raises(ConfigurationError):
        LoginCookies(**kwargs)


def test_importing_the_cookie_module_imports_no_framework() -> None:
    """The cookie module needs no web framework."""
    code = (
        "import sys, chattz_oauth_async.integrations.cookies; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('starlette', 'fastapi', 'django', 'flask', 'aiohttp')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert "[]" == out.stdout.strip()
