"""Helpers that wire the framework-free login flow into web frameworks.

Each integration lives in its own module and imports its framework only when
that module is imported, so ``import chattz_oauth_async`` never needs one:

- :mod:`chattz_oauth_async.integrations.cookies`: the pending-login cookies
  (names, ``__Host-`` prefix, Secure decision, attributes, reading and
  clearing) for any framework; no framework needed. The other two use it.
- :mod:`chattz_oauth_async.integrations.starlette`: Starlette and FastAPI
  (``chattz_oauth_async[starlette]`` or ``[fastapi]``): ``ChattzLogin.routes()``,
  ``ChattzLogin.router()`` and the ``get_chattz`` dependency.
- :mod:`chattz_oauth_async.integrations.django`: Django
  (``chattz_oauth_async[django]``): login and callback views configured from
  ``CHATTZ_*`` settings.

Other frameworks (aiohttp, Flask, ...) need only the cookie module: see
``examples/`` for the dozen lines that call
:meth:`~chattz_oauth_async.AsyncChattzOAuth.start_login`,
:class:`~chattz_oauth_async.integrations.cookies.LoginCookies` and
:meth:`~chattz_oauth_async.AsyncChattzOAuth.complete_login`, and
:func:`same_origin` (no framework either) for their logout and link POSTs.
"""

from __future__ import annotations

from ._web import same_origin

__all__ = ["same_origin"]
