"""The integration's Django app: ``"chattz_oauth_async.integrations.django"`` in INSTALLED_APPS.

Installing it adds :class:`~chattz_oauth_async.integrations.django.models.ChattzAccount`
(one row per linked Chattz account) and its migration, which the default
callback view signs users in with.
"""

from __future__ import annotations

from django.apps import AppConfig  # type: ignore[import-untyped]

from . import checks

__all__ = ["ChattzAccountsConfig"]


class ChattzAccountsConfig(AppConfig):  # type: ignore[misc]
    """The app: label ``chattz_oauth_async`` (tables ``chattz_oauth_async_*``), its verbose name."""

    name = "chattz_oauth_async.integrations.django"
    # The default label would be "django", which clashes with Django's own modules' names.
    label = "chattz_oauth_async"
    verbose_name = "Chattz accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Register the system checks (``manage.py check``: settings, migrations)."""
        checks.register()
