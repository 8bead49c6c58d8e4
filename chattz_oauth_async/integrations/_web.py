"""What the Starlette and Django helpers share: results, targets, error pages, setting cookies.

Both helpers re-export :class:`LoginResult`; the rest is used through their
own ``describe_error`` / error pages, so the two frameworks answer a failed
login with the same status and the same words. :func:`same_origin` is public
(:mod:`chattz_oauth_async.integrations`): the CSRF check of a logout or link
POST for apps that write their own routes (the Flask and aiohttp examples).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, ClassVar, Final, cast
from urllib.parse import urlsplit

import attrs

from .. import _checks as checks
from ..accounts import SignIn
from ..diagnostics import Fault, classify
from ..errors import (
    AccountError,
    AccountLinkedElsewhere,
    AuthorizationDenied,
    ChattzOAuthError,
    ConfigurationError,
    InactiveUser,
    LinkRefused,
    LoginStateError,
    ProviderError,
    SignupsClosed,
    StateMismatchError,
    UnlinkRefused,
    UnsafeRedirectError,
)
from ..login import LoginRequest, safe_next_url
from ..models import ChattzUser, Token
from .cookies import SetCookie

__all__ = [
    "LoginFinish",
    "LoginResult",
    "LoginStart",
    "WebRequest",
    "describe_error",
    "error_page",
    "missing_extra",
    "post_login_target",
    "same_origin",
    "set_cookies",
]

logger = logging.getLogger("chattz_oauth_async.integrations")

# What Sec-Fetch-Site says for a request the site itself (or the user, typing) made.
_OWN_SITE: Final = frozenset({"same-origin", "none"})
# The answer to the site's own mistakes: trying again cannot help, so it never says to.
_MISCONFIGURED: Final = (
    500,
    "Sign-in is misconfigured",
    "This site's sign-in with Chattz is not set up correctly, so it cannot work until "
    "the site's operators fix it.",
)


def _kind(kind: type, what: str, *, none: bool = False) -> Any:
    return checks.validator(checks.instance, kind=kind, what=what, none=none)


def _cookie_list(_: object, __: object, value: object) -> None:
    if not (isinstance(value, list) and all(isinstance(item, SetCookie) for item in value)):
        raise ConfigurationError("cookies must be a list of SetCookie")


@attrs.frozen
class LoginResult:
    """A completed login.

    Attributes:
        token: The access token (its ``repr`` hides the secret parts).
        user: The signed-in user. Key your accounts on ``user.id``, never on the e-mail.
        next_url: The same-origin path the login was started with, or None.
        login: The completed login (its ``repr`` hides the state). A handler of
            your own that signs in to accounts passes it on, so the accounts
            decide whether it links:
            ``accounts.sign_in(result.user, login=result.login, signed_in_user_id=...)``.
        signed_in: The local account the login signed in to, when the flow
            was given an account store (:mod:`chattz_oauth_async.accounts`); else None.
    """

    token: Token = attrs.field(validator=_kind(Token, "a Token"))
    user: ChattzUser = attrs.field(validator=_kind(ChattzUser, "a ChattzUser"))
    next_url: str | None = attrs.field(validator=_kind(str, "a str", none=True))
    login: LoginRequest = attrs.field(validator=_kind(LoginRequest, "a LoginRequest"))
    signed_in: SignIn | None = attrs.field(
        default=None, validator=_kind(SignIn, "a SignIn", none=True)
    )

    @property
    def link_user_id(self) -> str | None:
        """For a linking login (a POST of the signed-in user), that user's id; else None."""
        return self.login.link_user_id


def _without_query(url: str) -> str:
    """``url``'s repr without its query or fragment: a callback URL's query holds the code."""
    return repr(url.split("?", 1)[0].split("#", 1)[0])


