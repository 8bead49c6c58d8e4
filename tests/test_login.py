"""The sealed login state (LoginRequest.seal/unseal) and the post-login target check.

Covers checklist lines 2 (state bound to the browser through a signed cookie
no one else can mint), 5 (signature checks do not depend on ``assert``), 9
(post-login targets), 12 (the PKCE verifier survives the cookie) and 33 (no
secrets in ``repr``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import time
import unicodedata
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chattz_oauth_async import (
    ChattzOAuthError,
    ConfigurationError,
    LoginRequest,
    LoginStateError,
    UnsafeRedirectError,
)
from chattz_oauth_async.login import safe_next_url
from chattz_oauth_async.protocol import new_code_verifier, new_state
from tests.helpers import LOGIN_KEY as KEY
from tests.helpers import NOW, assert_not_leaked, lone_surrogate_texts, outcome
from tests.helpers import OTHER_LOGIN_KEY as OTHER_KEY


def make_login(
    *,
    verifier: str | None = None,
    next_url: str | None = "/account?tab=1",
    at: float = NOW,
    link_user_id: Any = None,
) -> LoginRequest:
    """Build a login as start_login() would, with a fixed clock."""
    return LoginRequest(
        url="https://chattz.test/oauth/authorize?state=x",
        state=new_state(),
        code_verifier=verifier,
        next_url=next_url,
        created_at=at,
        link_user_id=link_user_id,
    )


def b64(data: bytes) -> str:
    """Unpadded URL-safe base64, as the sealed format uses."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(body: Any, key: str = KEY) -> str:
    """Seal an arbitrary JSON body with a known key (what only the key holder can do)."""
    payload = b64(json.dumps(body).encode())
    signed = f"c1.{payload}"
    context = b"chattz_oauth_async login state v1\x00"
    mac = hmac.new(key.encode(), context + signed.encode(), hashlib.sha256).digest()
    return f"{signed}.{b64(mac)}"


# --- Round trip ----------------------------------------------------------------


@pytest.mark.checklist(2)
def test_checklist_2_sealed_login_round_trips() -> None:
    """seal() then unseal() with the same key gives back state, next_url and time."""
    login = make_login()
    back = LoginRequest.unseal(login.seal(KEY), KEY, now=NOW + 5)
    expected = (login.state, None, "/account?tab=1", NOW, "")
    assert expected == (back.state, back.code_verifier, back.next_url, back.created_at, back.url)


@pytest.mark.checklist(12)
def test_checklist_12_sealed_login_keeps_the_pkce_verifier() -> None:
    """The PKCE verifier travels in the sealed value and comes back unchanged."""
    verifier = new_code_verifier()
    login = make_login(verifier=verifier, next_url=None)
    back = LoginRequest.unseal(login.seal(KEY), KEY, now=NOW)
    assert (verifier, None) == (back.code_verifier, back.next_url)


@pytest.mark.checklist(2)
def test_checklist_2_sealed_value_is_cookie_safe() -> None:
    """The sealed value is short ASCII with no characters a cookie value must escape."""
    sealed = make_login(verifier=new_code_verifier()).seal(KEY)
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
    expected = (True, True)
    assert expected == (set(sealed) <= allowed, len(sealed) < 600)


@pytest.mark.checklist(2)
def test_checklist_2_bytes_key_works_like_str_key() -> None:
    """A bytes key and the same str key seal and unseal interchangeably."""
    login = make_login()
    back = LoginRequest.unseal(login.seal(KEY.encode()), KEY, now=NOW)
    assert login.state == back.state


# --- Refusals ------------------------------------------------------------------


MALFORMED = (LoginStateError, "the login state is malformed")
MISSING = (LoginStateError, "the login state is missing or malformed")
BAD_SIGNATURE = (LoginStateError, "the login state's signature is not valid")


def expected_unseal(value: str) -> tuple[Any, Any]:
    """What unsealing text that no key signed gives: "missing or malformed" when empty,
    "malformed" when it is not c1.<payload>.<signature> in ASCII, else "signature is not valid"."""
    payload, _, signature = value.removeprefix("c1.").partition(".")
    if not value:
        return MISSING
    if not value.startswith("c1.") or not (payload and signature) or not value.isascii():
        return MALFORMED
    return BAD_SIGNATURE


def unsealed(value: Any) -> tuple[Any, Any]:
    """The outcome of unsealing ``value`` with KEY at NOW."""
    return outcome(lambda: LoginRequest.unseal(value, KEY, now=NOW))


