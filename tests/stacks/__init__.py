"""Tests of the integrations with other auth stacks (django-allauth, social-auth, httpx-oauth,
fastapi-users, Authlib), against the real packages.

The Django stacks each need a settings module of their own (pytest-django configures one per
process), so ``tests/stacks/allauth`` and ``tests/stacks/social_django`` run in a pytest of
their own: ``tests/test_stacks_django.py`` starts it with ``DJANGO_SETTINGS_MODULE`` set, and
``tests/stacks/conftest.py`` keeps the main run from collecting them directly.
"""

from __future__ import annotations

import importlib.util
import os

import pytest

__all__ = ["HOSTS", "PHISHING", "in_ci", "need"]

#: A token error whose ``error_description`` an attacker wrote: no page may repeat it.
PHISHING = (
    b'{"error": "invalid_grant", "error_description": '
    b'"Your account is locked: call +1 555 0100 or visit https://evil.example/unlock"}'
)

#: The test files of tests/stacks that run in the main pytest, and the packages each needs.
HOSTS = {
    "test_fastapi_users.py": ("fastapi_users", "httpx_oauth"),
    "test_httpx_oauth.py": ("httpx_oauth",),
    "test_authlib.py": ("authlib", "itsdangerous"),
}


def in_ci() -> bool:
    """Whether CI is set (a missing host package then fails instead of skipping)."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def need(*modules: str) -> None:
    """Skip the calling module when a host package is missing; fail instead when CI is set."""
    missing = [name for name in modules if importlib.util.find_spec(name) is None]
    if not missing:
        return
    reason = f"needs {', '.join(missing)} (the tests dependency group installs them)"
    if in_ci():
        pytest.fail(f"stack tests must run in CI: {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)
