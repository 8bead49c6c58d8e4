"""The signed-in session for Starlette and FastAPI: a login's account kept in ``request.session``.

:class:`ChattzLogin(accounts=...) <chattz_oauth_async.integrations.starlette.ChattzLogin>`
uses it; public names come from :mod:`chattz_oauth_async.integrations.starlette`.

The session (Starlette's ``SessionMiddleware``) holds two keys: ``user_id``
(the local user, text) and ``chattz_id`` (the Chattz account it signed in
with). An app's own sign-in (a password form) may write ``user_id`` alone.
A login links a Chattz account to the signed-in user only when that user
started it to link (``POST /login``: the user id is sealed in the login);
any other login signs the Chattz account's own account in.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Final
from urllib.parse import parse_qsl, quote, urlencode

import attrs
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import NoMatchFound

from ...accounts import Account, AsyncAccounts, SessionUser
from ...diagnostics import log_failure
from ...errors import AccountError, AccountStoreError, ConfigurationError
from ...events import Event, EventKind, emit
from .._web import LoginResult, describe_error, post_login_target, same_origin

__all__ = [
    "CHATTZ_ID",
    "USER_ID",
    "AccountSession",
    "AccountsSource",
    "configured",
    "form_field",
    "form_fields",
    "from_own_site",
    "login_url",
    "unavailable",
]

logger = logging.getLogger("chattz_oauth_async.integrations.starlette")

#: The session key of the signed-in local user's id (text).
USER_ID: Final = "user_id"
#: The session key of the Chattz id the user signed in with.
CHATTZ_ID: Final = "chattz_id"

AccountsSource = AsyncAccounts | Callable[[], AsyncAccounts]

# Characters kept as they are when a requested path and query are written into ?next=.
_PATH_SAFE: Final = "/:@!$&'()*+,;=-._~%"
_QUERY_SAFE: Final = _PATH_SAFE + "?"
# The largest form body read for a field (a link form holds a next path, 1 KiB at most).
_FORM_LIMIT: Final = 8192


def session_of(request: Request) -> dict[str, Any]:
    """``request.session``, or a ConfigurationError naming the middleware it needs.

    Raises:
        ConfigurationError: Starlette's ``SessionMiddleware`` is not installed.
    """
    if "session" not in request.scope:
        raise ConfigurationError(
            "ChattzLogin(accounts=...) keeps the signed-in user in request.session: add "
            "Starlette's SessionMiddleware (app.add_middleware(SessionMiddleware, "
            "secret_key=...), pip install itsdangerous)"
        )
    session: dict[str, Any] = request.session
    return session


def _text(value: object) -> str | None:
    # An app's own sign-in may have stored an int; bool is an int too, but no user id.
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return str(value) or None


@attrs.frozen
class AccountSession:
    """What ``ChattzLogin(accounts=...)`` does with the session: sign in, read, sign out.

    Args:
        source: The app's :class:`~chattz_oauth_async.accounts.AsyncAccounts`,
            or a zero-argument callable returning it.

    Raises:
        ConfigurationError: ``source`` is neither.
    """

    source: AccountsSource = attrs.field()

    @source.validator
    def _check(self, _: object, value: object) -> None:
        if not (isinstance(value, AsyncAccounts) or callable(value)):
            raise ConfigurationError(
                "ChattzLogin(accounts=...) takes an AsyncAccounts (Starlette and FastAPI are "
                f"async) or a function returning one, not {type(value).__name__}"
            )

    def accounts(self) -> AsyncAccounts:
        """The accounts this request uses.

        Raises:
            ConfigurationError: The function given returned something else.
        """
        if isinstance(self.source, AsyncAccounts):
            return self.source
        accounts = self.source()
        if not isinstance(accounts, AsyncAccounts):
            raise ConfigurationError(
                "ChattzLogin's accounts function must return an AsyncAccounts, "
                f"not {type(accounts).__name__}"
            )
        return accounts

    async def signed_in_user(self, request: Request) -> str | None:
        """The local user signed in on this session, if any (the one a linking login is for).

        A session from a Chattz login counts only while its link stands; one
        with ``user_id`` alone (the app's own sign-in) counts as it is. The
        session is left as it is (:meth:`current_account` clears a stale one).

        Raises:
            ConfigurationError: No SessionMiddleware.
            AccountStoreError: The database failed.
        """
        claim = _session_claim(request)
        if not isinstance(claim, SessionUser):
            return claim
        account, _ = await self._session_account(request)
        return None if account is None else account.user_id

    def signed_in_getter(self, request: Request) -> Callable[[], Awaitable[object]]:
        """Who the session says is signed in, for the flow to pass to ``sign_in`` at a linking
        login: a ``SessionUser`` (the store checks it in the statement that links), or the
        ``user_id`` of a session without a Chattz id (the app's own sign-in)."""

        async def signed_in() -> object:
            return _session_claim(request)

        return signed_in

    def session_writer(self, request: Request) -> Callable[[LoginResult], Awaitable[None]]:
        """The flow's session step: a new session for the account the login signed in to.

        The session is cleared and rewritten only once the account is known
        (the flow calls it after the account step), so a refused login leaves
        the session as it was.

        Raises:
            ConfigurationError: No SessionMiddleware (checked now, before the code is used).
        """
        session = session_of(request)

        async def write(result: LoginResult) -> None:
            signed_in = result.signed_in
            if signed_in is None:  # the flow ran without accounts: nothing to sign in to
                raise ConfigurationError("the session step needs the flow's account step")
            # A new session at login: nothing planted before it (fixation) survives,
            # and whoever was signed in before a plain login is signed out.
            session.clear()
            session[USER_ID] = signed_in.user_id
            session[CHATTZ_ID] = signed_in.account.chattz_id

        return write

    async def unlink(self, request: Request) -> Response:
        """``POST /unlink``: remove one of the signed-in user's Chattz links (field ``chattz_id``).

        A cross-site request gets 403 (the rule of :meth:`logout`); nobody
        signed in, a 303 to the login page; a ``chattz_id`` that is not a
        Chattz id, 400. Then :meth:`AsyncAccounts.unlink
        <chattz_oauth_async.accounts.AsyncAccounts.unlink>`, which refuses
        (:class:`~chattz_oauth_async.UnlinkRefused`, 409) to remove the last
        way in of a user. When the session signed in with the link removed, it
        moves to the user's oldest remaining link (or keeps ``user_id`` alone).
        Then a 303 to the form's ``next`` (a same-origin path) or ``/``.
        Chattz has no revocation endpoint: a token issued for the Chattz
        account stays valid until it expires.

        Raises:
            ConfigurationError: No SessionMiddleware.
            UnlinkRefused: The link is the user's last way in.
            AccountError, AccountStoreError: From the accounts.
        """
        session = session_of(request)
        if not from_own_site(request):
            logger.info("unlink: refused a cross-site request")
            return PlainTextResponse("Cross-site unlink refused.", status_code=403)
        fields = await form_fields(request)
        target = post_login_target(fields.get("next"))
        user_id = await self.signed_in_user(request)
        if user_id is None:
            return RedirectResponse(login_url(request, target), status_code=303)
        chattz_id = _chattz_id(fields.get("chattz_id"))
        if chattz_id is None:
            return PlainTextResponse("Not a Chattz account id.", status_code=400)
        accounts = self.accounts()
        if await accounts.unlink(user_id, chattz_id) and session.get(CHATTZ_ID) == chattz_id:
            remaining = await accounts.accounts_of(user_id)
            if remaining:
                session[CHATTZ_ID] = remaining[0].chattz_id
            else:
                session.pop(CHATTZ_ID, None)
        headers = {"Cache-Control": "no-store"}
        return RedirectResponse(target or "/", status_code=303, headers=headers)

    async def current_account(self, request: Request) -> Account | None:
        """The account signed in on this session, or None (signed out).

        A session whose link is gone (unlinked, or now another user's), or
        whose user was made inactive or deleted, is signed out, and cleared
        (``AsyncAccounts.session_account``).

        Raises:
            ConfigurationError: No SessionMiddleware.
            starlette.exceptions.HTTPException: The database failed: 503 "Sign-in
                is not available" (500 "Sign-in is misconfigured" for a missing
                table), what the callback answers; logged once.
        """
        try:
            account, stale = await self._session_account(request)
        except AccountStoreError as exc:
            raise unavailable(exc) from exc
        if stale:
            logger.info("session: the account of this session is gone or inactive; signed out")
            session_of(request).clear()
        return account

    async def _session_account(self, request: Request) -> tuple[Account | None, bool]:
        # The session's account, and whether the session names a link that is gone.
        claim = _session_claim(request)
        if not isinstance(claim, SessionUser):
            return None, False
        # The link still this user's, and the user still active (not disabled or deleted).
        account = await self.accounts().session_account(claim.user_id, claim.chattz_id)
        return account, account is None

    async def require_account(self, request: Request) -> Account:
        """The signed-in account; else an HTTPException, a 303 to the login page.

        Raises:
            starlette.exceptions.HTTPException: 303 to ``/login?next=<this
                path and query>`` (the ``chattz_login`` route's path).
            ConfigurationError: No SessionMiddleware.
            starlette.exceptions.HTTPException: 503 (or 500), the database
                failed (see :meth:`current_account`).
        """
        account = await self.current_account(request)
        if account is None:
            raise HTTPException(303, headers={"Location": login_url(request, here=True)})
        return account

    def logout(self, request: Request) -> Response:
        """The logout answer: the session cleared and a 303 to ``/``; 403 for a cross-site POST.

        Raises:
            ConfigurationError: No SessionMiddleware.
        """
        session = session_of(request)
        if not from_own_site(request):
            logger.info("logout: refused a cross-site request")
            return PlainTextResponse("Cross-site logout refused.", status_code=403)
        user_id, chattz_id = _text(session.get(USER_ID)), session.get(CHATTZ_ID)
        session.clear()
        if user_id is not None:
            chattz = chattz_id if type(chattz_id) is int else None
            emit(Event(EventKind.LOGOUT, chattz_id=chattz, user_id=user_id))
        return RedirectResponse("/", status_code=303, headers={"Cache-Control": "no-store"})


def unavailable(exc: AccountStoreError) -> HTTPException:
    """The HTTPException for a database failure outside the callback, logged once.

    Its status and text are the callback's (:func:`describe_error`): 503 "Sign-in
    is not available" while the database is away, 500 "Sign-in is misconfigured"
    for a missing table.
    """
    log_failure(exc, where="session")
    status, title, _ = describe_error(exc)
    headers = {"Cache-Control": "no-store"}
    if status == 503:
        headers["Retry-After"] = "5"
    return HTTPException(status, detail=title, headers=headers)


def configured(session: AccountSession | None) -> AccountSession:
    """``session``, or the ConfigurationError of a helper made without ``accounts=``."""
    if session is None:
        raise ConfigurationError(
            "this needs ChattzLogin(..., accounts=AsyncAccounts(store)): the account store "
            "the session's user is loaded from"
        )
    return session


def login_url(request: Request, target: str | None = None, *, here: bool = False) -> str:
    """The login page's URL: ``/login?next=<target>``, ``next`` left out when not a safe path.

    The login path is the ``chattz_login`` route's (``/login`` when the app
    has none). With ``here``, ``target`` is this request's own path and query.
    """
    try:
        login_path = str(request.app.url_path_for("chattz_login"))
    except (NoMatchFound, AttributeError):
        login_path = "/login"
    root = request.scope.get("root_path", "")
    if here:
        path = quote(request.scope["path"], safe=_PATH_SAFE)
        query = quote(request.scope.get("query_string", b""), safe=_QUERY_SAFE)
        target = f"{path}?{query}" if query else path
    target = post_login_target(target)
    if target is None:
        return f"{root}{login_path}"
    return f"{root}{login_path}?{urlencode({'next': target})}"


def from_own_site(request: Request) -> bool:
    """Whether a state-changing request came from the site's own pages (:func:`same_origin`)."""
    headers = request.headers
    return same_origin(headers.get("sec-fetch-site"), headers.get("origin"), headers.get("host"))


async def form_field(request: Request, name: str) -> str | None:
    """The field ``name`` of a urlencoded form POST, or None (absent, another body, too big)."""
    return (await form_fields(request)).get(name)


async def form_fields(request: Request) -> dict[str, str]:
    """The fields of a urlencoded form POST (the first of each name); empty for another body.

    Read without ``python-multipart`` (which Starlette's ``request.form()``
    needs) and at most 8 KiB: the link and unlink forms hold a ``next`` path
    and a Chattz id at most.
    """
    content_type = request.headers.get("content-type", "").partition(";")[0]
    if content_type.strip().lower() != "application/x-www-form-urlencoded":
        return {}
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > _FORM_LIMIT:
            return {}
    try:
        pairs = parse_qsl(body.decode("ascii"), max_num_fields=16)
    except (UnicodeDecodeError, ValueError):  # not urlencoded ASCII, or too many fields
        return {}
    fields: dict[str, str] = {}
    for key, value in pairs:
        fields.setdefault(key, value)
    return fields


def _chattz_id(value: str | None) -> int | None:
    """A form's Chattz id (decimal digits, 1 to 2**63 - 1), or None."""
    if value is None or not value.isascii() or not value.isdigit() or len(value) > 19:
        return None
    number = int(value)
    return number if 0 < number < 2**63 else None


def _session_claim(request: Request) -> str | SessionUser | None:
    """Who the session says is signed in, unchecked.

    A ``SessionUser`` for a session a Chattz login wrote, the ``user_id`` alone
    for the app's own sign-in (no Chattz id), None for nobody or for values no
    login wrote.

    Raises:
        ConfigurationError: No SessionMiddleware.
    """
    session = session_of(request)
    user_id = _text(session.get(USER_ID))
    if user_id is None or CHATTZ_ID not in session:
        return user_id
    chattz_id = session.get(CHATTZ_ID)
    if type(chattz_id) is not int:
        return None
    try:
        return SessionUser(user_id, chattz_id)
    except AccountError:
        return None
