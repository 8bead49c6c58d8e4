"""Which failure is whose fault: :func:`classify` and its rules, one per family of errors.

Each rule reads one family of :class:`~chattz_oauth_async.ChattzOAuthError`
(the token endpoint's refusals, the callback's denial or state, Chattz's
unusable answers, the network, the account store...) and returns the
:class:`~chattz_oauth_async.diagnostics.Diagnosis` that names the cause and
the fix. The explanations are for the site's operator and safe to log: no
secret, code, token or database value, only setting names, status codes,
OAuth error codes and schema names. Pure: no I/O.

Neighbours: the values are in ``_diagnosis.py``; :mod:`chattz_oauth_async.diagnostics`
exports :func:`classify` (import it from there) and logs with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, TypeVar

from ._diagnosis import Diagnosis, Fault
from .errors import (
    AccountError,
    AccountLinkedElsewhere,
    AccountStoreError,
    AuthorizationDenied,
    ChattzOAuthError,
    ConfigurationError,
    InactiveUser,
    InsufficientScopeError,
    InvalidTokenError,
    LinkRefused,
    LoginStateError,
    OAuthError,
    ProviderError,
    ResponseTooLargeError,
    SignupsClosed,
    StateMismatchError,
    TokenExpiredError,
    TransportError,
    TransportTimeout,
    UnlinkRefused,
    UnsafeRedirectError,
)

__all__ = ["classify"]

_E = TypeVar("_E", bound=ChattzOAuthError)

#: Token-endpoint errors that only fixing the site's client setup cures (RFC 6749 5.2).
_CLIENT_ERRORS: Final = {
    "invalid_client": (
        "Chattz refused the client credentials (invalid_client): check CHATTZ_CLIENT_ID / "
        "CHATTZ_CLIENT_SECRET (the environment variables, or the Django settings of the same "
        "names) and strip any space at their ends"
    ),
    "unauthorized_client": (
        "Chattz does not let this client use the authorization code grant "
        "(unauthorized_client): check the client's settings on Chattz and CHATTZ_CLIENT_ID"
    ),
    "unsupported_grant_type": (
        "Chattz refused the grant type (unsupported_grant_type): check CHATTZ_BASE_URL "
        "points at Chattz's OAuth server"
    ),
    "invalid_request": (
        "Chattz refused the token request as malformed (invalid_request): check "
        "CHATTZ_REDIRECT_URI and CHATTZ_BASE_URL"
    ),
    "invalid_scope": (
        "Chattz refused the requested scope (invalid_scope): check the scope the login asks for"
    ),
}
#: invalid_grant at a login's code exchange (RFC 6749 5.2): the user's login, almost
#: always. A callback delivered twice (a double click, a browser's retry, two tabs) reaches
#: two workers and the second exchanges a code the first used; the user waited on Chattz's
#: page until the code expired; or the code is forged. A redirect URI Chattz does not
#: accept is refused at its authorize step, and the library sends the same redirect_uri
#: at both steps, so a mismatch rarely gets here; the explanation still names the settings
#: for a site where every login ends so (logged at WARNING, see Diagnosis.level).
_CODE_REJECTED: Final = (
    "Chattz refused the authorization code (invalid_grant): it expired or was used already "
    "(a callback delivered twice, or a user who waited on Chattz's page); the user must "
    "start the login again. If every login ends so, check that CHATTZ_REDIRECT_URI is "
    "exactly the redirect URI registered on Chattz and that CHATTZ_CLIENT_ID is the client "
    "it was registered for"
)
#: Authorization errors (RFC 6749 4.1.2.1) at the callback that are the site's setup.
_AUTHORIZE_CONFIG: Final = frozenset(
    {"unauthorized_client", "invalid_request", "invalid_scope", "unsupported_response_type"}
)
#: OAuth error codes that say Chattz is unavailable for now.
_UNAVAILABLE: Final = frozenset({"server_error", "temporarily_unavailable"})


def _status(exc: ChattzOAuthError) -> str:
    status = getattr(exc, "status_code", None)
    return f"HTTP {status}" if isinstance(status, int) else "no status"


def _oauth(exc: OAuthError) -> Diagnosis:
    code = exc.error
    if isinstance(exc, InsufficientScopeError):
        return Diagnosis(
            Fault.CONFIGURATION,
            "insufficient_scope",
            "Chattz says the token lacks the scope userinfo needs (HTTP 403): check the scope "
            "the login asks for",
            code,
        )
    if isinstance(exc, InvalidTokenError):
        return Diagnosis(
            Fault.PROVIDER,
            "token_rejected",
            f"Chattz rejected the access token it had just issued ({code}, {_status(exc)}); "
            "if this persists, check CHATTZ_BASE_URL",
            code,
        )
    status = exc.status_code
    if code in _UNAVAILABLE or status == 429 or (status is not None and status >= 500):
        return Diagnosis(
            Fault.PROVIDER,
            "rate_limited" if status == 429 else "provider_unavailable",
            f"Chattz is not available ({code}, {_status(exc)}): the user may try again later",
            code,
        )
    if code == "invalid_grant":
        return Diagnosis(Fault.USER, "code_rejected", _CODE_REJECTED, code)
    explanation = _CLIENT_ERRORS.get(code) or (
        f"Chattz refused the token request ({code}, {_status(exc)}): check CHATTZ_CLIENT_ID, "
        "CHATTZ_CLIENT_SECRET and CHATTZ_REDIRECT_URI"
    )
    return Diagnosis(Fault.CONFIGURATION, code, explanation, code)


def _provider(exc: ProviderError) -> Diagnosis:
    status = exc.status_code
    if status is None and not isinstance(exc, ResponseTooLargeError):
        # Only the provider's answers are read under the size cap: an oversized one is
        # Chattz's fault with or without a status; any other status-less one is the callback's.
        return Diagnosis(
            Fault.USER,
            "malformed_callback",
            f"the callback's parameters are malformed ({exc.message}): a hand-made or "
            "truncated callback URL",
        )
    if status in (404, 405, 410):
        return Diagnosis(
            Fault.CONFIGURATION,
            "endpoint_not_found",
            f"Chattz's endpoint answered HTTP {status}: check CHATTZ_BASE_URL (it names the "
            "OAuth server, such as https://chattz.net)",
        )
    if status == 429:
        return Diagnosis(
            Fault.PROVIDER,
            "rate_limited",
            "Chattz is rate limiting this site (HTTP 429): the user may try again later",
        )
    reason = "response_too_large" if isinstance(exc, ResponseTooLargeError) else "bad_answer"
    if status is not None and status >= 500:
        reason = "provider_unavailable"
    http = "" if status is None else f", HTTP {status}"
    return Diagnosis(
        Fault.PROVIDER,
        reason,
        f"Chattz answered something unusable ({exc.message}{http}): the user may try again later",
    )


def _store(exc: AccountStoreError) -> Diagnosis:
    cause = exc.cause or "unknown cause"
    if exc.transient:
        return Diagnosis(
            Fault.DATABASE,
            "database_unavailable",
            f"the account database failed ({cause}): the user may try again; check the "
            "database server and the connection pool",
        )
    lowered = cause.lower()
    if lowered.startswith(("sqlstate 3d000", "sqlstate 28")):
        return Diagnosis(
            Fault.CONFIGURATION,
            "database_refused",
            f"the database server refused the connection ({cause}): check the database "
            "URL's database name, user and password (DATABASE_URL, or Django's DATABASES), "
            "and the server's pg_hba.conf",
        )
    if "42p01" in lowered or "no such table" in lowered or "missing" in lowered:
        return Diagnosis(
            Fault.CONFIGURATION,
            "missing_table",
            f"the accounts table is missing ({cause}): run manage.py migrate (Django), or "
            "create the tables (await store.create_tables(), or your migrations)",
        )
    if "column" in lowered or "42703" in lowered:
        return Diagnosis(
            Fault.CONFIGURATION,
            "missing_column",
            f"the accounts tables lack a column ({cause}): run manage.py migrate (Django), or "
            "migrate the tables to this version's schema",
        )
    return Diagnosis(
        Fault.CONFIGURATION,
        "store_constraint",
        f"the account store cannot create or update the user ({cause}): the app's user "
        "model needs a value the default sign-in does not give; fill it in a create_user "
        "hook (or give the column a default)",
    )


def classify(exc: ChattzOAuthError, *, refresh: bool = False) -> Diagnosis:
    """Whose fault a failure at the login routes is, why, and what fixes it.

    Covers every error the login flow, the accounts and the web helpers
    raise: the token endpoint's ``invalid_client``, ``unauthorized_client``
    and other refusals of the client, a missing table or column, a
    constraint of the app's user model and a :class:`ConfigurationError`
    are :attr:`Fault.CONFIGURATION`; 5xx answers, timeouts, connection errors
    and rate limits are :attr:`Fault.PROVIDER`; a database that is away for
    now is :attr:`Fault.DATABASE`; a denied, expired, replayed or forged login,
    one started in another browser, an account the site refuses and the
    token endpoint's ``invalid_grant`` at a login's code exchange are
    :attr:`Fault.USER`.

    ``invalid_grant`` at the code exchange (reason ``code_rejected``) is a
    code that expired (the user waited on Chattz's page) or was used already
    (a callback delivered twice, to two workers), or a forged one: the user
    must start the login again. A redirect URI mismatch is refused at
    Chattz's authorize step, before any code is issued. It is logged at
    WARNING, not INFO: when every login ends so, the explanation names
    ``CHATTZ_REDIRECT_URI`` and ``CHATTZ_CLIENT_ID`` to check.

    Args:
        exc: The failure.
        refresh: ``exc`` comes from a token refresh, where ``invalid_grant``
            means the refresh token is expired or revoked: the user must log
            in again (:attr:`Fault.USER`, reason ``refresh_token_rejected``).
            Without it, an ``invalid_grant`` is a login's code exchange's.

    Raises:
        TypeError: ``exc`` is not a ChattzOAuthError.
    """
    if not isinstance(exc, ChattzOAuthError):
        raise TypeError(f"classify() takes a ChattzOAuthError, not {type(exc).__name__}")
    if refresh and isinstance(exc, OAuthError) and exc.error == "invalid_grant":
        return Diagnosis(
            Fault.USER,
            "refresh_token_rejected",
            "Chattz refused the refresh token (invalid_grant): it expired or was revoked; "
            "the user must log in again",
            exc.error,
        )
    for kind, rule in _RULES:
        if isinstance(exc, kind):
            return rule(exc)
    return Diagnosis(Fault.CONFIGURATION, "unexpected", f"the login failed ({type(exc).__name__})")


def _denied(exc: AuthorizationDenied) -> Diagnosis:
    code = exc.error
    if code in _AUTHORIZE_CONFIG:
        return Diagnosis(
            Fault.CONFIGURATION,
            code,
            f"Chattz refused the authorization request ({code}): check CHATTZ_CLIENT_ID, "
            "CHATTZ_REDIRECT_URI and the scope the login asks for",
            code,
        )
    if code in _UNAVAILABLE:
        return Diagnosis(
            Fault.PROVIDER,
            "provider_unavailable",
            f"Chattz could not authorize the login ({code}): the user may try again later",
            code,
        )
    return Diagnosis(Fault.USER, "denied", f"the user did not allow the login ({code})", code)


def _state(exc: ChattzOAuthError) -> Diagnosis:
    if isinstance(exc, LoginStateError) and exc.expired:
        return Diagnosis(Fault.USER, "expired", "the login took longer than the cookie's max age")
    if isinstance(exc, LoginStateError):
        return Diagnosis(
            Fault.USER,
            "unreadable_login",
            "the login cookie is tampered or sealed with another key (if this happens to every "
            "user, every worker must share the same login secret key)",
        )
    return Diagnosis(
        Fault.USER,
        "replayed_or_other_browser",
        "the callback's state matches no login of this browser: a replayed or forged "
        "callback, a login started in another browser, or a login cookie that did not come "
        "back (is /login served on the redirect URI's host?)",
    )


def _simple(fault: Fault, reason: str, explanation: str) -> Callable[[ChattzOAuthError], Diagnosis]:
    return lambda _exc: Diagnosis(fault, reason, explanation)


def _transport(exc: ChattzOAuthError) -> Diagnosis:
    timeout = isinstance(exc, TransportTimeout)
    return Diagnosis(
        Fault.PROVIDER,
        "timeout" if timeout else "connection_failed",
        f"Chattz could not be reached ({exc}): the user may try again later; if this "
        "persists, check CHATTZ_BASE_URL, DNS and the outbound network",
    )


def _configuration(exc: ChattzOAuthError) -> Diagnosis:
    return Diagnosis(Fault.CONFIGURATION, "configuration", f"the site's setup is wrong: {exc}")


def _wrap(rule: Callable[[_E], Diagnosis]) -> Callable[[ChattzOAuthError], Diagnosis]:
    return rule  # type: ignore[return-value]  # _RULES pairs each rule with its class


_RULES: Final[
    tuple[tuple[type[ChattzOAuthError], Callable[[ChattzOAuthError], Diagnosis]], ...]
] = (
    (ConfigurationError, _configuration),
    (AuthorizationDenied, _wrap(_denied)),
    (OAuthError, _wrap(_oauth)),
    (ProviderError, _wrap(_provider)),
    (TransportError, _transport),
    (LoginStateError, _state),
    (StateMismatchError, _state),
    (
        UnsafeRedirectError,
        _simple(Fault.USER, "unsafe_next", "the post-login target is not a same-origin path"),
    ),
    (AccountStoreError, _wrap(_store)),
    (
        AccountLinkedElsewhere,
        _simple(
            Fault.USER, "linked_elsewhere", "the Chattz account is linked to another local user"
        ),
    ),
    (
        UnlinkRefused,
        _simple(Fault.USER, "unlink_refused", "the link is the user's last way to sign in"),
    ),
    (
        LinkRefused,
        _simple(
            Fault.USER,
            "link_refused",
            "a linking login finished for a user who is no longer signed in",
        ),
    ),
    (
        SignupsClosed,
        _simple(Fault.USER, "signups_closed", "no account for this Chattz user; sign-ups closed"),
    ),
    (InactiveUser, _simple(Fault.USER, "inactive_user", "the local user is disabled")),
    (
        AccountError,
        _simple(
            Fault.DATABASE,
            "account_conflict",
            "the account step failed for now (a lost sign-in race): the user may try again",
        ),
    ),
    (
        TokenExpiredError,
        _simple(
            Fault.PROVIDER,
            "token_expired",
            "the token Chattz issued expired before it could be used (check the server's clock)",
        ),
    ),
)
