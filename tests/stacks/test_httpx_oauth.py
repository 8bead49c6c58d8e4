"""The httpx-oauth client on its own: endpoints, client_secret_post, errors, cleaned profile."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from httpx_oauth.oauth2 import GetAccessTokenError

from chattz_oauth_async import ConfigurationError, OAuthError, ProviderError
from chattz_oauth_async.integrations.httpx_oauth import ChattzOAuth2
from chattz_oauth_async.testing import FakeChattz

pytestmark = pytest.mark.anyio


@pytest.mark.checklist(16)
async def test_login_posts_the_secret_in_the_form_on_the_registered_redirect_uri(
    fake_chattz: FakeChattz,
) -> None:
    client = ChattzOAuth2("", "", "", session=fake_chattz.session())
    url = await client.get_authorization_url("http://evil.example/cb", state="s1")
    callback = fake_chattz.authorize(url)
    code = callback.split("code=")[1].split("&")[0]
    token = await client.get_access_token(code, "http://evil.example/cb")
    profile = await client.get_profile(token["access_token"])
    form = fake_chattz.requests[-2].form
    assert ("test-secret", "http://127.0.0.1:8000/callback", None) == (
        form["client_secret"],
        form["redirect_uri"],
        fake_chattz.requests[-2].headers.get("authorization"),
    )
    assert (123, "johndoe@example.com") == (profile["id"], profile["email"])
    assert ("123", "chattz-123-aa28f87f82dde306@chattz.example") == await client.get_id_email(
        token["access_token"]
    )


async def test_a_refused_code_is_get_access_token_error_with_the_typed_cause(
    fake_chattz: FakeChattz,
) -> None:
    client = ChattzOAuth2("", "", "", session=fake_chattz.session())
    with pytest.raises(GetAccessTokenError) as caught:
        await client.get_access_token("not-a-code", "http://127.0.0.1:8000/callback")
    assert ("invalid_grant", True) == (
        caught.value.__cause__.error,  # type: ignore[union-attr]
        isinstance(caught.value.__cause__, OAuthError),
    )


async def test_a_userinfo_failure_is_an_http_error_fastapi_answers(
    fake_chattz: FakeChattz,
) -> None:
    from starlette.exceptions import HTTPException

    client = ChattzOAuth2("", "", "", session=fake_chattz.session())
    token = fake_chattz.issue_token()
    fake_chattz.fail_next("userinfo", status=200, body=b"[]")
    with pytest.raises(HTTPException) as caught:
        await client.get_id_email(token.access_token)
    assert (502, True) == (
        caught.value.status_code,
        isinstance(caught.value.__cause__, ProviderError),
    )


async def test_hostile_profile_fields_are_cleaned(fake_chattz: FakeChattz) -> None:
    eve = fake_chattz.add_user(
        id=7,
        username="eve\x00" + "e" * 400,
        email="eve@example.com\r\nBcc: x@example.com",
        first_name="\x1b[31mEve",
        avatar="http://evil.example/a.png",
    )
    client = ChattzOAuth2("", "", "", session=fake_chattz.session())
    profile = await client.get_profile(fake_chattz.issue_token(eve).access_token)
    assert (150, None, "[31mEve", None) == (
        len(profile["username"]),
        profile["email"],
        profile["first_name"],
        profile["avatar"],
    )


@pytest.mark.checklist(11)
async def test_a_plain_pkce_challenge_or_a_missing_state_is_refused(
    fake_chattz: FakeChattz,
) -> None:
    from chattz_oauth_async import ConfigurationError

    client = ChattzOAuth2("", "", "", session=fake_chattz.session())
    with pytest.raises(ConfigurationError, match=r"S256 only"):
        await client.get_authorization_url(
            "", state="s1", code_challenge="x" * 43, code_challenge_method="plain"
        )
    with pytest.raises(ConfigurationError, match=r"needs a state"):
        await client.get_authorization_url("")


async def test_a_session_without_a_redirect_uri_is_refused(fake_chattz: FakeChattz) -> None:
    """fastapi-users sends every login through it: the registered redirect URI is required."""
    from chattz_oauth_async import AsyncChattzOAuth, ConfigurationError

    session = AsyncChattzOAuth("test-client", "test-secret", transport=fake_chattz.transport())
    with pytest.raises(ConfigurationError, match=r"needs the redirect URI"):
        ChattzOAuth2("", "", "", session=session)
    await session.aclose()


def test_the_placeholder_address_is_keyed_so_nobody_can_guess_it(
    fake_chattz: FakeChattz,
) -> None:
    """HMAC-SHA256 of the id under the client secret, or ``email_key`` when given."""
    by_secret = ChattzOAuth2("", "", "", session=fake_chattz.session())
    by_key = ChattzOAuth2("", "", "", session=fake_chattz.session(), email_key="another-key")
    tag = hmac.new(b"test-secret", b"123", hashlib.sha256).hexdigest()[:16]
    other = hmac.new(b"another-key", b"123", hashlib.sha256).hexdigest()[:16]
    assert (
        f"chattz-123-{tag}@chattz.example",
        f"chattz-123-{other}@chattz.example",
        f"chattz-124-{hmac.new(b'test-secret', b'124', hashlib.sha256).hexdigest()[:16]}"
        "@chattz.example",
    ) == (
        by_secret.placeholder_email(123),
        by_key.placeholder_email(123),
        by_secret.placeholder_email(124),
    )


def test_an_empty_email_key_is_a_configuration_error(fake_chattz: FakeChattz) -> None:
    with pytest.raises(ConfigurationError, match=r"email_key must not be empty"):
        ChattzOAuth2("", "", "", session=fake_chattz.session(), email_key=b"")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b'{"error": "invalid_grant", "error_description": "visit https://evil.example"}',
            "Chattz code exchange failed: code_rejected",
        ),
        (
            b'{"error": "Call +1 555 0100", "error_description": "visit https://evil.example"}',
            "Chattz code exchange failed: provider_error",
        ),
    ],
)
async def test_the_error_message_is_the_reason_code_not_the_providers_text(
    fake_chattz: FakeChattz, body: bytes, message: str
) -> None:
    client = ChattzOAuth2("", "", "", session=fake_chattz.session())
    fake_chattz.fail_next("token", status=400, body=body)
    with pytest.raises(GetAccessTokenError) as caught:
        await client.get_access_token("a-code", "http://127.0.0.1:8000/callback")
    assert (message, True) == (
        str(caught.value),
        "https://evil.example" in str(caught.value.__cause__),
    )