def flip(text: str, index: int) -> str:
    """Change one character of ``text`` to another base64url character."""
    replacement = "B" if text[index] == "A" else "A"
    return text[:index] + replacement + text[index + 1 :]


@pytest.mark.checklist(2)
def test_checklist_2_tampered_payload_refused() -> None:
    """Changing one character of the payload breaks the signature."""
    sealed = make_login().seal(KEY)
    assert BAD_SIGNATURE == unsealed(flip(sealed, 5))


@pytest.mark.checklist(2)
def test_checklist_2_payload_swapped_from_another_login_refused() -> None:
    """A signature cannot be reused for another login's payload."""
    first, second = make_login().seal(KEY), make_login().seal(KEY)
    mixed = first.rsplit(".", 1)[0] + "." + second.rsplit(".", 1)[1]
    assert BAD_SIGNATURE == unsealed(mixed)


@pytest.mark.parametrize("index", [-1, -2, 3])
@pytest.mark.checklist(2)
def test_checklist_2_tampered_signature_refused(index: int) -> None:
    """Changing any character of the signature is refused (also its last one)."""
    sealed = make_login().seal(KEY)
    signature_start = sealed.rindex(".") + 1
    position = index if index < 0 else signature_start + index
    assert BAD_SIGNATURE == unsealed(flip(sealed, position))


@pytest.mark.checklist(2)
def test_checklist_2_signature_with_other_trailing_bits_refused() -> None:
    """A signature spelled with different unused trailing bits (same bytes) is refused."""
    sealed = make_login().seal(KEY)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    # 32 bytes need 43 characters: the last one carries 2 unused low bits.
    twin = alphabet[alphabet.index(sealed[-1]) ^ 1]
    assert base64.urlsafe_b64decode(sealed[-43:] + "=") == base64.urlsafe_b64decode(
        sealed[-43:-1] + twin + "="
    )
    assert BAD_SIGNATURE == unsealed(sealed[:-1] + twin)


@pytest.mark.parametrize("junk", ["!", "=", "==", "*", ".x", "\n"])
@pytest.mark.checklist(2)
def test_checklist_2_signature_with_junk_appended_refused(junk: str) -> None:
    """Characters base64 would skip over do not leave the signature valid."""
    sealed = make_login().seal(KEY)
    assert BAD_SIGNATURE == unsealed(sealed + junk)


@pytest.mark.checklist(2)
def test_checklist_2_login_sealed_with_another_key_refused() -> None:
    """A value sealed with another app's key (an attacker's) is refused.

    A genuine state of this app issued to another browser: tests/test_flow.py,
    test_checklist_2_a_state_issued_to_another_browser_is_refused.
    """
    sealed = make_login().seal(OTHER_KEY)
    assert BAD_SIGNATURE == unsealed(sealed)


@pytest.mark.checklist(2)
def test_checklist_2_expired_login_refused() -> None:
    """A login older than max_age is refused with expired=True."""
    sealed = make_login().seal(KEY)
    with pytest.raises(LoginStateError) as info:
        LoginRequest.unseal(sealed, KEY, max_age=600, now=NOW + 601)
    assert True is info.value.expired


@pytest.mark.checklist(2)
def test_checklist_2_login_just_inside_max_age_accepted() -> None:
    """A login exactly max_age old is still accepted."""
    login = make_login()
    back = LoginRequest.unseal(login.seal(KEY), KEY, max_age=600, now=NOW + 600)
    assert login.state == back.state


@pytest.mark.checklist(2)
def test_checklist_2_default_max_age_uses_the_real_clock() -> None:
    """Without ``now``, unseal checks expiry against time.time() (600 s by default)."""
    fresh, stale = make_login(at=time.time()), make_login(at=time.time() - 3600)
    assert fresh.state == LoginRequest.unseal(fresh.seal(KEY), KEY).state
    with pytest.raises(LoginStateError):
        LoginRequest.unseal(stale.seal(KEY), KEY)


@pytest.mark.checklist(2)
def test_checklist_2_login_dated_in_the_future_refused() -> None:
    """A login created well after 'now' (beyond clock skew) is refused."""
    sealed = make_login(at=NOW + 3600).seal(KEY)
    with pytest.raises(LoginStateError) as info:
        LoginRequest.unseal(sealed, KEY, now=NOW)
    assert False is info.value.expired


