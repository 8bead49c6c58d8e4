"""The login's secrets: the CSRF ``state`` and the PKCE verifier and challenge (RFC 7636)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Final

from ..errors import ConfigurationError

__all__ = ["code_challenge", "new_code_verifier", "new_state"]

#: RFC 7636 section 4.1: a verifier is 43-128 of these (unreserved) characters.
_VERIFIER_CHARS: Final = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
)


def new_state() -> str:
    """Return a fresh, unguessable ``state`` value (256 bits from :mod:`secrets`)."""
    return secrets.token_urlsafe(32)


def new_code_verifier() -> str:
    """Return a fresh PKCE code verifier: 64 unreserved characters, 384 bits."""
    return secrets.token_urlsafe(48)


def code_challenge(verifier: str) -> str:
    """Compute the S256 code challenge of a PKCE verifier (RFC 7636 section 4.2).

    Raises:
        ConfigurationError: The verifier is not 43-128 unreserved characters.
    """
    if (
        not isinstance(verifier, str)
        or not 43 <= len(verifier) <= 128
        or not _VERIFIER_CHARS.issuperset(verifier)
    ):
        raise ConfigurationError(
            "a PKCE code verifier must be 43-128 characters of [A-Za-z0-9-._~]"
        )
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
