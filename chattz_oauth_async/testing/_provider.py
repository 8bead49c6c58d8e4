"""The fake provider's state and rules: the authorize, token and userinfo endpoints.

:class:`Provider` keeps the registered clients and users, and the codes and
tokens it issued, and answers one parsed request at a time. It does no I/O,
holds no lock (:class:`~chattz_oauth_async.testing.FakeChattz` holds one around
it) and reads the settings a test may change from a :class:`Settings` object.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from typing import Any, Final, Protocol, TypeVar
from urllib.parse import urlencode, urlsplit

import attrs

from ._mistakes import REDIRECT_URI_NOT_REGISTERED, UNKNOWN_CLIENT
from ._pages import consent_page, error_page
from ._values import JSON_TYPE, NO_STORE, FakeClient, FakeResponse, FakeUser

__all__ = ["Provider", "Settings"]

_PKCE_CHALLENGE_LENGTH: Final = 43
_PKCE_VERIFIER_CHARS: Final = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
)


class Settings(Protocol):
    """What the rules read from the fake at each request (tests may change it)."""

    token_lifetime: int
    code_lifetime: float
    issue_refresh_tokens: bool
    rotate_refresh_tokens: bool
    auto_approve: bool | FakeUser

    @property
    def user(self) -> FakeUser: ...

    def now(self) -> float: ...


@attrs.define
class _Code:
    client_id: str
    redirect_uri: str
    user_id: int
    expires_at: float
    code_challenge: str | None
    used: bool = False
    tokens: list[str] = attrs.field(factory=list)


@attrs.define
class _Grant:
    client_id: str
    user_id: int
    expires_at: float | None
    code: str | None


_G = TypeVar("_G", _Code, _Grant)


class _OAuthFailure(Exception):
    """An RFC 6749 section 5.2 error to answer from the token endpoint."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(error)
        self.error = error
        self.description = description
        self.status = status


def _client_grant(
    issued: dict[str, _G], client: FakeClient, form: dict[str, str], field: str, what: str
) -> tuple[str, _G]:
    """The form's ``field`` and what it was issued as, if it was issued to ``client``."""
    value = form.get(field)
    if not value:
        raise _OAuthFailure("invalid_request", f"{field} is missing")
    grant = issued.get(value)
    if grant is None or grant.client_id != client.client_id:
        raise _OAuthFailure("invalid_grant", f"the {what} is not valid")
    return value, grant


def single(pairs: list[tuple[str, str]]) -> tuple[dict[str, str], str | None]:
    """The parameters as a dict, and the name of one that is repeated (RFC 6749 3.1)."""
    values: dict[str, str] = {}
    repeated = None
    for key, value in pairs:
        if key in values and repeated is None:
            repeated = key
        values[key] = value
    return values, repeated


def json_response(
    status: int, payload: Mapping[str, Any], extra: tuple[tuple[str, str], ...] = ()
) -> FakeResponse:
    """A JSON response that no cache keeps."""
    body = json.dumps(payload).encode()
    return FakeResponse(status, (("content-type", JSON_TYPE), *NO_STORE, *extra), body)


def _with_query(url: str, params: list[tuple[str, str]]) -> str:
    separator = "&" if urlsplit(url).query else "?"
    return f"{url}{separator}{urlencode(params)}"


def _verifier_matches(verifier: str, challenge: str) -> bool:
    if not 43 <= len(verifier) <= 128 or not set(verifier) <= _PKCE_VERIFIER_CHARS:
        return False
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return hmac.compare_digest(computed, challenge)


