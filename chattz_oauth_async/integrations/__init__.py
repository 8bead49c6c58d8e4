"""Helpers that wire the framework-free login flow into web frameworks.

Each integration lives in its own module and imports its framework only when
that module is imported, so ``import chattz_oauth_async`` never needs one:

- :mod:`chattz_oauth_async.integrations.starlette`: Starlette and FastAPI
  (install ``chattz_oauth_async[starlette]``).

Other frameworks (aiohttp, Flask, ...) need no helper: see ``examples/`` for
the dozen lines that call :meth:`~chattz_oauth_async.AsyncChattzOAuth.start_login`,
:meth:`~chattz_oauth_async.LoginRequest.seal`,
:meth:`~chattz_oauth_async.LoginRequest.unseal` and
:meth:`~chattz_oauth_async.AsyncChattzOAuth.complete_login` directly.
"""

from __future__ import annotations

__all__: list[str] = []
