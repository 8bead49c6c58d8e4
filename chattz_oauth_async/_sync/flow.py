# GENERATED from chattz_oauth_async/_async/flow.py by scripts/gen_sync.py -- do not edit.
# Edit the async original, then run: python scripts/gen_sync.py
"""The web login flow, once for every framework: begin at ``/login``, finish at ``/callback``.

The Starlette/FastAPI helper, the Django views and the Flask and aiohttp
examples all call it; what each keeps is the framework's glue (read the
request into a :class:`~chattz_oauth_async.integrations.flow.WebRequest`,
copy the answer onto a response). Public from
:mod:`chattz_oauth_async.integrations.flow`.

``chattz_oauth_async/_sync/flow.py`` is generated from this file by
``scripts/gen_sync.py``: edit here, then regenerate.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

import attrs

from .. import _checks as checks
from .._telemetry import login_callback
from .._tracebacks import keeps_no_secrets
from ..accounts import Accounts
from ..diagnostics import Fault, classify, host_mismatch, log_failure
from ..errors import ChattzOAuthError
from ..events import Event, EventKind, emit, failure
from ..integrations._web import LoginFinish, LoginResult, LoginStart, WebRequest, post_login_target
from ..integrations.cookies import LoginCookies
from .session import ChattzOAuth

__all__ = ["LoginFlow", "SignedInUser", "StartSession"]

logger = logging.getLogger("chattz_oauth_async.integrations")

#: Who is signed in on the request now (a user id, a SessionUser the accounts check while
#: linking, or None): asked only at a linking login.
SignedInUser = Callable[[], object]
#: The framework's part of a successful login: write the new session (raise a
#: ChattzOAuthError to refuse it; the flow answers with its error page).
StartSession = Callable[[LoginResult], None]


def _check_session(_: object, __: object, value: Any) -> None:
    checks.instance("chattz", value, ChattzOAuth, "a session (ChattzOAuth)")


def _check_cookies(_: object, __: object, value: Any) -> None:
    checks.instance("cookies", value, LoginCookies, "LoginCookies")


def _check_accounts(_: object, __: object, value: Any) -> None:
    checks.instance("accounts", value, Accounts, "Accounts", none=True)


@attrs.frozen
class LoginFlow:
    """``/login`` and ``/callback`` for any web framework: start, seal, unseal, complete, sign in.

    Build one per app (or per request: it is three references). Every
    failure of a callback passes through :meth:`finish`, which returns it as
    a value (:class:`~chattz_oauth_async.integrations.flow.LoginFinish`)
    after logging it once (:func:`~chattz_oauth_async.diagnostics.log_failure`:
    ERROR naming the cause and the fix when the site is misconfigured,
    WARNING for an outage and for an authorization code Chattz refused,
    INFO for the rest of the user's side); nothing else in a
    framework's glue decides a login. :meth:`begin` warns when the browser
    is on another host than the redirect URI's (the login cookie would not
    come back).

    Args:
        chattz: The app's session.
        cookies: The pending-login cookies (key, name, Secure rule, lifetime).
        accounts: The app's account engine, or None: with it, :meth:`finish`
            signs the login in to its local account (found, created, or for a
            linking login linked) and the result carries it in ``signed_in``.

    Raises:
        ConfigurationError: ``chattz``, ``cookies`` or ``accounts`` is of the wrong type
            (the sync twin's for this flow, say).
    """

    chattz: ChattzOAuth = attrs.field(validator=_check_session)
    cookies: LoginCookies = attrs.field(validator=_check_cookies)
    accounts: Accounts | None = attrs.field(default=None, validator=_check_accounts)

    def begin(
        self,
        request: WebRequest,
        next_url: str | None = None,
        *,
        link_user_id: str | int | uuid.UUID | None = None,
        **extra: str,
    ) -> LoginStart:
        """Start a login: a 303 to Chattz, with the login sealed in a cookie of its own.

        Args:
            request: The ``/login`` request.
            next_url: Where to send the user afterwards. Anything but a
                same-origin path is dropped (logged at INFO), never followed.
            link_user_id: The signed-in user who asked to link another Chattz
                account, from a POST that passed your CSRF check; None (the
                default) for a plain login, which never links.
            **extra: Further authorize parameters.

        Raises:
            ConfigurationError: ``link_user_id`` is not a user id the accounts
                can keep, or ``extra`` names a parameter the library sets.
        """
        login = self.chattz.start_login(
            post_login_target(next_url), link_user_id=link_user_id, **extra
        )
        mismatch = host_mismatch(request.url, self.chattz.config.redirect_uri)
        if mismatch is not None:
            logger.warning("login: %s", mismatch)
        secure = self.cookies.is_secure(request.url)
        cookies = self.cookies.start(login, request.cookies, secure=secure, now=self.chattz.clock())
        linking = login.link_user_id is not None
        emit(Event(EventKind.LOGIN_STARTED, user_id=login.link_user_id, linking=linking))
        return LoginStart(login.url, cookies, login)

    @keeps_no_secrets
    def finish(
        self,
        request: WebRequest,
        *,
        signed_in_user: SignedInUser | None = None,
        start_session: StartSession | None = None,
    ) -> LoginFinish:
        """Finish the login at the callback; never raises a ChattzOAuthError, returns it.

        The steps: the browser's login cookie for the callback's state
        (unsealed and checked), the code exchange (state, PKCE, replay
        checks), the user's profile, then with ``accounts`` the account step,
        then ``start_session``. The login cookie is deleted whatever happens.

        Args:
            request: The callback request.
            signed_in_user: Returns who is signed in on this request now (a
                local user id, a :class:`~chattz_oauth_async.accounts.SessionUser`
                whose link and user the accounts check in the statement that
                links, or None); called only for a linking login, whose link
                the accounts then allow only for that same user.
            start_session: The framework's part of a success: clear and rewrite
                the session for ``result.signed_in`` (or the user). A
                ChattzOAuthError it raises is the login's error.

        Returns:
            The result or the error (each a ChattzOAuthError: a denied,
            expired, forged or replayed login; Chattz failing; the account
            refused), and the cookie deletion to send.
        """
        secure = self.cookies.is_secure(request.url)
        clear = self.cookies.clear(request.states, request.cookies, secure=secure)
        # What the failure's event can tell: the Chattz user, and a linking login's user.
        seen: dict[str, Any] = {}
        with login_callback() as span:
            try:
                result = self._complete(request, secure, signed_in_user, seen)
                if start_session is not None:
                    start_session(result)
            except ChattzOAuthError as exc:
                found = log_failure(exc, hint=self._hint(exc))
                span.failed(found.fault.value, found.reason, found.error)
                failed = failure(EventKind.LOGIN_FAILED, exc, chattz_id=seen.get("chattz_id"))
                emit(attrs.evolve(failed, user_id=seen.get("user_id"), linking="user_id" in seen))
                return LoginFinish(None, exc, clear)
            event = completed(result)
            span.succeeded(event.outcome or "completed")
        emit(event)
        return LoginFinish(result, None, clear)

    def _hint(self, exc: ChattzOAuthError) -> str | None:
        # What the flow knows that the error does not: a secret with stray whitespace,
        # the session's retry rules.
        diagnosis = classify(exc)
        if diagnosis.fault is Fault.PROVIDER:
            return (
                f"userinfo is tried up to {self.chattz.retry.attempts} times within "
                f"{self.chattz.total_timeout:g}s; the code exchange is retried only when no "
                "connection was made"
            )
        secret = self.chattz.config.client_secret
        if diagnosis.reason == "invalid_client" and secret != secret.strip():
            return "CHATTZ_CLIENT_SECRET starts or ends with whitespace, such as a newline"
        return None

    def _complete(
        self,
        request: WebRequest,
        secure: bool,
        signed_in_user: SignedInUser | None,
        seen: dict[str, Any],
    ) -> LoginResult:
        now = self.chattz.clock()
        login = self.cookies.read(request.states, request.cookies, secure=secure, now=now)
        if login.link_user_id is not None:
            seen["user_id"] = login.link_user_id
        token = self.chattz.complete_login(
            list(request.query), login, max_age=self.cookies.max_age
        )
        user = self.chattz.userinfo(token)
        seen["chattz_id"] = user.id
        result = LoginResult(token, user, post_login_target(login.next_url), login)
        if self.accounts is None:
            return result
        # Who is signed in matters only to a linking login; the accounts decide
        # whether it links (a plain login never does).
        current = None
        if login.link_user_id is not None and signed_in_user is not None:
            current = signed_in_user()
        signed_in = self.accounts.sign_in(user, login=login, signed_in_user_id=current)
        return attrs.evolve(result, signed_in=signed_in)


def completed(result: LoginResult) -> Event:
    """The ``LOGIN_COMPLETED`` event of ``result``."""
    signed_in = result.signed_in
    return Event(
        EventKind.LOGIN_COMPLETED,
        chattz_id=result.user.id,
        user_id=None if signed_in is None else signed_in.user_id,
        outcome=None if signed_in is None else signed_in.outcome.value,
        linking=result.link_user_id is not None,
    )
