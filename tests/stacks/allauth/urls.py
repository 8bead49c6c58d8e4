"""allauth's URLs (the Chattz provider's among them) and a page that shows who is signed in."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def me(request: HttpRequest) -> HttpResponse:
    """``signed in as <username>``, or ``signed out``."""
    if not request.user.is_authenticated:
        return HttpResponse("signed out")
    return HttpResponse(f"signed in as {request.user.username}")


urlpatterns = [path("accounts/", include("allauth.urls")), path("me/", me)]
