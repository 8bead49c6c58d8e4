"""protocol/__init__: the public sans-I/O API, documented name by name."""

from __future__ import annotations

import chattz_oauth_async
from chattz_oauth_async import protocol


def test_every_public_name_is_documented_in_the_package_docstring() -> None:
    """Each name in protocol.__all__ appears in the package docstring that lists the API."""
    doc = protocol.__doc__ or ""
    assert [] == [name for name in protocol.__all__ if name not in doc]


def test_every_public_name_is_importable() -> None:
    """Every name in protocol.__all__ exists on the package."""
    assert [] == [name for name in protocol.__all__ if not hasattr(protocol, name)]


def test_top_level_names_are_the_protocols_own() -> None:
    """The helpers re-exported at the top level are the protocol's objects, not copies."""
    names = ("code_challenge", "new_code_verifier", "new_state", "parse_callback")
    assert [True] * 4 == [getattr(chattz_oauth_async, n) is getattr(protocol, n) for n in names]


def test_no_retry_is_gone() -> None:
    """RetryPolicy(attempts=1) is the one way to switch retries off."""
    assert False is hasattr(chattz_oauth_async, "NO_RETRY")
