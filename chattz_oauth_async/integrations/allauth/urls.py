"""The provider's URLs, which allauth's ``allauth.urls`` includes under ``chattz/``."""

from __future__ import annotations

from allauth.socialaccount.providers.oauth2.urls import default_urlpatterns
from django.urls import URLPattern, URLResolver  # type: ignore[import-untyped]

from .provider import ChattzProvider

urlpatterns: list[URLPattern | URLResolver] = default_urlpatterns(ChattzProvider)
