"""protocol.callback: parse_callback reads the query only, checks state first, then iss."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import chattz_oauth_async
from chattz_oauth_async import errors
from chattz_oauth_async.errors import (
    AuthorizationDenied,
    ChattzOAuthError,
    ConfigurationError,
    ProviderError,
    StateMismatchError,
)
from chattz_oauth_async.protocol import (
    new_state,
    parse_callback,
)
from tests.helpers import (
    PROPERTY,
    json_values,
    only_typed_errors,
    protocol_source,
)


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


PACKAGE = Path(chattz_oauth_async.__file__).parent


def test_parse_callback_returns_the_code() -> None:
    """A callback with the right state yields its code, from a URL, a query or a mapping."""
    state = new_state()
    url = f"https://example.com/chattz-callback?code=c0de&state={state}"
    assert ["c0de"] * 3 == [
        parse_callback(url, state),
        parse_callback(url.split("?", 1)[1], state),
        parse_callback({"code": "c0de", "state": state}, state),
    ]


NO_STATE = (
    "the callback has no state, so it cannot belong to the login this browser started "
    "(was the callback URL opened by hand, or the provider's redirect cut short?)"
)
WRONG_STATE = "the callback's state does not match the login this browser started"
NOT_EXPECTED = "no login was started in this browser, so no state is expected"


@pytest.mark.parametrize(
    ("query", "expected_state", "message"),
    [
        ("code=c", "s", NO_STATE),
        ("code=c&state=", "s", NO_STATE),
        ("error=access_denied", "s", NO_STATE),
        ("code=c&state=other", "s", WRONG_STATE),
        ("code=c&state=" + "s" * 4097, "s", WRONG_STATE),
        ("code=c", None, NOT_EXPECTED),
        ("code=c&state=", "", NOT_EXPECTED),
        ("code=c&state=s", "", NOT_EXPECTED),
        ("code=c&state=s&state=s", "s", "the callback repeats the 'state' parameter"),
    ],
)
def test_parse_callback_state_mismatch(
    query: str, expected_state: str | None, message: str
) -> None:
    """Each way a state fails has its own message: none, wrong, not expected, repeated."""
    with pytest.raises(StateMismatchError) as caught:
        parse_callback(query, expected_state)
    assert message == str(caught.value)


def test_parse_callback_denied_with_right_state() -> None:
    """error=access_denied with the right state is AuthorizationDenied with its description."""
    with pytest.raises(AuthorizationDenied) as caught:
        parse_callback("error=access_denied&error_description=User+said+no&state=s", "s")
    assert ("access_denied", "User said no") == (
        caught.value.error,
        caught.value.error_description,
    )


def test_parse_callback_denied_with_wrong_state_is_a_mismatch() -> None:
    """An error callback that was not meant for this browser is a state mismatch."""
    with pytest.raises(StateMismatchError):
        parse_callback("error=access_denied&state=forged", "s")


def test_parse_callback_without_code() -> None:
    """A callback with the right state but no code is a ProviderError."""
    with pytest.raises(ProviderError):
        parse_callback("state=s", "s")


def test_parse_callback_issuer_must_match() -> None:
    """An iss parameter that is not the configured issuer is refused (RFC 9207)."""
    with pytest.raises(ProviderError):
        parse_callback("code=c&state=s&iss=https://evil.example", "s", issuer="https://chattz.net")


def test_parse_callback_sees_repeats_in_flask_and_django_multidicts() -> None:
    """A repeated code in a Werkzeug MultiDict (Flask's request.args) is refused, not first-wins."""
    from werkzeug.datastructures import MultiDict

    args = MultiDict([("state", "s"), ("code", "c1"), ("code", "c2")])
    with pytest.raises(ProviderError):
        parse_callback(args, "s")


@pytest.mark.parametrize(
    ("query", "expected_state"),
    [
        ("code=abc", "good-state"),
        ("code=abc&state=", "good-state"),
        ("code=abc&state=bad-state", "good-state"),
        ("code=abc&state=good-state", None),
        ("code=abc", None),
        ("code=abc&state=None", None),
        ("code=abc&state=", ""),
        ("code=abc&state=good-stat", "good-state"),
        ("code=abc&state=good-statee", "good-state"),
    ],
)
@pytest.mark.checklist(1)
def test_checklist_01_state_missing_empty_or_different_rejected(
    query: str, expected_state: str | None
) -> None:
    """Line 1: a missing, empty or different state (also None vs None) is rejected."""
    with pytest.raises(StateMismatchError):
        parse_callback(query, expected_state)


@pytest.mark.checklist(1)
def test_checklist_01_state_with_lone_surrogate_rejected() -> None:
    """Line 1: a state that cannot be encoded is a mismatch, not a UnicodeEncodeError."""
    with pytest.raises(StateMismatchError):
        parse_callback({"code": "a", "state": "\ud800"}, "good")
    with pytest.raises(StateMismatchError):
        parse_callback({"code": "a", "state": "good"}, "\udfff")


@pytest.mark.parametrize(
    "callback",
    [None, 5, [None], [[]], [("a",)], [("a", "b", "c")], [("code", 1)], {"code": None}, object()],
)
@pytest.mark.checklist(1)
def test_checklist_01_malformed_callback_input_is_typed_error(callback: object) -> None:
    """Line 1: a callback of the wrong shape is a typed error, not a TypeError."""
    with pytest.raises(ChattzOAuthError):
        parse_callback(callback, "good")  # type: ignore[arg-type]


@pytest.mark.checklist(1)
def test_checklist_01_state_rejected_for_every_callback_form() -> None:
    """Line 1: URL, mapping and pair forms of a callback all check the state."""
    for callback in (
        "https://app.example/cb?code=abc&state=x",
        {"code": "abc", "state": "x"},
        [("code", "abc"), ("state", "x")],
    ):
        with pytest.raises(StateMismatchError):
            parse_callback(callback, "good-state")


@pytest.mark.checklist(5)
def test_checklist_05_no_assert_in_library_and_compare_digest_used() -> None:
    """Line 5: the library has no assert statements and compares state with compare_digest."""
    asserts = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        asserts += [f"{path}:{n.lineno}" for n in ast.walk(tree) if isinstance(n, ast.Assert)]
    assert [] == asserts
    assert "hmac.compare_digest" in protocol_source()


@pytest.mark.checklist(5)
def test_checklist_05_state_checks_hold_under_python_O() -> None:
    """Line 5: under ``python -O`` a wrong or missing state is still rejected."""
    script = (
        "from chattz_oauth_async import StateMismatchError\n"
        "from chattz_oauth_async.protocol import parse_callback\n"
        "for q, s in [('code=a&state=x', 'y'), ('code=a', None), ('code=a&state=', '')]:\n"
        "    try:\n"
        "        parse_callback(q, s)\n"
        "    except StateMismatchError:\n"
        "        continue\n"
        "    raise SystemExit('accepted ' + q)\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-O", "-c", script], capture_output=True, text=True, timeout=30
    )
    assert ("ok\n", 0) == (result.stdout, result.returncode)