@pytest.mark.parametrize(
    "value",
    [
        "",
        "c1",
        "c1.",
        "c1..",
        "c1.abc",
        "c2.abc.def",
        "not a cookie",
        "....",
        "c1.!!!!.????",
        "c1.%%%.%%%",
        "deleted",
        "null",
    ],
)
@pytest.mark.checklist(2)
def test_checklist_2_garbage_refused(value: str) -> None:
    """Garbage gives LoginStateError, never a base64, json or unicode error."""
    assert expected_unseal(value) == unsealed(value)


@pytest.mark.parametrize("value", [None, 123, b"c1.abc.def", ["c1"]])
@pytest.mark.checklist(2)
def test_checklist_2_non_string_refused(value: Any) -> None:
    """A value that is not a string gives LoginStateError."""
    assert MISSING == unsealed(value)


@pytest.mark.parametrize("cut", [1, 10, 43, 44])
@pytest.mark.checklist(2)
def test_checklist_2_truncated_refused(cut: int) -> None:
    """A sealed value cut short (a cookie truncated by a proxy) is refused: its signature
    does not match, or (cut to the dot) it has none."""
    sealed = make_login().seal(KEY)
    assert (MALFORMED if cut >= 43 else BAD_SIGNATURE) == unsealed(sealed[:-cut])


@pytest.mark.parametrize("where", ["start", "payload", "signature"])
@pytest.mark.checklist(2)
def test_checklist_2_non_ascii_refused(where: str) -> None:
    """Non-ASCII characters anywhere give LoginStateError (no UnicodeError, no TypeError)."""
    sealed = make_login().seal(KEY)
    cut = {"start": 0, "payload": 4, "signature": len(sealed) - 2}[where]
    assert MALFORMED == unsealed(sealed[:cut] + "é☃" + sealed[cut:])


@pytest.mark.checklist(2)
def test_checklist_2_oversized_refused() -> None:
    """A huge value is refused before any decoding."""
    assert MISSING == unsealed("c1." + "A" * 100_000 + ".sig")


@pytest.mark.parametrize(
    "body",
    [
        [],
        "state",
        123,
        None,
        {},
        {"s": "", "t": NOW},
        {"s": 5, "t": NOW},
        {"s": "abc"},
        {"s": "abc", "t": "1700000000"},
        {"s": "abc", "t": True},
        {"s": "abc", "t": NOW, "v": 7},
        {"s": "abc", "t": NOW, "n": ["/x"]},
    ],
)
@pytest.mark.checklist(2)
def test_checklist_2_validly_signed_but_malformed_body_refused(body: Any) -> None:
    """Even a correctly signed body of the wrong shape gives LoginStateError."""
    assert MALFORMED == unsealed(forge(body))


@pytest.mark.checklist(2)
def test_checklist_2_validly_signed_non_finite_time_refused() -> None:
    """A signed body whose time is Infinity or NaN gives LoginStateError."""
    for raw in ("Infinity", "NaN", "-Infinity"):
        payload = b64(f'{{"s":"abc","t":{raw}}}'.encode())
        signed = f"c1.{payload}"
        context = b"chattz_oauth_async login state v1\x00"
        mac = hmac.new(KEY.encode(), context + signed.encode(), hashlib.sha256).digest()
        with pytest.raises(LoginStateError):
            LoginRequest.unseal(f"{signed}.{b64(mac)}", KEY, now=NOW)


@pytest.mark.checklist(2)
def test_checklist_2_deeply_nested_signed_body_refused() -> None:
    """A signed, deeply nested body is refused with LoginStateError, not RecursionError."""
    payload = b64(b"[" * 100_000 + b"]" * 100_000)
    # Too long for a cookie: the size cap refuses it before decoding.
    with pytest.raises(LoginStateError):
        LoginRequest.unseal(f"c1.{payload}.sig", KEY, now=NOW)


@pytest.mark.checklist(2)
def test_checklist_2_login_state_errors_are_library_errors() -> None:
    """LoginStateError is a ChattzOAuthError, so one except clause catches all."""
    assert issubclass(LoginStateError, ChattzOAuthError)


# --- Key rotation --------------------------------------------------------------


@pytest.mark.checklist(2)
def test_checklist_2_key_rotation_accepts_old_key_in_list() -> None:
    """After rotation, cookies sealed with the previous key still unseal."""
    login = make_login()
    sealed_before_rotation = login.seal(OTHER_KEY)
    back = LoginRequest.unseal(sealed_before_rotation, [KEY, OTHER_KEY], now=NOW)
    assert login.state == back.state