def _pairs(pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """``query=`` as a tuple of ``(name, value)`` string pairs (a converter: runs first)."""
    if not isinstance(pairs, str | bytes | Mapping):
        try:
            return checks.pairs("query", tuple(pairs))
        except (TypeError, ConfigurationError):
            pass  # raised below, with what to pass
    raise ConfigurationError(
        "query must be an iterable of (name, value) string pairs, such as "
        "request.query_params.multi_items()"
    )


@attrs.frozen
class WebRequest:
    """What the login flow reads from a request: its URL, cookies and query.

    Each framework's glue builds one (Starlette: ``WebRequest(str(request.base_url),
    request.cookies, request.query_params.multi_items())``; Flask:
    ``WebRequest(request.url, request.cookies, request.args.items(multi=True))``).

    Attributes:
        url: The request's URL as the app sees it (after any trusted proxy
            header): its scheme and host decide whether cookies get Secure.
            Its ``repr`` drops the query (a callback's holds the code and the
            state), as error trackers record the locals of a failing frame.
        cookies: The request's cookies.
        query: Every ``(name, value)`` of the query string, repeats kept (a
            callback with two ``code`` or ``state`` values is refused): an
            iterable of pairs of str, not a str or a mapping.

    Raises:
        ConfigurationError: When built with an empty ``url``, ``cookies`` that
            are not a mapping, or a ``query`` that is not such pairs.
    """

    url: str = attrs.field(repr=_without_query, validator=checks.validator(checks.text))
    cookies: Mapping[str, str] = attrs.field(repr=False, validator=checks.validator(checks.mapping))
    query: Sequence[tuple[str, str]] = attrs.field(default=(), converter=_pairs, repr=False)

    @property
    def states(self) -> list[str]:
        """Every ``state`` value of the query."""
        return [value for name, value in self.query if name == "state"]


@attrs.frozen
class LoginStart:
    """What ``/login`` answers: a 303 to Chattz, with the sealed login in a cookie.

    Attributes:
        location: The authorize URL to redirect the browser to.
        cookies: The cookies to set (the login's own, and deletions of stale ones).
        login: The login just started.
    """

    location: str = attrs.field(repr=False, validator=checks.validator(checks.text))
    cookies: list[SetCookie] = attrs.field(validator=_cookie_list)
    login: LoginRequest = attrs.field(validator=_kind(LoginRequest, "a LoginRequest"))

    #: The status of the answer: See Other (the browser follows it with a GET).
    status: ClassVar[int] = 303

    @property
    def headers(self) -> dict[str, str]:
        """``Location`` and ``Cache-Control: no-store``."""
        return {"Location": self.location, "Cache-Control": "no-store"}


@attrs.frozen
class LoginFinish:
    """What the callback ended with: a result or an error, and the cookie to delete either way.

    Attributes:
        result: The completed login (and its account), or None when it failed.
        error: Why it failed, or None when it succeeded.
        cookies: The deletion of the login cookie the callback used (set it on
            every answer, success or error).
    """

    result: LoginResult | None = attrs.field(
        validator=_kind(LoginResult, "a LoginResult", none=True)
    )
    error: ChattzOAuthError | None = attrs.field(
        validator=_kind(ChattzOAuthError, "a ChattzOAuthError", none=True)
    )
    cookies: list[SetCookie] = attrs.field(validator=_cookie_list)

    #: Headers for every callback answer: the callback URL holds the code.
    headers: ClassVar[Mapping[str, str]] = MappingProxyType(
        {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    )

    def __attrs_post_init__(self) -> None:
        if (self.result is None) == (self.error is None):
            raise ConfigurationError(
                "a LoginFinish holds a result or an error: exactly one of result and error "
                "must be None"
            )

    def result_or_raise(self) -> LoginResult:
        """The result of a login that succeeded; else its error, raised.

        Raises:
            ChattzOAuthError: :attr:`error`, for a login that failed.
        """
        if self.error is not None:
            raise self.error
        return cast(LoginResult, self.result)

    def error_page(self, *, retry_url: str = "/") -> tuple[int, str]:
        """The status and HTML page for :attr:`error` (:func:`error_page`).

        Raises:
            ValueError: The login succeeded: there is no error to show.
        """
        if self.error is None:
            raise ValueError("this login succeeded; it has no error page")
        return error_page(self.error, retry_url=retry_url)


def missing_extra(module: str, package: str, extra: str) -> ImportError:
    """The error for an integration imported without its framework installed."""
    return ImportError(f"{module} needs {package}: pip install 'chattz_oauth_async[{extra}]'")


def set_cookies(response: Any, cookies: Iterable[SetCookie]) -> None:
    """Put ``cookies`` on a Starlette or Django ``response`` through its ``set_cookie``."""
    for cookie in cookies:
        response.set_cookie(cookie.name, cookie.value, **cookie.attributes)


def post_login_target(next_url: str | None) -> str | None:
    """``next_url`` if it is a same-origin path (:func:`safe_next_url`), else None.

    An unsafe target is dropped (logged at INFO), never followed and never an
    error: the user lands on the app's default page.
    """
    try:
        return safe_next_url(next_url)
    except UnsafeRedirectError:
        logger.info("login: dropped a post-login target that is not a same-origin path")
        return None


def describe_error(exc: ChattzOAuthError) -> tuple[int, str, str]:
    """The HTTP status, title and user-facing message for a login error.

    The one table every web helper and example answers with:

    - 400 for a denied, expired, forged or replayed login, and for a callback
      whose parameters are malformed (a :class:`ProviderError` with no
      ``status_code``: no or a repeated ``code``, a wrong ``iss``, too many
      parameters; anyone can forge such a URL, so it says nothing about the
      provider);
    - 400 "Login expired" for an authorization code the token endpoint refused
      (``invalid_grant`` at the code exchange): it expired while the user was on
      Chattz's page, or a callback delivered twice reached a second worker that
      exchanged it again; the user starts again (the log's WARNING names the
      settings to check when every login ends so);
    - 502 for a provider that is unavailable (5xx, rate limited), answered
      something unusable or could not be reached;
    - 409 for a Chattz account linked to another local user, and for an
      unlink that would leave the user no way to sign in (:class:`UnlinkRefused`);
    - 403 when sign-ups are closed, a linking login finished for a user no
      longer signed in, or the local user is disabled (:class:`InactiveUser`);
    - 503 when the account database failed and trying again may work
      (:class:`AccountStoreError` with ``transient``, and another :class:`AccountError`);
    - 500 "this site's sign-in is misconfigured" for the site's own mistakes: a
      :class:`ConfigurationError`, or a database failure that will repeat until
      the site is fixed (a missing table, a constraint of the app's user
      model). It never tells the user to try again.

    Which failures are the site's own is :func:`~chattz_oauth_async.diagnostics.classify`'s
    call (:attr:`~chattz_oauth_async.diagnostics.Fault.CONFIGURATION`): besides a
    ConfigurationError and a permanent database failure, the token endpoint's
    ``invalid_client`` and ``unauthorized_client`` (a wrong client id or
    secret), a 404 from a wrong ``CHATTZ_BASE_URL``.
    The message never repeats provider-supplied text.
    """
    diagnosis = classify(exc)
    fault = diagnosis.fault
    if fault is Fault.CONFIGURATION:
        return _MISCONFIGURED
    if fault is Fault.PROVIDER:
        return (
            502,
            "Chattz is not available",
            "We could not complete the login with Chattz. Please try again in a moment.",
        )
    if isinstance(exc, AuthorizationDenied):
        return 400, "Login cancelled", "You did not allow the login on Chattz."
    if isinstance(exc, LoginStateError) and exc.expired:
        return 400, "Login expired", "The login took too long. Please start again."
    if diagnosis.reason == "code_rejected":  # invalid_grant: the code expired or was used
        return 400, "Login expired", "This login expired or was already used. Please start again."
    if isinstance(exc, (ProviderError, StateMismatchError, LoginStateError, UnsafeRedirectError)):
        return (
            400,
            "Login link not valid",
            "This login was not started in this browser, was already used, "
            "or has expired. Please start again.",
        )
    if isinstance(exc, AccountLinkedElsewhere):
        return (
            409,
            "Chattz account already linked",
            "This Chattz account is linked to another account here. Sign out and sign in "
            "with it, or unlink it from that account first.",
        )
    if isinstance(exc, UnlinkRefused):
        return (
            409,
            "Chattz account not unlinked",
            "This Chattz account is your only way to sign in here. Set a password or link "
            "another Chattz account first.",
        )
    if isinstance(exc, LinkRefused):
        return (
            403,
            "Linking not completed",
            "This link was started for an account that is no longer signed in here. "
            "Sign in, then link your Chattz account again from your account page.",
        )
    if isinstance(exc, SignupsClosed):
        return (
            403,
            "Sign-ups are closed",
            "There is no account here for this Chattz user, and new sign-ups are closed.",
        )
    if isinstance(exc, InactiveUser):
        return (
            403,
            "Account disabled",
            "The account this Chattz user signs in to is disabled here.",
        )
    if isinstance(exc, AccountError):  # the database failed for now, a sign-in race lost...
        return (
            503,
            "Sign-in is not available",
            "We could not sign you in right now. Please try again in a moment.",
        )
    return 500, "Login failed", "The login could not be completed."


def error_page(exc: ChattzOAuthError, *, retry_url: str = "/") -> tuple[int, str]:
    """The status and a small HTML page for a failed login (see :func:`describe_error`)."""
    status, title, message = describe_error(exc)
    retry = post_login_target(retry_url) or "/"
    page = (
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title></head>\n"
        f"<body><main><h1 id=error>{html.escape(title)}</h1><p>{html.escape(message)}</p>"
        f'<p><a href="{html.escape(retry)}">Back to the site</a></p></main></body></html>\n'
    )
    return status, page


def same_origin(sec_fetch_site: str | None, origin: str | None, host: str | None) -> bool:
    """Whether a state-changing request (a logout, a link) came from the site's own pages.

    Pass the request's ``Sec-Fetch-Site``, ``Origin`` and ``Host`` headers
    (None when absent). Browsers send ``Sec-Fetch-Site`` on every request
    (Chrome 76, Firefox 90, Safari 16.4): only ``same-origin`` and ``none``
    (typed or bookmarked) pass. Without it, ``Origin`` must name ``host``
    (compared case-insensitively); ``null`` or a malformed ``Origin``
    (``http://[``) fails. A request with neither header is not from a current
    browser's page: it passes (the session cookie's ``SameSite=Lax`` already
    keeps other sites' POSTs from carrying it; this is the second lock).
    It never raises.
    """
    if sec_fetch_site is not None:
        return sec_fetch_site.strip().lower() in _OWN_SITE
    if origin is None:
        return True
    try:
        netloc = urlsplit(origin).netloc
    except ValueError:  # "http://[" and other malformed URLs: not this site
        return False
    return bool(netloc) and bool(host) and netloc.lower() == (host or "").strip().lower()
