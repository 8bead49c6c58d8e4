from allauth.socialaccount.providers.base import Provider
from django.urls import URLPattern, URLResolver

def default_urlpatterns(provider: type[Provider]) -> list[URLPattern | URLResolver]: ...
