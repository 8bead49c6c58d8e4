"""The signed-in user's side of ``ChattzLogin(accounts=...)``: linking another Chattz account,
the current account, sign-out, unlink.

:class:`SignedIn` is the base of
:class:`~chattz_oauth_async.integrations.starlette.ChattzLogin` (``_login.py``)
that holds its public methods which need an account store: ``link_response``
(``POST /login``), ``current_account``, ``require_account``,
``logout_response`` and ``unlink_response``. Each starts from the account
session of ``_accounts.py`` (what a login keeps in ``request.session``);
``_routes.py`` routes them. Public from
:mod:`chattz_oauth_async.integrations.starlette`, as ``ChattzLogin``'s methods.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from ..._async.flow import AsyncLoginFlow
from ..._async.session import AsyncChattzOAuth
from ...accounts import Account
from .._web import WebRequest
from ._accounts import AccountSession, configured, from_own_site, login_url
from ._handlers import redirect_to_chattz

__all__ = ["SignedIn"]

logger = logging.getLogger("chattz_oauth_async.integrations.starlette")


class SignedIn:
    """ChattzLogin's methods for the signed-in user, with ``accounts=`` (a base of ChattzLogin)."""

    # ChattzLogin's constructor sets it: None without accounts=.
    _accounts: AccountSession | None

    if TYPE_CHECKING:
        # ChattzLogin's own methods (_login.py), which a linking login starts with.

        def flow(
            self, request: Request, chattz: AsyncChattzOAuth | None = None, *, accounts: bool = True
        ) -> AsyncLoginFlow: ...

        def web_request(self, request: Request) -> WebRequest: ...

    async def link_response(
        self,
        request: Request,
        next_url: str | None = None,
        *,
        chattz: AsyncChattzOAuth | None = None,
        **extra: str,
    ) -> Response:
        """Start a login that links another Chattz account to the signed-in user (``POST /login``).

        Linking needs the user's intent, sealed in the login itself: the
        signed-in user's id goes into the login cookie, and the callback
        links only while that user is still the session's (else
        :class:`~chattz_oauth_async.LinkRefused`, 403). A plain ``GET /login``
        never links, so a forced navigation to it (another site's link, the
        attacker's Chattz session in the victim's browser) cannot attach the
        attacker's Chattz account to the victim's account. Call it from a POST
        route only; it answers 403 to a cross-site request (the rule of
        :meth:`logout_response`) and a 303 to the plain login page when nobody
        is signed in. The arguments are :meth:`login_response`'s.

        Raises:
            ConfigurationError: No ``accounts=``, or no SessionMiddleware; or
                the session's user id is not one the accounts can keep (more
                than 64 characters: what your own sign-in stored).
            AccountStoreError: The account database failed.
        """
        accounts = configured(self._accounts)
        if not from_own_site(request):
            logger.info("link: refused a cross-site request")
            return PlainTextResponse("Cross-site link refused.", status_code=403)
        user_id = await accounts.signed_in_user(request)
        if user_id is None:
            return RedirectResponse(login_url(request, next_url), status_code=303)
        flow = self.flow(request, chattz)
        started = flow.begin(self.web_request(request), next_url, link_user_id=user_id, **extra)
        return redirect_to_chattz(started)

    # --- the signed-in session (with accounts=) -------------------------------

    async def current_account(self, request: Request) -> Account | None:
        """The account signed in on this request's session, or None.

        A FastAPI dependency (``Depends(login.current_account)``) and a plain
        coroutine for Starlette. The account is loaded from the store by the
        session's Chattz id and must still belong to the session's user: a
        session whose link was removed (unlinked) is signed out and cleared.

        Raises:
            ConfigurationError: No ``accounts=``, or no SessionMiddleware.
            AccountStoreError: The account database failed.
        """
        return await configured(self._accounts).current_account(request)

    async def require_account(self, request: Request) -> Account:
        """The signed-in account, or a redirect to the login page that comes back here.

        A FastAPI dependency (``Depends(login.require_account)``) and a plain
        coroutine for Starlette: when nobody is signed in it raises Starlette's
        ``HTTPException`` with a 303 to ``/login?next=<this path and query>``
        (the ``chattz_login`` route's path; ``next`` dropped when it is not a
        safe same-origin path), which both frameworks turn into the redirect.

        Raises:
            starlette.exceptions.HTTPException: 303, nobody is signed in.
            ConfigurationError: No ``accounts=``, or no SessionMiddleware.
            AccountStoreError: The account database failed.
        """
        return await configured(self._accounts).require_account(request)

    def logout_response(self, request: Request) -> Response:
        """Sign out: the session cleared and a 303 to ``/`` (what ``POST /logout`` answers).

        A cross-site request is refused with 403 and the session kept: only a
        ``Sec-Fetch-Site`` of ``same-origin`` or ``none`` passes, or, from a
        browser that does not send it, an ``Origin`` naming this host. The
        session cookie's ``SameSite=Lax`` already keeps other sites' POSTs
        from carrying it; this is the second lock.

        Raises:
            ConfigurationError: No ``accounts=``, or no SessionMiddleware.
        """
        return configured(self._accounts).logout(request)

    async def unlink_response(self, request: Request) -> Response:
        """Unlink one of the signed-in user's Chattz accounts (what ``POST /unlink`` answers).

        The form sends ``chattz_id`` (and optionally ``next``). A cross-site
        request gets 403, nobody signed in a 303 to the login page, a
        malformed id 400; the user's last way in is never removed
        (:class:`~chattz_oauth_async.UnlinkRefused`: the routes answer 409).
        Then a 303 to ``next`` or ``/``. Chattz has no revocation endpoint:
        an access token issued for that Chattz account stays valid until it
        expires; unlinking only stops it from signing in here.

        Raises:
            ConfigurationError: No ``accounts=``, or no SessionMiddleware.
            UnlinkRefused: The link is the user's last way in.
            AccountStoreError: The account database failed.
        """
        return await configured(self._accounts).unlink(request)
