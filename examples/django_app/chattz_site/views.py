"""The example's page: who is logged in (a Django user), or a "Log in with Chattz" link."""

from html import escape

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token

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


def home(request: HttpRequest) -> HttpResponse:
    """The logged-in user's page (unlink, link and logout forms), or a "Log in with Chattz" link."""
    user = request.user
    if not user.is_authenticated:
        return page(
            "<h1>Welcome</h1><p class=muted>You are not logged in.</p>"
            '<p><a class=button id=login href="/login">Log in with Chattz</a></p>'
        )
    # The Chattz accounts linked to this user (ChattzAccount rows, refreshed at each login).
    accounts = list(user.chattz_accounts.order_by("linked_at"))
    linked = ", ".join(str(a.chattz_id) for a in accounts)
    token = escape(get_token(request))
    # One "Unlink" form per link; the last one of a user without a password is refused (409).
    unlink = "".join(
        '<form method=post action="/login/unlink">'
        f"<input type=hidden name=csrfmiddlewaretoken value={token}>"
        f"<input type=hidden name=chattz_id value={a.chattz_id}>"
        f"<button id=unlink-{a.chattz_id}>Unlink {escape(a.username)}</button></form>"
        for a in accounts
    )
    return page(
        f"<h1 id=hello>Hello, {escape(user.get_full_name() or user.get_username())}</h1>"
        f"<p class=muted>You are {escape(user.get_username())} here; "
        f"your Chattz user ids: {escape(linked)}.</p>"
        + unlink
        + '<form method=post action="/login/link">'
        f"<input type=hidden name=csrfmiddlewaretoken value={token}>"
        "<button id=link>Link another Chattz account</button></form>"
        '<form method=post action="/logout">'
        f"<input type=hidden name=csrfmiddlewaretoken value={token}>"
        "<button id=logout>Log out</button></form>"
    )
