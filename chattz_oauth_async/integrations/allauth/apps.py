"""The Django app of the allauth provider (label ``chattz_allauth``: ``allauth`` is taken)."""

from __future__ import annotations

from django.apps import AppConfig  # type: ignore[import-untyped]


class ChattzAllauthConfig(AppConfig):  # type: ignore[misc]
    """The installed app allauth imports the ``chattz`` provider from."""

    name = "chattz_oauth_async.integrations.allauth"
    label = "chattz_allauth"
    verbose_name = "Chattz (django-allauth provider)"