class Provider:
    """The documented Chattz OAuth endpoints, strictly, over in-memory state."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.clients: dict[str, FakeClient] = {}
        self.users: dict[int, FakeUser] = {}
        self._codes: dict[str, _Code] = {}
        self._access: dict[str, _Grant] = {}
        self._refresh: dict[str, _Grant] = {}

    def revoke(self, token: str) -> None:
        """Forget an access token or a refresh token."""
        self._access.pop(token, None)
        self._refresh.pop(token, None)

    # --- authorize ----------------------------------------------------------------

    def authorize(
        self, pairs: list[tuple[str, str]], consent: dict[str, str] | None
    ) -> FakeResponse:
        """Answer ``GET /oauth/authorize`` (``consent`` None) or the consent form's POST."""
        params, repeated = single(pairs)
        client = self.clients.get(params.get("client_id", ""))
        if client is None:
            return error_page(400, f"{UNKNOWN_CLIENT}: this application is not registered.")
        if params.get("redirect_uri") != client.redirect_uri:
            return error_page(
                400, f"{REDIRECT_URI_NOT_REGISTERED} the one registered for this client."
            )
        if repeated in ("client_id", "redirect_uri"):
            return error_page(400, f"The {repeated} parameter is repeated.")

        state = params.get("state")

        def back(*extra: tuple[str, str]) -> FakeResponse:
            query = list(extra)
            if state is not None:
                query.append(("state", state))
            location = _with_query(client.redirect_uri, query)
            return FakeResponse(302, (("location", location), *NO_STORE), b"")

        def refuse(error: str, description: str) -> FakeResponse:
            return back(("error", error), ("error_description", description))

        if repeated is not None:
            return refuse("invalid_request", f"the {repeated} parameter is repeated")
        if params.get("response_type") != "code":
            return refuse("unsupported_response_type", "response_type must be code")
        challenge = params.get("code_challenge")
        method = params.get("code_challenge_method")
        if challenge is not None or method is not None:
            if method != "S256":
                return refuse("invalid_request", "code_challenge_method must be S256")
            if (
                challenge is None
                or len(challenge) != _PKCE_CHALLENGE_LENGTH
                or not set(challenge) <= _PKCE_VERIFIER_CHARS
            ):
                return refuse("invalid_request", "code_challenge is not a valid S256 challenge")

        user: FakeUser | None
        auto_approve = self.settings.auto_approve
        if consent is None:
            if auto_approve is False:
                return consent_page(client, params, self.settings.user)
            user = self.settings.user if auto_approve is True else auto_approve
        else:
            try:
                user = self.users.get(int(consent.get("user", "")))
            except ValueError:
                user = None
            if user is None:
                return error_page(400, "Unknown user.")
            if consent.get("decision") != "allow":
                return refuse("access_denied", "The user denied the request")
        code = secrets.token_urlsafe(24)
        self._codes[code] = _Code(
            client_id=client.client_id,
            redirect_uri=client.redirect_uri,
            user_id=user.id,
            expires_at=self.settings.now() + self.settings.code_lifetime,
            code_challenge=challenge,
        )
        return back(("code", code))

    # --- token --------------------------------------------------------------------

    def token(
        self, headers: dict[str, str], pairs: list[tuple[str, str]], is_form: bool
    ) -> FakeResponse:
        """Answer ``POST /oauth/token``."""
        try:
            if not is_form:
                raise _OAuthFailure(
                    "invalid_request", "the body must be application/x-www-form-urlencoded"
                )
            form, repeated = single(pairs)
            if repeated is not None:
                raise _OAuthFailure("invalid_request", f"the {repeated} parameter is repeated")
            client = self._authenticate(headers, form)
            grant_type = form.get("grant_type")
            if not grant_type:
                raise _OAuthFailure("invalid_request", "grant_type is missing")
            if grant_type == "authorization_code":
                user_id, code = self._redeem_code(client, form), form["code"]
            elif grant_type == "refresh_token" and self.settings.issue_refresh_tokens:
                user_id, code = self._redeem_refresh(client, form), None
            else:
                raise _OAuthFailure(
                    "unsupported_grant_type", f"grant_type {grant_type[:40]!r} is not supported"
                )
        except _OAuthFailure as failure:
            extra: tuple[tuple[str, str], ...] = ()
            if failure.status == 401:
                extra = (("www-authenticate", 'Basic realm="chattz"'),)
            payload = {"error": failure.error, "error_description": failure.description}
            return json_response(failure.status, payload, extra)
        return json_response(200, self.issue(client, user_id, code, form.get("refresh_token")))

    def _authenticate(self, headers: dict[str, str], form: dict[str, str]) -> FakeClient:
        # Chattz documents client_id and client_secret in the form body only
        # (client_secret_post): an Authorization header is not read, so a client that
        # sends Basic credentials (Authlib's default) fails here as it does on Chattz.
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        client = self.clients.get(client_id)
        if (
            client is None
            or not secret
            or not hmac.compare_digest(secret.encode(), client.client_secret.encode())
        ):
            scheme = headers.get("authorization", "").partition(" ")[0]
            if not secret and scheme.lower() == "basic":
                raise _OAuthFailure(
                    "invalid_client",
                    "Chattz reads client_id and client_secret from the form body "
                    "(client_secret_post), not from an Authorization: Basic header",
                    401,
                )
            raise _OAuthFailure("invalid_client", "client authentication failed", 401)
        return client

    def _redeem_code(self, client: FakeClient, form: dict[str, str]) -> int:
        grant = _client_grant(self._codes, client, form, "code", "authorization code")[1]
        if grant.used:
            # RFC 6749 section 4.1.2: a reused code revokes what it granted.
            for token in grant.tokens:
                self.revoke(token)
            raise _OAuthFailure("invalid_grant", "the authorization code was already used")
        if self.settings.now() >= grant.expires_at:
            raise _OAuthFailure("invalid_grant", "the authorization code has expired")
        if form.get("redirect_uri") != grant.redirect_uri:
            raise _OAuthFailure(
                "invalid_grant", "redirect_uri does not match the authorize request"
            )
        verifier = form.get("code_verifier")
        if grant.code_challenge is None:
            if verifier is not None:
                raise _OAuthFailure("invalid_grant", "code_verifier sent but no code_challenge was")
        elif verifier is None or not _verifier_matches(verifier, grant.code_challenge):
            raise _OAuthFailure("invalid_grant", "code_verifier does not match the code_challenge")
        grant.used = True
        return grant.user_id

    def _redeem_refresh(self, client: FakeClient, form: dict[str, str]) -> int:
        refresh_token, grant = _client_grant(
            self._refresh, client, form, "refresh_token", "refresh token"
        )
        if self.settings.rotate_refresh_tokens:
            del self._refresh[refresh_token]
        return grant.user_id

    def issue(
        self,
        client: FakeClient,
        user_id: int,
        code: str | None = None,
        old_refresh: str | None = None,
    ) -> dict[str, Any]:
        """Issue tokens to ``client`` for a user; the token endpoint's JSON payload."""
        settings = self.settings
        access_token = secrets.token_urlsafe(32)
        expires_at = settings.now() + settings.token_lifetime
        self._access[access_token] = _Grant(client.client_id, user_id, expires_at, code)
        payload: dict[str, Any] = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": settings.token_lifetime,
        }
        issued = [access_token]
        if settings.issue_refresh_tokens and (
            old_refresh is None or settings.rotate_refresh_tokens
        ):
            refresh_token = secrets.token_urlsafe(32)
            self._refresh[refresh_token] = _Grant(client.client_id, user_id, None, code)
            payload["refresh_token"] = refresh_token
            issued.append(refresh_token)
        if code is not None:
            self._codes[code].tokens.extend(issued)
        return payload

    # --- userinfo -------------------------------------------------------------------

    def userinfo(self, headers: dict[str, str]) -> FakeResponse:
        """Answer ``GET /oauth/userinfo``."""
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            # RFC 6750 section 3.1: no error code when no credentials were sent.
            return _unauthorized('Bearer realm="chattz"', "missing_token")
        grant = self._access.get(token.strip())
        user = None if grant is None else self.users.get(grant.user_id)
        if grant is None or user is None:
            return _unauthorized(
                'Bearer realm="chattz", error="invalid_token", '
                'error_description="The access token is not valid"',
                "invalid_token",
            )
        if grant.expires_at is not None and self.settings.now() >= grant.expires_at:
            return _unauthorized(
                'Bearer realm="chattz", error="invalid_token", '
                'error_description="The access token expired"',
                "invalid_token",
            )
        return json_response(200, user.userinfo())


def _unauthorized(challenge: str, error: str) -> FakeResponse:
    body = json.dumps({"error": error}).encode() if error != "missing_token" else b""
    headers = [("www-authenticate", challenge), *NO_STORE]
    if body:
        headers.insert(0, ("content-type", JSON_TYPE))
    return FakeResponse(401, tuple(headers), body)
