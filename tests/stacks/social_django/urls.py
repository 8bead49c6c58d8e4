"""social-auth's URLs, a page that shows who is signed in, and the site's login-error page."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def me(request: HttpRequest) -> HttpResponse:
    """``signed in as <username>``, or ``signed out``."""
    if not request.user.is_authenticated:
        return HttpResponse("signed out")
    return HttpResponse(f"signed in as {request.user.username}")


def login_error(request: HttpRequest) -> HttpResponse:
    """The site's login-error page: the messages SocialAuthExceptionMiddleware left."""
    texts = " | ".join(str(message) for message in messages.get_messages(request))
    return HttpResponse(f"Login failed: {texts}", status=400)


urlpatterns = [
    path("social/", include("social_django.urls", namespace="social")),
    path("me/", me),
    path("login-error/", login_error),
]
