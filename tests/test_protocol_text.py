"""protocol._text: the character classes, checked with str methods instead of regexes."""

from __future__ import annotations

import re

import pytest

from chattz_oauth_async.protocol._text import printable_ascii, visible_ascii

# Every character up to U+024F, and the ones str.isprintable() treats apart.
_CHARS = [chr(i) for i in range(0x250)] + ["\u00a0", "\u2028", "\u200b", "\ufeff", "\U0001f600"]
_STRINGS = ["", " ", "a", "a b", " a", "a ", "\x7f", "a\n", "\na", "abc\x00", "é", "~!", "a" * 5000]


@pytest.mark.parametrize(
    ("check", "pattern"),
    [(visible_ascii, r"[\x21-\x7e]+"), (printable_ascii, r"[\x20-\x7e]+")],
    ids=["visible_ascii", "printable_ascii"],
)
def test_check_agrees_with_the_character_class_it_replaces(check: object, pattern: str) -> None:
    """Each check accepts exactly the strings its former regular expression matched."""
    assert callable(check)
    regex = re.compile(pattern)
    candidates = _STRINGS + _CHARS + ["a" + c + "b" for c in _CHARS] + [c * 3 for c in _CHARS]
    for value in candidates:
        assert check(value) == bool(regex.fullmatch(value)), repr(value)
