"""protocol.callback: parse_callback reads the query only, checks state first, then iss."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chattz_oauth_async
from chattz_oauth_async import errors
from chattz_oauth_async.errors import (
    AuthorizationDenied,
    ConfigurationError,
    ProviderError,
    StateMismatchError,
    clean_text,
)
from chattz_oauth_async.protocol import (
    new_state,
    parse_callback,
)
from tests.helpers import (
    Outcome,
    json_values,
    outcome,
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
    assert (StateMismatchError, NO_STATE) == outcome(lambda: parse_callback(url, "s"))


def test_query_before_a_fragment_is_read() -> None:
    """The query of a URL that also has a fragment is read, the fragment ignored."""
    assert "abc" == parse_callback("https://app.example/cb?code=abc&state=s#code=evil", "s")


EVIL_ISS = "the callback's issuer 'https://evil.example' is not 'https://chattz.net'"


@pytest.mark.checklist(8)
def test_checklist_8_iss_is_checked_by_default() -> None:
    """Without issuer=, an iss other than https://chattz.net is refused (RFC 9207)."""
    expected = (ProviderError, EVIL_ISS)
    assert expected == outcome(
        lambda: parse_callback("/cb?code=abc&state=s&iss=https://evil.example", "s")
    )


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
    expected = (ProviderError, f"the callback's issuer 'https://chattz.net' is not {staging!r}")
    assert expected == outcome(
        lambda: parse_callback("/cb?code=abc&state=s&iss=https://chattz.net", "s", issuer=staging)
    )


@pytest.mark.checklist(8)
@pytest.mark.parametrize("issuer", [None, "", 3])
def test_checklist_8_the_iss_check_cannot_be_switched_off(issuer: object) -> None:
    """issuer=None (or empty) is a ConfigurationError, not a callback accepted unchecked."""
    expected = (
        ConfigurationError,
        "issuer must be the provider's URL, such as 'https://chattz.net'",
    )
    callback = "/cb?code=abc&state=s&iss=https://evil.example"
    assert expected == outcome(lambda: parse_callback(callback, "s", issuer=issuer))  # type: ignore[arg-type]


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
    expected = (StateMismatchError, WRONG_STATE)
    assert expected == outcome(lambda: parse_callback("error=access_denied&state=forged", "s"))


def test_parse_callback_without_code() -> None:
    """A callback with the right state but no code is a ProviderError."""
    expected = (ProviderError, "the callback carries no authorization code")
    assert expected == outcome(lambda: parse_callback("state=s", "s"))


def test_parse_callback_issuer_must_match() -> None:
    """An iss parameter that is not the configured issuer is refused (RFC 9207)."""
    callback = "code=c&state=s&iss=https://evil.example"
    expected = (ProviderError, EVIL_ISS)
    assert expected == outcome(lambda: parse_callback(callback, "s", issuer="https://chattz.net"))


def test_parse_callback_sees_repeats_in_flask_and_django_multidicts() -> None:
    """A repeated code in a Werkzeug MultiDict (Flask's request.args) is refused, not first-wins."""
    from werkzeug.datastructures import MultiDict

    args = MultiDict([("state", "s"), ("code", "c1"), ("code", "c2")])
    expected = (ProviderError, "the callback repeats the 'code' parameter")
    assert expected == outcome(lambda: parse_callback(args, "s"))


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
    expected = expected_callback(query, expected_state, "https://chattz.net")
    assert (StateMismatchError, expected) == (
        expected[0],
        outcome(lambda: parse_callback(query, expected_state)),
    )


@pytest.mark.checklist(1)
def test_checklist_01_state_with_lone_surrogate_rejected() -> None:
    """Line 1: a state that cannot be encoded is a mismatch, not a UnicodeEncodeError."""
    assert [(StateMismatchError, WRONG_STATE)] * 2 == [
        outcome(lambda: parse_callback({"code": "a", "state": "\ud800"}, "good")),
        outcome(lambda: parse_callback({"code": "a", "state": "good"}, "\udfff")),
    ]


NOT_PARAMETERS = (ProviderError, "the callback must be a query string or its parameters")
NOT_PAIRS = (ProviderError, "callback parameters must be (name, value) pairs of strings")


