"""Helpers that wire the framework-free login flow into web frameworks.

Each integration lives in its own module and imports its framework only when
that module is imported, so ``import chattz_oauth_async`` never needs one:

- :mod:`chattz_oauth_async.integrations.flow`: the one login flow (begin at
  ``/login``, finish at ``/callback``: the login, its account, the result or
  the error) for any framework; no framework needed. Every helper below is
  this flow plus its framework's glue.
- :mod:`chattz_oauth_async.integrations.cookies`: the pending-login cookies
  (names, ``__Host-`` prefix, Secure decision, attributes, reading and
  clearing) the flow applies; no framework needed.
- :mod:`chattz_oauth_async.integrations.starlette`: Starlette and FastAPI
  (``chattz_oauth_async[starlette]`` or ``[fastapi]``): ``ChattzLogin.routes()``,
  ``ChattzLogin.router()`` and the ``get_chattz`` dependency.
- :mod:`chattz_oauth_async.integrations.django`: Django
  (``chattz_oauth_async[django]``): login, callback, link, unlink and logout
  views configured from ``CHATTZ_*`` settings.

Other frameworks (aiohttp, Flask, ...) need only the flow: see ``examples/``
for the glue around :class:`~chattz_oauth_async.integrations.flow.AsyncLoginFlow`
and :class:`~chattz_oauth_async.integrations.flow.LoginFlow`, and
:func:`same_origin` (no framework either) for their logout and link POSTs.
"""

from __future__ import annotations

from ._web import same_origin

__all__ = ["same_origin"]
