"""The fake provider's HTML: its pages, and reading a form back the way a browser would."""

from __future__ import annotations

import html
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Final

import attrs

from ._values import HTML_TYPE, NO_STORE, FakeClient, FakeResponse, FakeUser

__all__ = ["Form", "consent_page", "error_message", "error_page", "forms", "page", "parse_form"]

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


@attrs.frozen
class Form:
    """One HTML form as a browser would submit it (internal: :func:`parse_form` is the API)."""

    action: str
    method: str
    fields: dict[str, str]
    buttons: dict[str, list[str]]


class _FormParser(HTMLParser):
    """Collects every form's action, method, named inputs and named submit buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.current: Form | None = None

    def handle_starttag(self, tag: str, attrs_: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs_}
        if tag == "form":
            method = values.get("method", "get").lower()
            self.current = Form(values.get("action", ""), method, {}, {})
            self.forms.append(self.current)
        elif self.current is not None and tag in ("input", "button") and values.get("name"):
            kind = values.get("type", "submit" if tag == "button" else "text").lower()
            if kind == "submit":
                self.current.buttons.setdefault(values["name"], []).append(values.get("value", ""))
            elif kind not in ("checkbox", "radio", "button", "reset") or "checked" in values:
                self.current.fields[values["name"]] = values.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None


def forms(page: str) -> list[Form]:
    """Every form of a page, in order (inputs outside a form belong to none)."""
    parser = _FormParser()
    parser.feed(page)
    parser.close()
    return parser.forms


def parse_form(page: str) -> tuple[str, str, dict[str, str], dict[str, list[str]]]:
    """Read the first HTML form of a page, as a browser would submit it.

    Args:
        page: The HTML text.

    Returns:
        ``(action, method, fields, buttons)``: the form's action and lower-case
        method, its named non-button inputs (unchecked boxes left out), and
        the values of its named submit buttons (for example
        ``{"decision": ["allow", "deny"]}``).

    Raises:
        ValueError: The page has no form.
    """
    found = forms(page)
    if not found:
        raise ValueError("the page has no form")
    first = found[0]
    return first.action, first.method, first.fields, first.buttons
