"""``python -m chattz_oauth_async``: see :mod:`chattz_oauth_async.cli`."""

from __future__ import annotations

from .cli import main

raise SystemExit(main(prog="python -m chattz_oauth_async"))
