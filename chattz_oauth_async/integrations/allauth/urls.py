"""The provider's URLs, which allauth's ``allauth.urls`` includes under ``chattz/``."""

from __future__ import annotations

from allauth.socialaccount.providers.oauth2.urls import default_urlpatterns

from .provider import ChattzProvider

urlpatterns = default_urlpatterns(ChattzProvider)
