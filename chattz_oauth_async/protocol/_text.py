"""Encoding rules the protocol modules share: what may travel in a URL, a form or a header.

Internal to :mod:`chattz_oauth_async.protocol`.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import quote

__all__ = ["VISIBLE_ASCII", "form_quote", "query_quote"]

#: Printable ASCII without space: what a code or token may be made of to travel in a header.
VISIBLE_ASCII: Final = re.compile(r"[\x21-\x7e]+")


def query_quote(value: str) -> str:
    """Percent-encode a query or form value (``:`` and ``/`` may stay, RFC 3986 3.4)."""
    return quote(value, safe=":/")


def form_quote(value: str) -> str:
    """Percent-encode a value for an application/x-www-form-urlencoded body."""
    return quote(value, safe="")
