# GENERATED from chattz_oauth_async/_async/__init__.py by scripts/gen_sync.py -- do not edit.
# Edit the async original, then run: python scripts/gen_sync.py
"""The session and its token holder (``_sync/`` is generated from ``_async/``)."""

from .holder import TokenHolder
from .session import ChattzOAuth

__all__ = ["ChattzOAuth", "TokenHolder"]
