"""Review 3: the fake provider refuses what the documented Chattz does not take.

Chattz's documentation (``/work/shared/chattz-oauth.md``, the project's API
contract) takes the client credentials in the token request's form body only,
and ``docs/migrating.md`` tells Authlib users that without
``token_endpoint_auth_method="client_secret_post"`` "every login fails at the code
exchange". A fake that also reads an ``Authorization: Basic`` header lets a test
of such a setup pass where production fails.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx2
import pytest
from authlib.integrations.base_client import OAuthError as AuthlibOAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client

from chattz_oauth_async.testing import FakeChattz

FORM = {"content-type": "application/x-www-form-urlencoded"}


def _code(fake: FakeChattz) -> str:
    target = "/oauth/authorize?" + urlencode(
        {
            "response_type": "code",
            "client_id": fake.client.client_id,
            "redirect_uri": fake.client.redirect_uri,
            "state": "xyz",
        }
    )
    return parse_qs(urlsplit(fake.authorize(target)).query)["code"][0]


def _exchange(
    fake: FakeChattz, basic_secret: str, **credentials: str
) -> tuple[int, dict[str, str]]:
    """A code exchange with Basic credentials for the default client and ``credentials``
    in the form; the status and the JSON body."""
    form = {
        "grant_type": "authorization_code",
        "code": _code(fake),
        "redirect_uri": fake.client.redirect_uri,
        **credentials,
    }
    basic = base64.b64encode(f"{fake.client.client_id}:{basic_secret}".encode()).decode()
    headers = {**FORM, "authorization": f"Basic {basic}"}
    response = fake.handle("POST", "/oauth/token", headers, urlencode(form).encode())
    return response.status, json.loads(response.body)


def test_basic_credentials_without_the_form_secret_are_invalid_client() -> None:
    """Basic header, client_id in the form, no client_secret in it: 401 invalid_client,
    and the description says where Chattz reads the secret."""
    fake = FakeChattz()
    status, payload = _exchange(fake, "test-secret", client_id="test-client")
    assert (401, "invalid_client", True) == (
        status,
        payload["error"],
        "form body" in payload["error_description"],
    )


def test_basic_credentials_alone_are_invalid_client() -> None:
    """Basic header and neither client_id nor client_secret in the form: 401 invalid_client."""
    status, payload = _exchange(FakeChattz(), "test-secret")
    assert (401, "invalid_client") == (status, payload["error"])


def test_form_credentials_still_work_with_an_authorization_header() -> None:
    """The form's credentials decide; a stray Authorization header is not read."""
    status, payload = _exchange(
        FakeChattz(), "wrong", client_id="test-client", client_secret="test-secret"
    )
    assert (200, "Bearer") == (status, payload["token_type"])


@pytest.mark.anyio
async def test_authlib_without_client_secret_post_fails_against_the_fake() -> None:
    """docs/migrating.md: without client_secret_post (Authlib's default is Basic) every
    login fails at the code exchange; the fake says so too, and the recipe's line works."""
    fake = FakeChattz()
    outcomes = []
    for kwargs in ({}, {"token_endpoint_auth_method": "client_secret_post"}):
        code = _code(fake)
        async with AsyncOAuth2Client(
            fake.client.client_id,
            fake.client.client_secret,
            redirect_uri=fake.client.redirect_uri,
            transport=fake.transport(httpx2),  # Authlib 1.9 is built on httpx2
            **kwargs,
        ) as client:
            try:
                token = await client.fetch_token(
                    f"{fake.base_url}/oauth/token", code=code, grant_type="authorization_code"
                )
            except AuthlibOAuthError as exc:
                outcomes.append(exc.error)
            else:
                outcomes.append(token["token_type"])
    assert ["invalid_client", "Bearer"] == outcomes


def test_userinfo_is_get_only() -> None:
    """Chattz documents GET /oauth/userinfo: a POST is 405 with Allow: GET."""
    fake = FakeChattz()
    token = fake.issue_token()
    headers = {"authorization": f"Bearer {token.access_token}"}
    response = fake.handle("POST", "/oauth/userinfo", headers)
    assert (405, "GET") == (response.status, response.header("allow"))