@pytest.mark.checklist(2)
def test_checklist_2_key_rotation_accepts_new_key_in_list() -> None:
    """The current (first) key of the list unseals new cookies."""
    login = make_login()
    back = LoginRequest.unseal(login.seal(KEY), (KEY, OTHER_KEY), now=NOW)
    assert login.state == back.state


@pytest.mark.checklist(2)
def test_checklist_2_key_rotation_retired_key_refused() -> None:
    """A cookie sealed with a key no longer in the list is refused."""
    sealed = make_login().seal("r" * 32)
    with pytest.raises(LoginStateError):
        LoginRequest.unseal(sealed, [KEY, OTHER_KEY], now=NOW)


@pytest.mark.parametrize("keys", [[], "short", b"short", ["k" * 32, "short"], [123]])
@pytest.mark.checklist(2)
def test_checklist_2_weak_or_missing_key_is_a_configuration_error(keys: Any) -> None:
    """An empty key list, a key under 16 bytes or a non-key is a ConfigurationError."""
    with pytest.raises(ConfigurationError):
        LoginRequest.unseal("c1.abc.def", keys, now=NOW)


@pytest.mark.checklist(2)
def test_checklist_2_seal_refuses_a_short_key() -> None:
    """seal() refuses a key under 16 bytes."""
    with pytest.raises(ConfigurationError):
        make_login().seal("short")


# --- Secrets in repr -----------------------------------------------------------


@pytest.mark.checklist(33)
def test_checklist_33_repr_hides_state_and_verifier() -> None:
    """repr/str of a LoginRequest shows neither the state nor the verifier."""
    verifier = new_code_verifier()
    login = make_login(verifier=verifier)
    text = repr(login) + str(login)
    expected = (False, False, True)
    assert expected == (login.state in text, verifier in text, "/account" in text)


@pytest.mark.checklist(33)
def test_checklist_33_errors_do_not_echo_the_sealed_value() -> None:
    """A LoginStateError message does not repeat the cookie it refused."""
    sealed = make_login(verifier=new_code_verifier()).seal(OTHER_KEY)
    with pytest.raises(LoginStateError) as info:
        LoginRequest.unseal(sealed, KEY, now=NOW)
    assert False is (sealed in repr(info.value) or sealed.split(".")[1] in str(info.value))


# --- The post-login target -----------------------------------------------------


@pytest.mark.parametrize(
    "target", ["/", "/account", "/account?tab=1&x=%2F", "/a/b/c#frag", "/~user/", "/é"]
)
@pytest.mark.checklist(9)
def test_checklist_9_next_url_same_origin_path_accepted(target: str) -> None:
    """Plain same-origin paths (query and fragment included) are kept as they are."""
    assert target == safe_next_url(target)


@pytest.mark.checklist(9)
def test_checklist_9_next_url_none_means_no_target() -> None:
    """None stays None: no post-login target."""
    assert None is safe_next_url(None)


def _refused(why: str, *targets: object) -> list[Any]:
    return [pytest.param(target, id=f"{why}-{n}") for n, target in enumerate(targets)]


#: Post-login targets that must be refused, grouped by how they would leave the site.
UNSAFE_TARGETS = [
    # Scheme-relative: another host.
    *_refused("scheme-relative", "//evil.example/path"),
    # Browsers read ``///evil`` as a host too.
    *_refused("triple-slash", "///evil.example"),
    # Browsers turn the backslash into a slash.
    *_refused("backslash", "/\\evil.example", "\\\\evil.example", "/a\\b"),
    # An absolute URL, even to our own host.
    *_refused("absolute", "https://evil.example", "http://evil.example/", "HTTPS://evil.example"),
    # javascript: and other scheme URLs.
    *_refused(
        "scheme", "javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x", "vbscript:x"
    ),
    # Browsers strip tabs and newlines, leaving ``//evil``.
    *_refused("tab-or-newline", "/\t/evil.example", "/\n/evil.example", "/\r\n/evil"),
    # Control, invisible and whitespace characters (header injection, tricks).
    *_refused(
        "control", "/a\x00b", "/\x7f", "/a\x1bb", "/\u200b/evil", "/\u2028", "/ /evil", "/a b"
    ),
    # Relative references that do not start with ``/``.
    *_refused("not-slash", "", "account", "evil.example", "?next=/x", "#x", " /x"),
    # Over 2048 characters: it would not fit the cookie.
    *_refused("too-long", "/" + "a" * 2048),
    # Not a str.
    *_refused("not-str", b"/account", 5, ["/"]),
]