@pytest.mark.parametrize(
    ("callback", "expected"),
    [
        pytest.param(None, NOT_PARAMETERS, id="None"),
        pytest.param(5, NOT_PARAMETERS, id="int"),
        pytest.param(object(), NOT_PARAMETERS, id="object"),
        pytest.param([None], NOT_PAIRS, id="[None]"),
        pytest.param([[]], NOT_PAIRS, id="[[]]"),
        pytest.param([("a",)], NOT_PAIRS, id="one-item-tuple"),
        pytest.param([("a", "b", "c")], NOT_PAIRS, id="three-item-tuple"),
        pytest.param([("code", 1)], NOT_PAIRS, id="int-value"),
        pytest.param({"code": None}, NOT_PAIRS, id="None-value"),
    ],
)
@pytest.mark.checklist(1)
def test_checklist_01_malformed_callback_input_is_typed_error(
    callback: object, expected: Outcome
) -> None:
    """Line 1: a callback of the wrong shape is a ProviderError saying so, not a TypeError."""
    assert expected == outcome(lambda: parse_callback(callback, "good"))  # type: ignore[arg-type]


@pytest.mark.checklist(1)
def test_checklist_01_state_rejected_for_every_callback_form() -> None:
    """Line 1: URL, mapping and pair forms of a callback all check the state."""
    for callback in (
        "https://app.example/cb?code=abc&state=x",
        {"code": "abc", "state": "x"},
        [("code", "abc"), ("state", "x")],
    ):
        assert (StateMismatchError, WRONG_STATE) == outcome(
            lambda: parse_callback(callback, "good-state")  # noqa: B023 - called at once
        )


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
    expected = (StateMismatchError, WRONG_STATE)
    assert expected == outcome(lambda: parse_callback("error=access_denied&state=evil", "good"))


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
    ("query", "expected"),
    [
        pytest.param(
            "code=a&state=good&state=good",
            (StateMismatchError, "the callback repeats the 'state' parameter"),
            id="state-twice-same",
        ),
        pytest.param(
            "code=a&state=good&state=evil",
            (StateMismatchError, "the callback repeats the 'state' parameter"),
            id="state-twice-different",
        ),
        pytest.param(
            "code=a&code=b&state=good",
            (ProviderError, "the callback repeats the 'code' parameter"),
            id="code-twice-different",
        ),
        pytest.param(
            "code=a&code=a&state=good",
            (ProviderError, "the callback repeats the 'code' parameter"),
            id="code-twice-same",
        ),
        pytest.param(
            "error=x&error=y&state=good",
            (ProviderError, "the callback repeats the 'error' parameter"),
            id="error-twice",
        ),
    ],
)
@pytest.mark.checklist(7)
def test_checklist_07_duplicate_state_or_code_rejected(query: str, expected: Outcome) -> None:
    """Line 7: a repeated state, code or error is refused, not last-wins: the message says which."""
    assert expected == outcome(lambda: parse_callback(query, "good"))


@pytest.mark.checklist(7)
def test_checklist_07_duplicate_parameters_rejected_from_pairs() -> None:
    """Line 7: duplicates given as (name, value) pairs are rejected too."""
    pairs = [("code", "a"), ("state", "good"), ("code", "b")]
    expected = (ProviderError, "the callback repeats the 'code' parameter")
    assert expected == outcome(lambda: parse_callback(pairs, "good"))


@pytest.mark.parametrize(
    "iss", ["https://evil.example", "https://chattz.net/", "HTTPS://CHATTZ.NET", ""]
)
@pytest.mark.checklist(8)
def test_checklist_08_issuer_must_match_exactly(iss: str) -> None:
    """Line 8: an ``iss`` other than the configured issuer is rejected, naming both."""
    expected = (ProviderError, f"the callback's issuer {iss!r} is not 'https://chattz.net'")
    callback = {"code": "a", "state": "s", "iss": iss}
    assert expected == outcome(lambda: parse_callback(callback, "s", issuer="https://chattz.net"))


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


# --- An oracle: parse_callback's documented rules, for any callback and expected state -------

NO_CODE = (ProviderError, "the callback carries no authorization code")
MALFORMED_CODE = (ProviderError, "the callback's authorization code is malformed")
#: RFC 6749 appendix A.11: a code is made of visible ASCII characters.
VISIBLE = re.compile(r"[\x21-\x7e]+")


