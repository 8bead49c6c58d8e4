"""Log in with Chattz from Starlette or FastAPI: login and callback routes, a session dependency.

With an account store (``ChattzLogin(accounts=...)``) the routes also link an
account (``POST /login``), sign out (``POST /logout``) and unlink (``POST /unlink``).

Install with ``pip install 'chattz_oauth_async[starlette]'`` (or ``[fastapi]``).
FastAPI is optional: this module imports without it, and only
:meth:`ChattzLogin.router` needs it.

FastAPI::

    from chattz_oauth_async.integrations.starlette import ChattzLogin, LoginResult, get_chattz

    @asynccontextmanager
    async def lifespan(app):
        async with AsyncChattzOAuth.from_env() as chattz:   # built here, never at import
            app.state.chattz = chattz                       # what get_chattz reads
            yield

    async def on_success(request, result: LoginResult):
        ...  # put result.user.id in your own session
        return RedirectResponse(result.next_url or "/", status_code=303)

    app = FastAPI(lifespan=lifespan)
    login = ChattzLogin(secret_key=os.environ["APP_SECRET_KEY"])
    app.include_router(login.router(on_success))   # GET /login?next=..., GET /callback

Starlette: ``Starlette(routes=[*login.routes(on_success)], lifespan=lifespan)``.

Design:

- **No server-side store.** ``/login`` seals the :class:`~chattz_oauth_async.LoginRequest`
  into a cookie; ``/callback`` unseals it on whichever worker receives it.
  The cookies (one per login, HttpOnly, SameSite=Lax, Secure with the
  ``__Host-`` prefix except on plain-http loopback) are
  :mod:`chattz_oauth_async.integrations.cookies`'s; ``secure=False`` is the
  explicit switch for test clients on ``http://testserver``.
- **Errors** from the callback are :class:`~chattz_oauth_async.ChattzOAuthError`
  subclasses, answered with a short HTML page (:meth:`ChattzLogin.error_response`,
  with the statuses of :meth:`ChattzLogin.describe_error`: 400 for a denied,
  expired, forged or replayed login, 502 for a provider that failed or could
  not be reached, 409, 403 and 503 for the account errors, 500 for the site's
  own misconfiguration); pass ``on_error`` to render your own.
- **Post-login target**: only a same-origin path is kept
  (:func:`~chattz_oauth_async.login.safe_next_url`); an unsafe one is dropped (the
  user lands on your default page), not an error.
- The callback's ``redirect_uri`` is the session's configuration, never
  derived from the request's Host header.

Responses from the helper carry ``Cache-Control: no-store``; callback
responses also ``Referrer-Policy: no-referrer`` (the callback URL holds the
authorization code).
"""

from __future__ import annotations

from ._login import ChattzLogin, LoginResult, get_chattz

__all__ = ["ChattzLogin", "LoginResult", "get_chattz"]