@pytest.mark.parametrize("target", UNSAFE_TARGETS)
@pytest.mark.checklist(9)
def test_checklist_9_next_url_that_could_leave_the_site_refused(target: Any) -> None:
    """Each target of UNSAFE_TARGETS (another host, a scheme, tricks, too long) is refused
    with the oracle's message (short relative path, same-origin path, or cookie size)."""
    expected = expected_next_url(target)
    assert (UnsafeRedirectError, expected) == (expected[0], outcome(lambda: safe_next_url(target)))


@pytest.mark.checklist(9)
def test_checklist_9_unsafe_redirect_is_a_library_error() -> None:
    """UnsafeRedirectError is a ChattzOAuthError."""
    assert issubclass(UnsafeRedirectError, ChattzOAuthError)


# --- The error contract: wrong keyword values, keys, sizes ------------------------


@pytest.mark.checklist(2)
@pytest.mark.parametrize("max_age", ["600", None, math.nan, math.inf, -math.inf, -1, True, [600]])
def test_checklist_2_bad_max_age_is_a_configuration_error(max_age: Any) -> None:
    """max_age that is not a finite number >= 0 is a ConfigurationError (NaN never disables it)."""
    sealed = make_login(at=NOW - 10**9).seal(KEY)
    with pytest.raises(ConfigurationError):
        LoginRequest.unseal(sealed, KEY, max_age, now=NOW)


@pytest.mark.checklist(2)
@pytest.mark.parametrize("now", ["now", math.nan, math.inf])
def test_checklist_2_bad_now_is_a_configuration_error(now: Any) -> None:
    """A 'now' that is not a finite number is a ConfigurationError."""
    with pytest.raises(ConfigurationError):
        LoginRequest.unseal(make_login().seal(KEY), KEY, now=now)


@pytest.mark.checklist(2)
def test_checklist_2_check_age_refuses_an_old_login() -> None:
    """check_age() is the one expiry check: an old login is an expired LoginStateError."""
    with pytest.raises(LoginStateError) as caught:
        make_login(at=NOW - 601).check_age(600, now=NOW)
    assert True is caught.value.expired


@pytest.mark.checklist(2)
@pytest.mark.parametrize("created_at", [math.nan, math.inf, -math.inf])
def test_checklist_2_check_age_refuses_a_non_finite_start(created_at: float) -> None:
    """A login whose start time is NaN or infinite cannot be built: no age check to pass."""
    with pytest.raises(ConfigurationError) as caught:
        make_login(at=created_at)
    assert "created_at must be a finite number" == str(caught.value)


@pytest.mark.checklist(2)
@pytest.mark.parametrize(
    "keys", [None, 123, 1.5, [1], [KEY, None], {"k": KEY}, object(), [bytearray(32)]]
)
def test_checklist_2_keys_of_the_wrong_type_are_configuration_errors(keys: Any) -> None:
    """Keys that are not str or bytes, or a list of them, are a ConfigurationError."""
    with pytest.raises(ConfigurationError):
        LoginRequest.unseal("c1.x.y", keys)


@pytest.mark.checklist(33)
@settings(max_examples=100, deadline=None)
@given(key=lone_surrogate_texts().map(lambda text: text * 4))
def test_checklist_33_unencodable_key_is_a_configuration_error_without_it(key: str) -> None:
    """A str key with a lone surrogate is a ConfigurationError that never shows the key."""
    with pytest.raises(ConfigurationError) as caught:
        make_login().seal(key)
    assert_not_leaked(key, caught.value)


@pytest.mark.checklist(9)
def test_checklist_9_long_non_ascii_next_url_refused_before_sealing() -> None:
    """A non-ASCII target that would seal past what a cookie holds is refused up front."""
    with pytest.raises(UnsafeRedirectError):
        safe_next_url("/" + "é" * 2000)


@pytest.mark.checklist(9)
def test_checklist_9_longest_ascii_next_url_still_seals_under_4096() -> None:
    """The longest accepted ASCII target seals to at most 4,096 characters, and unseals."""
    target = "/" + "a" * 2047
    sealed = make_login(verifier=new_code_verifier(), next_url=safe_next_url(target)).seal(KEY)
    assert (True, target) == (
        len(sealed) <= 4096,
        LoginRequest.unseal(sealed, KEY, now=NOW).next_url,
    )