def callback_pairs(callback: object) -> list[tuple[str, str]] | Outcome:
    """The callback's (name, value) pairs, or the ProviderError its shape gives."""
    if isinstance(callback, str):
        query = callback.split("#", 1)[0]
        query = query.split("?", 1)[1] if "?" in query else query
        if query.count("&") + query.count(";") >= 50:
            return ProviderError, "the callback has too many or malformed parameters"
        return parse_qsl(query, keep_blank_values=True)
    if isinstance(callback, dict):
        items: list[Any] = list(callback.items())
    elif isinstance(callback, list):
        items = callback
    else:
        return NOT_PARAMETERS
    if len(items) > 50:
        return ProviderError, "the callback has too many or malformed parameters"
    if not all(
        isinstance(pair, tuple | list)
        and len(pair) == 2
        and all(isinstance(part, str) for part in pair)
        for pair in items
    ):
        return NOT_PAIRS
    return [(name, value) for name, value in items]


def expected_callback(callback: object, expected_state: object, issuer: object) -> Outcome:
    """What parse_callback(callback, expected_state, issuer=issuer) must give."""
    if not isinstance(issuer, str) or not issuer:
        return ConfigurationError, "issuer must be the provider's URL, such as 'https://chattz.net'"
    pairs = callback_pairs(callback)
    if isinstance(pairs, tuple):
        return pairs
    values: dict[str, list[str]] = {}
    for name, value in pairs:
        values.setdefault(name, []).append(value)
    states = values.get("state", [])
    if not isinstance(expected_state, str) or not expected_state:
        return StateMismatchError, NOT_EXPECTED
    if not states or not states[0]:
        return StateMismatchError, NO_STATE
    if len(states) > 1:
        return StateMismatchError, "the callback repeats the 'state' parameter"
    if states[0] != expected_state or len(states[0]) > 4096:
        return StateMismatchError, WRONG_STATE
    for name in ("code", "error", "iss"):
        if len(values.get(name, [])) > 1:
            return ProviderError, f"the callback repeats the {name!r} parameter"
    if "iss" in values and values["iss"] != [issuer]:
        shown = clean_text(values["iss"][0]) or ""
        return ProviderError, f"the callback's issuer {shown!r} is not {issuer!r}"
    if "error" in values:
        description = values.get("error_description", [None])[0]
        uri = values.get("error_uri", [None])[0]
        denied = AuthorizationDenied(values["error"][0] or "unknown_error", description, uri)
        return AuthorizationDenied, str(denied)
    code = values.get("code", [""])[0]
    if not code:
        return NO_CODE
    if len(code) > 4096 or not VISIBLE.fullmatch(code):
        return MALFORMED_CODE
    return "ok", code


#: Parameter values: the right state and issuer, near misses, and any text (surrogates too).
VALUES = st.sampled_from(
    ["s", "c0de", "https://chattz.net", "", "S", "é", "a b", "\udcff", "x" * 4097]
) | st.text(max_size=10)
#: A valid callback's pairs (or part of one), then up to three more of any kind.
PAIRS = st.tuples(
    st.sampled_from(
        [[("state", "s"), ("code", "c0de")], [("code", "c0de"), ("state", "s")], [("state", "s")]]
    ),
    st.lists(
        st.tuples(
            st.sampled_from(
                ["state", "code", "iss", "error", "error_description", "error_uri", "x"]
            ),
            VALUES,
        ),
        max_size=3,
    ),
).map(lambda parts: parts[0] + parts[1])


@settings(max_examples=150, deadline=None)
@given(
    callback=PAIRS.map(
        lambda pairs: urlencode(pairs, quote_via=quote, safe=":/", errors="surrogatepass")
    )
    | PAIRS.map(
        lambda pairs: (
            "https://app.example/cb?" + urlencode(pairs, errors="surrogatepass") + "#code=f"
        )
    )
    | PAIRS.map(dict)
    | PAIRS
    | st.lists(json_values, max_size=3)
    | st.text(max_size=60)
    | json_values,
    expected=st.sampled_from(["s"] * 8 + [None, "", "\udcff", "S"]) | st.text(max_size=5),
    issuer=st.sampled_from(["https://chattz.net"] * 8 + [None, "", 5, "https://chattz.net/"]),
)
def test_property_parse_callback_any_input(callback: Any, expected: Any, issuer: Any) -> None:
    """Lines 1, 6-8: any callback, expected state and issuer give exactly the oracle's outcome."""
    assert expected_callback(callback, expected, issuer) == outcome(
        lambda: parse_callback(callback, expected, issuer=issuer)
    )
