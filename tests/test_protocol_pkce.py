"""protocol.pkce: the CSRF state and the PKCE verifier and challenge (RFC 7636)."""

from __future__ import annotations

import re

import pytest

from chattz_oauth_async.errors import (
    ConfigurationError,
)
from chattz_oauth_async.protocol import (
    code_challenge,
    new_code_verifier,
    new_state,
)
from tests.helpers import protocol_source


@pytest.mark.checklist(4)
def test_checklist_04_states_random_long_unique_and_free_of_user_data() -> None:
    """Line 4: 10k states are unique, >= 128 bits, URL-safe and made by ``secrets``."""
    states = [new_state() for _ in range(10_000)]
    assert len(states) == len(set(states))
    assert all(len(s) * 6 >= 128 and re.fullmatch(r"[A-Za-z0-9_-]+", s) for s in states)
    source = protocol_source()
    assert "secrets.token_urlsafe" in source
    assert "import random" not in source


@pytest.mark.checklist(10)
def test_checklist_10_pkce_rfc7636_appendix_b_vector() -> None:
    """Line 10: the RFC 7636 Appendix B verifier gives the published S256 challenge."""
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" == code_challenge(verifier)


@pytest.mark.checklist(10)
def test_checklist_10_pkce_verifier_shape_entropy_and_freshness() -> None:
    """Line 10: verifiers are 43-128 unreserved characters, >= 256 bits, new each time."""
    verifiers = [new_code_verifier() for _ in range(1000)]
    assert len(verifiers) == len(set(verifiers))
    assert all(re.fullmatch(r"[A-Za-z0-9._~-]{43,128}", v) for v in verifiers)
    assert all(len(v) * 6 >= 256 for v in verifiers)


@pytest.mark.parametrize(
    "bad",
    ["short", "a" * 129, "a" * 42 + "!", "", None, 42],
    ids=["short", "129-chars", "42-chars-and-!", "empty", "None", "int"],
)
@pytest.mark.checklist(10)
def test_checklist_10_malformed_verifier_rejected(bad: object) -> None:
    """Line 10: a verifier that is not 43-128 unreserved characters is refused, saying so."""
    with pytest.raises(ConfigurationError) as caught:
        code_challenge(bad)  # type: ignore[arg-type]
    expected = "a PKCE code verifier must be 43-128 characters of [A-Za-z0-9-._~]"
    assert expected == str(caught.value)


def test_verifier_check_agrees_with_the_rfc7636_grammar() -> None:
    """The verifier check (str methods, no regex) accepts exactly ``[A-Za-z0-9._~-]{43,128}``."""
    grammar = re.compile(r"[A-Za-z0-9._~-]{43,128}")
    candidates = [c * 43 for c in map(chr, range(0x250))] + [
        "a" * 42,
        "a" * 43,
        "a" * 128,
        "a" * 129,
        "a" * 42 + "\n",
        "a" * 43 + "\n",
        "~" * 100 + "é",
    ]
    for verifier in candidates:
        accepted = True
        try:
            code_challenge(verifier)
        except ConfigurationError:
            accepted = False
        assert accepted == bool(grammar.fullmatch(verifier)), repr(verifier)
