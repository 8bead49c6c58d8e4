"""The errors this library raises.

Every failure that reaches a caller is a :class:`ChattzOAuthError`. None of them
carries a client secret, an authorization code, a PKCE verifier or a token in
its message, its ``args`` or its ``repr()``: only the facts a caller needs to
act (an HTTP status, the OAuth ``error`` code, the provider's description,
capped in length and stripped of control characters).
"""

from __future__ import annotations

__all__ = [
    "AccountError",
    "AccountLinkedElsewhere",
    "AccountStoreError",
    "AuthorizationDenied",
    "ChattzOAuthError",
    "ConfigurationError",
    "InactiveUser",
    "InsecureTransportError",
    "InsufficientScopeError",
    "InvalidTokenError",
    "LinkRefused",
    "LoginStateError",
    "OAuthError",
    "ProviderError",
    "ResponseTooLargeError",
    "SignupsClosed",
    "StateMismatchError",
    "TokenExpiredError",
    "TransportError",
    "TransportTimeout",
    "UnlinkRefused",
    "UnsafeRedirectError",
]

#: The longest provider-supplied text (error descriptions) we keep.
MAX_DESCRIPTION_LENGTH = 300


def clean_text(value: object, limit: int = MAX_DESCRIPTION_LENGTH) -> str | None:
    """Make provider-controlled text safe to log and display.

    Returns None for anything that is not a non-empty string; otherwise the
    string with control characters replaced and cut to ``limit`` characters.
    """
    if not isinstance(value, str) or not value:
        return None
    text = "".join(ch if ch.isprintable() else "?" for ch in value[: limit + 1])
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ChattzOAuthError(Exception):
    """Base class of every error raised by chattz_oauth_async."""


class ConfigurationError(ChattzOAuthError):
    """The session was configured or called with values that cannot work."""


class InsecureTransportError(ConfigurationError):
    """A URL uses plain ``http://`` for a host that is not loopback."""


class UnsafeRedirectError(ChattzOAuthError):
    """A post-login target is not a same-origin relative path."""


class StateMismatchError(ChattzOAuthError):
    """The callback's ``state`` is missing, empty, duplicated or not the expected one.

    This is what a cross-site request forgery looks like: the login must not
    continue, and no request is sent to the provider.
    """


class LoginStateError(ChattzOAuthError):
    """A sealed login state (cookie) is tampered, expired, or not readable."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


class _DescribedError(ChattzOAuthError):
    """An error that carries an OAuth error code and the provider's description."""

    #: The OAuth ``error`` code (``"unknown_error"`` when the provider gave none).
    error: str
    #: The provider's ``error_description``, cleaned of control characters; None when absent.
    error_description: str | None
    #: The provider's ``error_uri``; None when absent.
    error_uri: str | None
    #: The HTTP status of the answer; None when the error did not come from one.
    status_code: int | None

    def __init__(
        self,
        error: str,
        error_description: str | None = None,
        error_uri: str | None = None,
        status_code: int | None = None,
    ) -> None:
        self.error = clean_text(error, 80) or "unknown_error"
        self.error_description = clean_text(error_description)
        self.error_uri = clean_text(error_uri)
        self.status_code = status_code
        super().__init__(self.error, self.error_description, self.error_uri, status_code)

    def __str__(self) -> str:
        text = self.error
        if self.error_description:
            text += f": {self.error_description}"
        if self.status_code is not None:
            text += f" (HTTP {self.status_code})"
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(error={self.error!r}, "
            f"error_description={self.error_description!r}, "
            f"status_code={self.status_code!r})"
        )


class AuthorizationDenied(_DescribedError):
    """The user (or the provider) refused the authorization request.

    Raised for a callback that carries ``error=access_denied`` (or any other
    RFC 6749 section 4.1.2.1 error) together with the right ``state``.
    """


class OAuthError(_DescribedError):
    """The provider answered with an RFC 6749 section 5.2 error body.

    Attributes:
        error: The OAuth error code, for example ``invalid_grant``.
        error_description: The provider's explanation, if any (capped).
        error_uri: A link to more information, if any.
        status_code: The HTTP status of the response.
    """


class InvalidTokenError(OAuthError):
    """The provider rejected the access token (HTTP 401 from userinfo)."""


class InsufficientScopeError(OAuthError):
    """The token is valid but lacks the scope this call needs (HTTP 403)."""


class TokenExpiredError(ChattzOAuthError):
    """The access token has expired; nothing was sent to the provider."""


