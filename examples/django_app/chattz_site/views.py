"""The example's pages, and the hook that logs the user in once Chattz said who they are."""

from html import escape

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.views.decorators.http import require_POST

from chattz_oauth_async.integrations.django import LoginResult

STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;"
    "color:#222}a.button,button{display:inline-block;padding:.6rem 1.2rem;border-radius:.4rem;"
    "background:#0c4b33;color:#fff;text-decoration:none;border:0;font-size:1rem;cursor:pointer}"
    ".muted{color:#666}"
)


def page(body: str, status: int = 200) -> HttpResponse:
    """A small HTML page (``body`` must already be escaped)."""
    return HttpResponse(
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
        f"<title>Chattz login with Django</title><style>{STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>\n",
        status=status,
        headers={"Cache-Control": "no-store"},
    )


def see_other(location: str) -> HttpResponse:
    """A 303 redirect (the browser follows it with GET)."""
    return HttpResponse(status=303, headers={"Location": location})


def logged_in(request: HttpRequest, result: LoginResult) -> HttpResponse:
    """CHATTZ_ON_SUCCESS: Chattz confirmed who the user is.

    A real app would find or create its own user keyed on ``result.user.id``
    (never on the e-mail) and call ``django.contrib.auth.login(request, user)``.
    """
    request.session.cycle_key()
    request.session["chattz_user"] = {"id": result.user.id, "name": result.user.display_name}
    return see_other(result.next_url or "/")


def home(request: HttpRequest) -> HttpResponse:
    """The user's page, or a "Log in with Chattz" link."""
    user = request.session.get("chattz_user")
    if user is None:
        return page(
            "<h1>Welcome</h1><p class=muted>You are not logged in.</p>"
            '<p><a class=button id=login href="/login">Log in with Chattz</a></p>'
        )
    token = escape(get_token(request))
    return page(
        f"<h1 id=hello>Hello, {escape(str(user['name']))}</h1>"
        f"<p class=muted>Your Chattz user id is {int(user['id'])}.</p>"
        '<form method=post action="/logout">'
        f"<input type=hidden name=csrfmiddlewaretoken value={token}>"
        "<button id=logout>Log out</button></form>"
    )


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    """Forget the user."""
    request.session.flush()
    return see_other("/")
