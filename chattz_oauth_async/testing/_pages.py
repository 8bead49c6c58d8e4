"""The fake provider's HTML: its pages, and reading a form back the way a browser would."""

from __future__ import annotations

import html
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Final

from ._values import HTML_TYPE, NO_STORE, FakeClient, FakeResponse, FakeUser

__all__ = ["consent_page", "error_message", "error_page", "page", "parse_form"]

#: The authorize parameters the consent form carries on to its POST.
AUTHORIZE_FIELDS: Final = (
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "code_challenge",
    "code_challenge_method",
)


def page(title: str, body: str) -> bytes:
    """A whole HTML page around ``body`` (already HTML)."""
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>\n<body>\n{body}\n</body></html>\n"
    ).encode()


def error_page(status: int, message: str) -> FakeResponse:
    """The authorize endpoint's error page (shown instead of redirecting)."""
    body = page(
        "Chattz: authorization error",
        f'<h1>Authorization error</h1>\n<p id="error">{html.escape(message)}</p>',
    )
    return FakeResponse(status, (("content-type", HTML_TYPE), *NO_STORE), body)


def error_message(body: bytes) -> str:
    """The message of an :func:`error_page` (or the start of any other page)."""
    text = body.decode("utf-8", "replace")
    start = text.find('<p id="error">')
    if start >= 0:
        end = text.find("</p>", start)
        return html.unescape(text[start + len('<p id="error">') : end])
    return html.unescape(text[:200])


def consent_page(client: FakeClient, params: Mapping[str, str], user: FakeUser) -> FakeResponse:
    """The "Authorize this application?" page with its Allow and Deny buttons."""
    esc = html.escape
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{esc(params[name])}">\n'
        for name in AUTHORIZE_FIELDS
        if name in params
    )
    body = page(
        "Chattz: authorize application",
        f"<h1>Authorize {esc(client.client_id)}?</h1>\n"
        f'<p id="signed-in">Signed in as {esc(user.username)}</p>\n'
        f"<p>{esc(client.client_id)} wants to know your username, name, e-mail "
        "address and avatar.</p>\n"
        '<form method="post" action="/oauth/authorize">\n'
        f"{hidden}"
        f'<input type="hidden" name="user" value="{user.id}">\n'
        '<button type="submit" name="decision" value="allow">Allow</button>\n'
        '<button type="submit" name="decision" value="deny">Deny</button>\n'
        "</form>",
    )
    headers = (
        ("content-type", HTML_TYPE),
        *NO_STORE,
        ("x-frame-options", "DENY"),
        ("content-security-policy", "default-src 'none'; form-action 'self' http: https:"),
    )
    return FakeResponse(200, headers, body)


class _FormParser(HTMLParser):
    """Collects the first form's action, method and named input values."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.method = "get"
        self.fields: dict[str, str] = {}
        self.buttons: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs_: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs_}
        if tag == "form" and self.action is None:
            self.action = values.get("action", "")
            self.method = values.get("method", "get").lower()
        elif tag in ("input", "button") and values.get("name"):
            if tag == "button" or values.get("type") == "submit":
                self.buttons.setdefault(values["name"], []).append(values.get("value", ""))
            else:
                self.fields[values["name"]] = values.get("value", "")


def parse_form(page: str) -> tuple[str, str, dict[str, str], dict[str, list[str]]]:
    """Read the first HTML form of a page, as a browser would submit it.

    Args:
        page: The HTML text.

    Returns:
        ``(action, method, fields, buttons)``: the form's action and lower-case
        method, its named non-button inputs, and the values of its named
        submit buttons (for example ``{"decision": ["allow", "deny"]}``).

    Raises:
        ValueError: The page has no form.
    """
    parser = _FormParser()
    parser.feed(page)
    parser.close()
    if parser.action is None:
        raise ValueError("the page has no form")
    return parser.action, parser.method, parser.fields, parser.buttons