@pytest.mark.checklist(6)
def test_checklist_06_error_with_wrong_state_is_a_state_mismatch() -> None:
    """Line 6: error=access_denied with a wrong state is a state mismatch."""
    with pytest.raises(StateMismatchError):
        parse_callback("error=access_denied&state=evil", "good")


@pytest.mark.checklist(6)
def test_checklist_06_error_with_right_state_is_capped_authorization_denied() -> None:
    """Line 6: with the right state, AuthorizationDenied carries a capped, clean description."""
    description = "x" * 5000 + "\r\nInjected: header"
    query = {"error": "access_denied", "error_description": description, "state": "good"}
    with pytest.raises(AuthorizationDenied) as info:
        parse_callback(query, "good")
    assert "access_denied" == info.value.error
    assert info.value.error_description is not None
    assert len(info.value.error_description) <= errors.MAX_DESCRIPTION_LENGTH
    assert "\n" not in str(info.value)
    assert "\r" not in repr(info.value)


@pytest.mark.parametrize(
    "query",
    [
        "code=a&state=good&state=good",
        "code=a&state=good&state=evil",
        "code=a&code=b&state=good",
        "code=a&code=a&state=good",
        "error=x&error=y&state=good",
    ],
)
@pytest.mark.checklist(7)
def test_checklist_07_duplicate_state_or_code_rejected(query: str) -> None:
    """Line 7: a repeated state or code is rejected, not last-wins."""
    with pytest.raises((StateMismatchError, ProviderError)):
        parse_callback(query, "good")


@pytest.mark.checklist(7)
def test_checklist_07_duplicate_parameters_rejected_from_pairs() -> None:
    """Line 7: duplicates given as (name, value) pairs are rejected too."""
    with pytest.raises(ProviderError):
        parse_callback([("code", "a"), ("state", "good"), ("code", "b")], "good")


@pytest.mark.parametrize(
    "iss", ["https://evil.example", "https://chattz.net/", "HTTPS://CHATTZ.NET", ""]
)
@pytest.mark.checklist(8)
def test_checklist_08_issuer_must_match_exactly(iss: str) -> None:
    """Line 8: an ``iss`` other than the configured issuer is rejected."""
    with pytest.raises(ProviderError):
        parse_callback({"code": "a", "state": "s", "iss": iss}, "s", issuer="https://chattz.net")


@pytest.mark.checklist(8)
def test_checklist_08_matching_or_absent_issuer_accepted() -> None:
    """Line 8: the exact issuer, or none at all, is accepted."""
    expected = ["a", "a"]
    actual = [
        parse_callback(
            {"code": "a", "state": "s", "iss": "https://chattz.net"},
            "s",
            issuer="https://chattz.net",
        ),
        parse_callback({"code": "a", "state": "s"}, "s", issuer="https://chattz.net"),
    ]
    assert expected == actual


@PROPERTY
@given(
    callback=st.text(max_size=200)
    | st.dictionaries(st.text(max_size=8), json_values, max_size=5)
    | st.lists(st.tuples(st.text(max_size=8), st.text(max_size=8)), max_size=5)
    | st.lists(json_values, max_size=3)
    | json_values,
    expected=st.none() | st.text(max_size=20),
    issuer=st.none() | st.text(max_size=20),
)
def test_property_parse_callback_any_inputonly_typed_errors(
    callback: Any, expected: str | None, issuer: Any
) -> None:
    """Lines 1, 6-8: any callback input gives a code or a typed error."""
    only_typed_errors(lambda: parse_callback(callback, expected, issuer=issuer))
