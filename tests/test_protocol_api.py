"""protocol/__init__: the public sans-I/O API, documented name by name."""

from __future__ import annotations

import importlib

import chattz_oauth_async
from chattz_oauth_async import protocol


def test_every_public_name_is_documented_in_the_package_docstring() -> None:
    """Each name in protocol.__all__ appears in the package docstring that lists the API."""
    doc = protocol.__doc__ or ""
    assert [] == [name for name in protocol.__all__ if name not in doc]


def test_every_public_name_is_importable() -> None:
    """Every name in protocol.__all__ exists on the package."""
    assert [] == [name for name in protocol.__all__ if not hasattr(protocol, name)]


#: The top level's public names, exactly: the sessions, the token holders, the values, the
#: retry policy and the errors. Adding or removing one is an API change to make on purpose.
TOP_LEVEL = [
    "AccountError",
    "AccountLinkedElsewhere",
    "AccountStoreError",
    "AsyncChattzOAuth",
    "AsyncTokenHolder",
    "AuthorizationDenied",
    "ChattzOAuth",
    "ChattzOAuthError",
    "ChattzUser",
    "ConfigurationError",
    "InactiveUser",
    "InsecureTransportError",
    "InsufficientScopeError",
    "InvalidTokenError",
    "LinkRefused",
    "LoginRequest",
    "LoginStateError",
    "OAuthError",
    "ProviderError",
    "ResponseTooLargeError",
    "RetryPolicy",
    "SignupsClosed",
    "StateMismatchError",
    "Token",
    "TokenExpiredError",
    "TokenHolder",
    "TransportError",
    "TransportTimeout",
    "UnlinkRefused",
    "UnsafeRedirectError",
    "__version__",
]

#: The hand-made flow's helpers: in ``protocol`` and ``login`` only, never at the top level.
HAND_MADE_FLOW = {
    "code_challenge": "chattz_oauth_async.protocol",
    "new_code_verifier": "chattz_oauth_async.protocol",
    "new_state": "chattz_oauth_async.protocol",
    "parse_callback": "chattz_oauth_async.protocol",
    "safe_next_url": "chattz_oauth_async.login",
}


def test_top_level_all_is_exactly_the_public_names() -> None:
    """``chattz_oauth_async.__all__`` is the list above, name for name, in order."""
    assert TOP_LEVEL == chattz_oauth_async.__all__


def test_top_level_exports_every_name_of_its_all() -> None:
    """Each name of the top-level ``__all__`` is an attribute of the package."""
    assert [] == [name for name in TOP_LEVEL if not hasattr(chattz_oauth_async, name)]


def test_hand_made_flow_helpers_are_not_at_the_top_level() -> None:
    """``new_state`` and the others are not in the top level's namespace at all."""
    assert {name: False for name in HAND_MADE_FLOW} == {
        name: hasattr(chattz_oauth_async, name) for name in HAND_MADE_FLOW
    }


def test_hand_made_flow_helpers_stay_in_protocol_and_login() -> None:
    """Each helper is public (in ``__all__``) in the module that keeps it."""
    assert {name: True for name in HAND_MADE_FLOW} == {
        name: name in importlib.import_module(module).__all__
        for name, module in HAND_MADE_FLOW.items()
    }


def test_no_retry_is_gone() -> None:
    """RetryPolicy(attempts=1) is the one way to switch retries off."""
    assert False is hasattr(chattz_oauth_async, "NO_RETRY")
