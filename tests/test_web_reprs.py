"""The values carried through the login flow never show a secret in their repr.

Error trackers (Sentry, the Django debug page, ``traceback`` with locals) record the
``repr`` of a failing frame's locals: a callback's URL holds the authorization code
and the state, its cookies the sealed login (the state, the PKCE verifier).
"""

from __future__ import annotations

import pytest

from chattz_oauth_async.errors import OAuthError
from chattz_oauth_async.integrations.cookies import SetCookie
from chattz_oauth_async.integrations.flow import LoginFinish, LoginResult, LoginStart, WebRequest
from chattz_oauth_async.login import LoginRequest
from chattz_oauth_async.models import ChattzUser, Token

CODE, STATE, VERIFIER, SEALED = "CODE-s3cr3t", "STATE-s3cr3t", "VERIFIER-s3cr3t", "SEALED-s3cr3t"
ACCESS, REFRESH = "ACCESS-s3cr3t", "REFRESH-s3cr3t"
SECRETS = (CODE, STATE, VERIFIER, SEALED, ACCESS, REFRESH)

LOGIN = LoginRequest(
    url=f"https://chattz.example/oauth/authorize?state={STATE}&code_challenge=x",
    state=STATE,
    code_verifier=VERIFIER,
    next_url="/account",
    created_at=1.5,
)
COOKIE = SetCookie("__Host-chattz_login", SEALED, max_age=600, path="/", secure=True)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            f"https://app.example/chattz/callback/?code={CODE}&state={STATE}",
            "WebRequest(url='https://app.example/chattz/callback/')",
        ),
        (
            f"http://127.0.0.1:8000/callback?code={CODE}#{STATE}",
            "WebRequest(url='http://127.0.0.1:8000/callback')",
        ),
        (f"https://app.example/cb#{STATE}", "WebRequest(url='https://app.example/cb')"),
        ("https://app.example/login", "WebRequest(url='https://app.example/login')"),
    ],
)
def test_web_request_repr_drops_the_query_and_the_cookies(url: str, expected: str) -> None:
    """The URL without its query or fragment; no cookies, no query pairs."""
    request = WebRequest(url, {"chattz_login": SEALED}, [("code", CODE), ("state", STATE)])
    assert expected == repr(request)
    assert url == request.url  # the flow still reads the whole URL


def test_login_start_repr_shows_no_secret() -> None:
    """The authorize URL (it holds the state) and the sealed cookie are hidden."""
    start = LoginStart(location=LOGIN.url, cookies=[COOKIE], login=LOGIN)
    assert (
        "LoginStart(cookies=[SetCookie(name='__Host-chattz_login', max_age=600, path='/', "
        "secure=True)], login=LoginRequest(next_url='/account', created_at=1.5, pkce=True, "
        "link_user_id=None, state=<redacted>))"
    ) == repr(start)


def test_login_finish_reprs_show_no_secret() -> None:
    """A finished login, failed or completed: no code, state, verifier, cookie or token."""
    result = LoginResult(
        token=Token(ACCESS, expires_in=60, refresh_token=REFRESH),
        user=ChattzUser(id=7, username="ada"),
        next_url="/account",
        login=LOGIN,
    )
    failed = LoginFinish(result=None, error=OAuthError("invalid_grant"), cookies=[COOKIE])
    done = LoginFinish(result=result, error=None, cookies=[COOKIE])
    shown = [repr(failed), str(failed), repr(done), str(done), repr(result), str(result)]
    assert [] == [(text, s) for text in shown for s in SECRETS if s in text]