def expected_next_url(target: object) -> tuple[Any, Any]:
    """What safe_next_url(target) must give: the rules of its docstring, one by one."""
    short = (UnsafeRedirectError, "the post-login target must be a short relative path")
    if target is None:
        return "ok", None
    if not isinstance(target, str) or not 1 <= len(target) <= 2048:
        return short
    if (
        not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(unicodedata.category(ch)[0] in "CZ" and ch != " " for ch in target)
        or any(ch.isspace() for ch in target)
    ):
        return UnsafeRedirectError, (
            "the post-login target must be a same-origin path such as '/account'"
        )
    if len(json.dumps(target)) > 2050:
        return UnsafeRedirectError, (
            "the post-login target is too long to keep in the login cookie "
            "(percent-encode non-ASCII characters, or shorten it)"
        )
    return "ok", target


@pytest.mark.checklist(9)
@settings(max_examples=150, deadline=None)
@given(
    target=st.text(max_size=2100).map(lambda text: "/" + text)
    | st.text(max_size=30)
    | st.sampled_from(["/" + "a" * 2047, "/" + "a" * 2048, "/" + "é" * 400, "/" + "é" * 500])
)
def test_checklist_9_property_next_url_oracle_and_round_trip(target: str) -> None:
    """Any target: exactly the oracle's outcome; an accepted one seals to at most 4,096
    ASCII characters and unseals to itself."""
    expected = expected_next_url(target)
    assert expected == outcome(lambda: safe_next_url(target))
    if expected[0] == "ok":
        sealed = make_login(verifier=new_code_verifier(), next_url=target).seal(KEY)
        unsealed = LoginRequest.unseal(sealed, KEY, now=NOW)
        assert (True, True, target) == (len(sealed) <= 4096, sealed.isascii(), unsealed.next_url)


@settings(max_examples=100, deadline=None)
@given(
    value=st.text(max_size=60)
    | st.builds(lambda a, b: f"c1.{a}.{b}", st.text(max_size=20), st.text(max_size=20))
)
def test_property_unseal_any_text(value: str) -> None:
    """Any text that no key signed: "missing or malformed" when empty, "malformed" when it is
    not c1.<payload>.<signature> in ASCII, else "signature is not valid"."""
    assert expected_unseal(value) == unsealed(value)


@pytest.mark.checklist(2)
@pytest.mark.parametrize(
    "fields", [{"state": ""}, {"state": None}, {"created_at": math.nan}, {"code_verifier": 3}]
)
def test_checklist_2_seal_refuses_what_unseal_would_refuse(fields: dict[str, Any]) -> None:
    """A LoginRequest that unseal() could not read back cannot be built, so never sealed."""
    with pytest.raises(ConfigurationError):
        attrs.evolve(make_login(), **fields).seal(KEY)


@pytest.mark.checklist(9)
@pytest.mark.parametrize("target", ["/a\udcff", "/\ud800x"])
def test_checklist_9_next_url_with_a_lone_surrogate_refused(target: str) -> None:
    """A target that cannot be encoded (as os.environ or a bad decoder yields) is refused."""
    expected = (
        UnsafeRedirectError,
        "the post-login target must be a same-origin path such as '/account'",
    )
    assert expected == outcome(lambda: safe_next_url(target))


# --- The link intent ---------------------------------------------------------------


def test_sealed_login_keeps_its_link_user_id() -> None:
    """A linking login comes back as one, for the same user; a plain login links nobody."""
    plain = make_login()
    linking = make_login(link_user_id="42")
    back = [LoginRequest.unseal(x.seal(KEY), KEY, now=NOW) for x in (plain, linking)]
    assert [None, "42"] == [login.link_user_id for login in back]
    assert "link_user_id='42'" in repr(back[1])


@pytest.mark.parametrize("user_id", ["", "x" * 65, "a\nb", 42])
def test_link_user_id_that_is_not_a_user_id_is_not_sealed(user_id: Any) -> None:
    """seal() refuses a link_user_id the accounts could not hold."""
    with pytest.raises(ConfigurationError):
        make_login(link_user_id=user_id).seal(KEY)


@pytest.mark.parametrize("user_id", ["", "x" * 65, 42, ["1"]])
def test_forged_link_user_id_of_the_wrong_shape_is_refused(user_id: Any) -> None:
    """Even with the key, a malformed link_user_id is a malformed login state."""
    with pytest.raises(LoginStateError, match="malformed"):
        LoginRequest.unseal(forge({"s": "st", "t": NOW, "u": user_id}), KEY, now=NOW)