class ProviderError(ChattzOAuthError):
    """The provider's answer could not be understood.

    For example an HTML page where JSON was expected, a body of the wrong
    shape, a missing ``access_token`` or ``id``, or an unexpected status.

    Attributes:
        status_code: The HTTP status of the response, or None when no response
            was involved (a malformed callback).
    """

    def __init__(self, message: str, status_code: int | None = None) -> None:
        self.status_code = status_code
        self.message = message
        super().__init__(message, status_code)

    def __str__(self) -> str:
        if self.status_code is None:
            return self.message
        return f"{self.message} (HTTP {self.status_code})"


class ResponseTooLargeError(ProviderError):
    """The response body went over the configured size cap; reading stopped there."""


class TransportError(ChattzOAuthError):
    """The request did not complete: connection refused or reset, TLS failure, timeout.

    The original httpx (or httpx2) exception is kept as ``__cause__``.
    """


class TransportTimeout(TransportError):
    """The request ran out of time (a connect, read or total deadline)."""


class AccountError(ChattzOAuthError):
    """A completed Chattz login could not be turned into a local account.

    Raised by :mod:`chattz_oauth_async.accounts`; nothing was written. The
    message names what went wrong, never a profile value or a token.
    """


class AccountLinkedElsewhere(AccountError):
    """The Chattz account is already linked to another local user.

    Raised when a signed-in user tries to link a Chattz account that signs
    someone else in: linking it would let one person take over the other's
    account. The existing link is kept; the user must sign in with it, or its
    owner must unlink it first.

    Attributes:
        chattz_id: The Chattz user id that is linked elsewhere.
    """

    def __init__(self, chattz_id: int) -> None:
        self.chattz_id = chattz_id
        super().__init__(f"Chattz user {chattz_id} is already linked to another local account")


class SignupsClosed(AccountError):
    """No local account is linked to this Chattz user, and sign-ups are closed.

    Attributes:
        chattz_id: The Chattz user id that has no account.
    """

    def __init__(self, chattz_id: int) -> None:
        self.chattz_id = chattz_id
        super().__init__(f"Chattz user {chattz_id} has no account here and sign-ups are closed")


class LinkRefused(AccountError):
    """A login started to link a Chattz account finished for a user who is not signed in any more.

    A linking login carries the local user who started it (``LoginRequest.link_user_id``); if
    the session's user is someone else by the callback (signed out, or another user signed in
    meanwhile), nothing is linked or signed in. Start linking again while signed in.
    """


class AccountStoreError(AccountError):
    """The account store (the database) failed; the transaction was rolled back.

    The database driver's exception is kept as ``__cause__`` (its message can
    quote the values sent, so it is not repeated here).

    Attributes:
        transient: True when trying again later may work (the connection was
            lost, a lock or statement timed out, a deadlock); False when the
            site's setup is wrong and every login will fail the same way until
            it is fixed (a missing table or column, a NOT NULL column the app's
            user model added, a unique constraint a ``create_user`` hook
            violates): show "this site's sign-in is misconfigured", not "try
            again". The stores log a permanent failure once, with its cause.
        cause: What failed, for the logs and the site's owner: a table, column
            or constraint name, or the driver's error class; never a value.
    """

    def __init__(self, message: str, *, transient: bool = True, cause: str | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.cause = cause

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({str(self)!r}, transient={self.transient!r}, "
            f"cause={self.cause!r})"
        )


class UnlinkRefused(AccountError):
    """Removing this Chattz link would leave its local user with no way to sign in.

    The link is the user's last: no other Chattz account is linked to them,
    and they have no usable password (what the store's ``has_other_login``
    says). django-allauth refuses the same way ("Your account has no password
    set up" / "no verified e-mail address") before disconnecting a social
    account. The web helpers answer 409. Set a password, or link another
    Chattz account, first.

    Attributes:
        chattz_id: The Chattz user id whose link was kept.
    """

    def __init__(self, chattz_id: int) -> None:
        self.chattz_id = chattz_id
        super().__init__(
            f"the link of Chattz user {chattz_id} is this user's last way to sign in: "
            "set a password or link another Chattz account first"
        )


class InactiveUser(AccountError):
    """The local user this login signs in to is inactive (disabled by the site); not signed in.

    Every store refuses the same way: Django's ``is_active`` (what
    ``ModelBackend`` checks), the SQLAlchemy store's ``chattz_users.is_active``
    or its ``is_active`` hook. The web helpers answer 403, the page Django's
    views give.
    """

    def __init__(self, message: str = "this account is disabled") -> None:
        super().__init__(message)
