"""protocol.callback: parse_callback reads the query only, checks state first, then iss."""

from __future__ import annotations

import pytest

from chattz_oauth_async.errors import ConfigurationError, ProviderError, StateMismatchError
from chattz_oauth_async.protocol import parse_callback


@pytest.mark.checklist(1)
@pytest.mark.parametrize(
    "url",
    [
        "https://app.example/cb#code=abc&state=s",
        "https://app.example/cb#x?code=abc&state=s",
        "https://app.example/cb?#code=abc&state=s",
        "#code=abc&state=s",
        "/cb#frag?state=s&code=abc",
    ],
)
def test_checklist_1_parameters_in_the_fragment_are_never_read(url: str) -> None:
    """A code and state only in the #fragment are not a callback: the state is missing."""
    with pytest.raises(StateMismatchError):
        parse_callback(url, "s")


def test_query_before_a_fragment_is_read() -> None:
    """The query of a URL that also has a fragment is read, the fragment ignored."""
    assert "abc" == parse_callback("https://app.example/cb?code=abc&state=s#code=evil", "s")


@pytest.mark.checklist(8)
def test_checklist_8_iss_is_checked_by_default() -> None:
    """Without issuer=, an iss other than https://chattz.net is refused (RFC 9207)."""
    with pytest.raises(ProviderError):
        parse_callback("/cb?code=abc&state=s&iss=https://evil.example", "s")


@pytest.mark.checklist(8)
def test_checklist_8_default_issuer_is_the_documented_provider() -> None:
    """Without issuer=, iss=https://chattz.net (or no iss at all) is accepted."""
    expected = ["abc", "abc"]
    actual = [
        parse_callback("/cb?code=abc&state=s&iss=https://chattz.net", "s"),
        parse_callback("/cb?code=abc&state=s", "s"),
    ]
    assert expected == actual


@pytest.mark.checklist(8)
def test_checklist_8_issuer_override_for_another_base_url() -> None:
    """With issuer= set to a staging URL, that URL's iss is accepted and chattz.net's refused."""
    staging = "https://staging.chattz.test"
    assert "abc" == parse_callback(f"/cb?code=abc&state=s&iss={staging}", "s", issuer=staging)
    with pytest.raises(ProviderError):
        parse_callback("/cb?code=abc&state=s&iss=https://chattz.net", "s", issuer=staging)


@pytest.mark.checklist(8)
@pytest.mark.parametrize("issuer", [None, "", 3])
def test_checklist_8_the_iss_check_cannot_be_switched_off(issuer: object) -> None:
    """issuer=None (or empty) is a ConfigurationError, not a callback accepted unchecked."""
    with pytest.raises(ConfigurationError):
        parse_callback("/cb?code=abc&state=s&iss=https://evil.example", "s", issuer=issuer)  # type: ignore[arg-type]
