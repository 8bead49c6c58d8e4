"""Encoding rules the protocol modules share: what may travel in a URL, a form or a header.

Internal to :mod:`chattz_oauth_async.protocol`.
"""

from __future__ import annotations

from urllib.parse import quote

from ..errors import ConfigurationError

__all__ = ["encodable", "form_quote", "printable_ascii", "query_quote", "visible_ascii"]

# Character classes are checked with str methods, not regular expressions:
# compiling the patterns cost about 0.5 ms of every import of the package. Per
# call the methods are faster below 64 characters and under 1 µs slower for
# the longest tokens (2,000 characters).


def printable_ascii(value: str) -> bool:
    """Tell whether ``value`` is non-empty printable ASCII, space included (``[\\x20-\\x7e]+``).

    What RFC 6749 (appendix A.17) calls VSCHAR, and allows in a refresh token.
    """
    return value != "" and value.isascii() and value.isprintable()


def visible_ascii(value: str) -> bool:
    """Tell whether ``value`` is non-empty printable ASCII without space (``[\\x21-\\x7e]+``).

    What a code or token may be made of to travel in a header.
    """
    return value != "" and value.isascii() and value.isprintable() and " " not in value


def encodable(value: str) -> bool:
    """Tell whether ``value`` can be sent: UTF-8 refuses lone surrogates (``"\\udcff"``).

    ``os.environ`` holds such strings for bytes it could not decode.
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _not_encodable(what: str) -> ConfigurationError:
    # Raised outside the ``except`` block, so that no UnicodeEncodeError (whose
    # args hold the whole string, perhaps a secret) hangs on as __context__.
    return ConfigurationError(
        f"{what} cannot be encoded as UTF-8 (it holds a lone surrogate: "
        "was it read from undecodable bytes?)"
    )


def query_quote(value: str, what: str) -> str:
    """Percent-encode a query value (``:`` and ``/`` may stay, RFC 3986 3.4).

    Raises:
        ConfigurationError: ``value`` cannot be encoded; the message names
            ``what``, never the value.
    """
    if not encodable(value):
        raise _not_encodable(what)
    return quote(value, safe=":/")


def form_quote(value: str, what: str) -> str:
    """Percent-encode a value for an application/x-www-form-urlencoded body.

    Raises:
        ConfigurationError: As :func:`query_quote`.
    """
    if not encodable(value):
        raise _not_encodable(what)
    return quote(value, safe="")
