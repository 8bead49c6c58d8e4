# The cases pass values of the wrong type on purpose: that is what they test.
# mypy: disable-error-code="arg-type, assignment, list-item, misc, union-attr"
"""Every constructor argument of every public class, checked when the object is built.

:data:`INVENTORY` lists each public class (reachable from the ``__all__`` of the
package and of its public modules, both twins) with the arguments of its
constructor and of its documented factory classmethods. For each argument,
:data:`REFUSED` holds values that raise exactly this error (a
:class:`ConfigurationError` naming the argument and what it may be, unless
stated) and :data:`ACCEPTED` values that build an object which behaves so
(the value read back, or used). The test ids read ``Class(argument=value)``.

Pure construction, no I/O: these tests run once, not on asyncio and trio.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
import inspect
import json
import math
import pkgutil
import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy
from sqlalchemy.ext.asyncio import create_async_engine

import chattz_oauth_async
import chattz_oauth_async.integrations
from chattz_oauth_async import (
    AsyncChattzOAuth,
    AsyncTokenHolder,
    ChattzOAuth,
    ChattzUser,
    ConfigurationError,
    InsecureTransportError,
    LoginRequest,
    LoginStateError,
    RetryPolicy,
    StateMismatchError,
    Token,
    TokenHolder,
)
from chattz_oauth_async.accounts import (
    Account,
    Accounts,
    AsyncAccounts,
    Outcome,
    Profile,
    SessionUser,
    SignIn,
)
from chattz_oauth_async.accounts.sqlalchemy import AsyncSQLAlchemyStore, SQLAlchemyStore
from chattz_oauth_async.diagnostics import Diagnosis, Fault
from chattz_oauth_async.errors import AccountError
from chattz_oauth_async.events import Event, EventKind
from chattz_oauth_async.integrations.cookies import LoginCookies, SetCookie
from chattz_oauth_async.integrations.flow import (
    AsyncLoginFlow,
    LoginFinish,
    LoginFlow,
    LoginResult,
    LoginStart,
    WebRequest,
)
from chattz_oauth_async.integrations.httpx_oauth import ChattzOAuth2
from chattz_oauth_async.integrations.starlette import ChattzLogin
from chattz_oauth_async.login import CompletedLogins
from chattz_oauth_async.protocol import ClientConfig, HTTPRequest
from chattz_oauth_async.testing import (
    FakeChattz,
    FakeClient,
    FakeResponse,
    FakeServer,
    FakeUser,
    RecordedRequest,
)
from tests import django_setup

django_setup.configure()  # the Django store's module imports Django models
_django_store = importlib.import_module("chattz_oauth_async.integrations.django.store")
AsyncDjangoStore, DjangoStore = _django_store.AsyncDjangoStore, _django_store.DjangoStore

ID, SECRET, CALLBACK = "client", "s3cr3t", "https://app.example/cb"
KEY = "k" * 32
ENV = {"CHATTZ_CLIENT_ID": ID, "CHATTZ_CLIENT_SECRET": SECRET}
NOW = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
USER = {"id": 9, "username": "nine"}
TOKEN = Token("AT", expires_in=3600, expires_at=1e9 + 3600)
LOGIN = LoginRequest("https://chattz.net/oauth/authorize?state=st", "st", None, "/home", 1e9)
PROFILE = Profile(9, "nine")
ACCOUNT = Account("7", PROFILE, NOW, NOW)
NAN, INF = math.nan, math.inf

#: The messages too long for one line, each shared by several cases.
PLAIN_HTTP = (
    "{} must use https:// (plain http:// is only allowed for loopback hosts such as "
    "127.0.0.1 or localhost)"
)
CONTROL_IN_SECRET = (
    "client_secret holds a control character such as a newline or a tab (was it read from a "
    "file with its line end?); a client secret is printable characters only (RFC 6749, "
    "Appendix A.2)"
)
OTHER_CLIENT = (
    "http_client is a httpx.{other}, but this session needs a httpx.{client}: use {label} "
    "for it, or pass a {client}"
)
OWN_CLIENT = (
    "transport, timeout and http apply to the client the session builds; with your own "
    "http_client, set them on that client instead"
)
TIMEOUT = (
    "timeout must be a finite number of seconds > 0, or an httpx.Timeout whose parts are "
    "such numbers or None"
)
LINK_USER_ID = (
    "link_user_id must be a local user id (a str of 1 to 64 printable characters), or None"
)
ROW = (
    "row must map each of ACCOUNT_COLUMNS (chattz_id, user_id, the profile fields, "
    "linked_at, last_login_at) to its value"
)
NOT_A_STORE = (
    "store must be an account store (see {}): it has no find, create, link, update, unlink, "
    "accounts_of, is_active"
)
RESULT_OR_ERROR = (
    "a LoginFinish holds a result or an error: exactly one of result and error must be None"
)
QUERY = (
    "query must be an iterable of (name, value) string pairs, such as "
    "request.query_params.multi_items()"
)
CHATTZ_LOGIN_CHATTZ = (
    "ChattzLogin(chattz=...) takes an AsyncChattzOAuth or a function returning one, not ChattzOAuth"
)
CHATTZ_LOGIN_ACCOUNTS = (
    "ChattzLogin(accounts=...) takes an AsyncAccounts (Starlette and FastAPI are async) or a "
    "function returning one, not str"
)
DIFFERS = "{} differs from the session's: with session=, pass '' (the session's is used)"
LOOPBACK_ONLY = (
    "host must be a loopback host (127.0.0.1, ::1 or localhost): the fake never serves on "
    "another interface"
)

#: Classes that cannot be built wrongly by a user: enums (looked up by value) and
#: typing Protocols (never instantiated), and classes that a framework builds
#: with its own signature (python-social-auth builds its backends).
NOT_BUILT_BY_USERS = {
    "EventKind": "an enum: EventKind(value) looks a member up (ValueError otherwise)",
    "Fault": "an enum",
    "Outcome": "an enum",
    "AccountStore": "a typing Protocol: implemented, never instantiated",
    "AsyncAccountStore": "a typing Protocol: implemented, never instantiated",
    "social_core.ChattzOAuth2": "python-social-auth builds it (strategy, redirect_uri)",
    "ChattzAccountsConfig": "Django builds it (INSTALLED_APPS)",
    "ChattzAccount": "a Django model: Django's fields and full_clean() check its values",
}


#: Every public class and the arguments of its constructor (and of its
#: documented factory classmethods, as ``Class.method``).
def names(spaced: str) -> tuple[str, ...]:
    """``"a b c"`` as ``("a", "b", "c")``: the argument names, in order."""
    return tuple(spaced.split())


INVENTORY: dict[str, tuple[str, ...]] = {
    **{
        name: names(
            "client_id client_secret redirect_uri base_url http_client transport http timeout "
            "total_timeout leeway clock pkce max_response_bytes retry"
        )
        for name in names("AsyncChattzOAuth ChattzOAuth")
    },
    "AsyncChattzOAuth.from_env": names("environ kwargs"),
    "ChattzOAuth.from_env": names("environ kwargs"),
    "AsyncTokenHolder": names("session token on_update"),
    "TokenHolder": names("session token on_update"),
    "RetryPolicy": names("attempts base_delay max_delay"),
    "Token": names(
        "access_token token_type expires_in expires_at refresh_token scope extra leeway"
    ),
    "Token.from_dict": names("data"),
    "ChattzUser": names("id username email first_name last_name avatar raw"),
    "LoginRequest": names("url state code_verifier next_url created_at link_user_id"),
    "LoginRequest.unseal": names("value secret_key max_age now"),
    "CompletedLogins": (),
    "ClientConfig": names("client_id client_secret redirect_uri base_url"),
    "HTTPRequest": names("method url headers body"),
    "Event": names("kind chattz_id user_id outcome linking fault reason error"),
    "Diagnosis": names("fault reason explanation error"),
    "Account": names("user_id profile linked_at last_login_at"),
    "Account.from_columns": names("row"),
    "Profile": names("chattz_id username email first_name last_name avatar cleaned"),
    "Profile.from_user": names("user"),
    "SignIn": names("account outcome"),
    "SessionUser": names("user_id chattz_id"),
    "AsyncAccounts": names("store signups clock"),
    "Accounts": names("store signups clock"),
    **{
        name: names("engine create_user user_key is_active has_password")
        for name in names("AsyncSQLAlchemyStore SQLAlchemyStore")
    },
    "DjangoStore": names("using"),
    "AsyncDjangoStore": names("store using"),
    "AsyncLoginFlow": names("chattz cookies accounts"),
    "LoginFlow": names("chattz cookies accounts"),
    "LoginResult": names("token user next_url login signed_in"),
    "LoginStart": names("location cookies login"),
    "LoginFinish": names("result error cookies"),
    "WebRequest": names("url cookies query"),
    "LoginCookies": names("secret_key name path max_age secure max_pending"),
    "SetCookie": names("name value max_age path secure"),
    "ChattzLogin": names(
        "chattz secret_key cookie_name cookie_path max_age secure max_pending accounts"
    ),
    "httpx_oauth.ChattzOAuth2": names(
        "client_id client_secret redirect_uri base_url name session email_key"
    ),
    "FakeChattz": names(
        "base_url clock token_lifetime code_lifetime issue_refresh_tokens "
        "rotate_refresh_tokens auto_approve client_id client_secret redirect_uri"
    ),
    "FakeClient": names("client_id client_secret redirect_uri"),
    "FakeResponse": names("status headers body delay drop"),
    "FakeServer": names("handler host port on_url keep_alive reuse_address"),
    "FakeUser": names("id username email first_name last_name avatar extra"),
    "RecordedRequest": names("method path query headers form body"),
}

#: Where a label's class lives, when its short name is ambiguous.
QUALIFIED = {
    "chattz_oauth_async.integrations.httpx_oauth.ChattzOAuth2": "httpx_oauth.ChattzOAuth2",
    "chattz_oauth_async.integrations.social_core.ChattzOAuth2": "social_core.ChattzOAuth2",
}
#: Modules whose ``__all__`` is public API, besides each ``integrations.X``.
PUBLIC_MODULES = (
    "chattz_oauth_async",
    "chattz_oauth_async.protocol",
    "chattz_oauth_async.login",
    "chattz_oauth_async.models",
    "chattz_oauth_async.errors",
    "chattz_oauth_async.events",
    "chattz_oauth_async.diagnostics",
    "chattz_oauth_async.accounts",
    "chattz_oauth_async.accounts.sqlalchemy",
    "chattz_oauth_async.testing",
)


def public_classes() -> dict[str, type]:
    """Every class in a public ``__all__`` that is not an exception, by label.

    The public modules, and every module under ``integrations`` whose path has no
    ``_`` part, except django-allauth's (allauth builds those classes, and their modules
    need allauth's apps installed: ``tests/stacks/allauth`` runs them).
    """
    names = list(PUBLIC_MODULES)
    integrations = chattz_oauth_async.integrations
    for info in pkgutil.walk_packages(integrations.__path__, integrations.__name__ + "."):
        parts = info.name.split(".")[2:]
        if not any(part.startswith("_") or part in ("allauth", "migrations") for part in parts):
            names.append(info.name)
    found: dict[str, type] = {}
    for name in names:
        module = importlib.import_module(name)
        for attribute in module.__all__:
            value = getattr(module, attribute)
            if inspect.isclass(value) and not issubclass(value, BaseException):
                where = f"{value.__module__}.{value.__qualname__}"
                label = next(
                    (short for full, short in QUALIFIED.items() if where.startswith(full)),
                    value.__qualname__,
                )
                found[label] = value
    return found


def arguments(function: Callable[..., object]) -> tuple[str, ...]:
    """The parameter names of ``function``, ``self`` and ``cls`` left out."""
    return tuple(
        name for name in inspect.signature(function).parameters if name not in ("self", "cls")
    )


# --- what the cases need ----------------------------------------------------------------------


def read_userinfo(chattz: Any) -> int:
    """The user id ``chattz`` reads (its own event loop for the async session)."""
    if isinstance(chattz, AsyncChattzOAuth):
        return asyncio.run(chattz.userinfo("AT")).id
    return int(chattz.userinfo("AT").id)


def answering() -> Any:
    """A handler answering userinfo with :data:`USER`."""
    return lambda request: httpx.Response(200, json=USER)


def async_transport() -> httpx.AsyncBaseTransport:
    return httpx.MockTransport(answering())


def sync_transport() -> httpx.BaseTransport:
    return httpx.MockTransport(answering())


def sqlite_store() -> AsyncSQLAlchemyStore:
    return AsyncSQLAlchemyStore(create_async_engine("sqlite+aiosqlite://"))


def sync_sqlite_store() -> SQLAlchemyStore:
    return SQLAlchemyStore(sqlalchemy.create_engine("sqlite://"))


def cookie() -> SetCookie:
    return SetCookie("chattz_login", "sealed", 600, "/", True)


def result() -> LoginResult:
    return LoginResult(TOKEN, ChattzUser(9, "nine"), "/home", LOGIN)


# --- the cases --------------------------------------------------------------------------------

Build = Callable[[], object]


def refused(
    label: str,
    argument: str,
    shown: str,
    build: Build,
    message: str,
    error: type = ConfigurationError,
) -> Any:
    """``build()`` raises exactly ``error(message)``."""
    return pytest.param(build, error, message, id=f"{label}({argument}={shown})")


def accepted(label: str, argument: str, shown: str, read: Build, expected: object) -> Any:
    """``read()`` (build, then read back or use) returns ``expected``."""
    return pytest.param(read, expected, id=f"{label}({argument}={shown})")


def session_cases() -> Iterator[tuple[list[Any], list[Any]]]:
    """The cases of both sessions and both holders: each twin is checked."""
    twins: list[tuple[str, type, str, str, Callable[[], Any]]] = [
        ("AsyncChattzOAuth", AsyncChattzOAuth, "AsyncClient", "Client", async_transport),
        ("ChattzOAuth", ChattzOAuth, "Client", "AsyncClient", sync_transport),
    ]
    for label, cls, client, other, transport in twins:
        no, yes = [], []

        def build(cls: type = cls, mock: Callable[[], Any] = transport, **options: Any) -> Any:
            # Over a mock transport unless the case is about the client: a client
            # the session builds loads the CA bundle (tens of milliseconds).
            if not {"http_client", "transport", "http"} & set(options):
                options["transport"] = mock()
            return cls(ID, SECRET, CALLBACK, **options)

        handler = "handle_async_request" if label.startswith("Async") else "handle_request"

        def make_client(kind: str) -> Any:
            return getattr(httpx, kind)(transport=httpx.MockTransport(answering()))

        no += [
            refused(
                label,
                "client_id",
                "''",
                lambda cls=cls: cls("", SECRET),
                "client_id must be a non-empty string of printable ASCII",
            ),
            refused(
                label,
                "client_id",
                "5",
                lambda cls=cls: cls(5, SECRET),
                "client_id must be a non-empty string of printable ASCII",
            ),
            refused(
                label,
                "client_secret",
                "''",
                lambda cls=cls: cls(ID, ""),
                "client_secret must be a non-empty string",
            ),
            refused(
                label,
                "client_secret",
                "b's'",
                lambda cls=cls: cls(ID, b"s"),
                "client_secret must be a non-empty string",
            ),
            refused(
                label,
                "client_secret",
                "newline-at-end",
                lambda cls=cls: cls(ID, SECRET + "\n"),
                CONTROL_IN_SECRET,
            ),
            refused(
                label,
                "client_secret",
                "tab-inside",
                lambda cls=cls: cls(ID, "s3c\tr3t"),
                CONTROL_IN_SECRET,
            ),
            refused(
                label,
                "redirect_uri",
                "http-public",
                lambda cls=cls: cls(ID, SECRET, "http://app.example/cb"),
                PLAIN_HTTP.format("redirect_uri"),
                InsecureTransportError,
            ),
            refused(
                label,
                "redirect_uri",
                "'/cb'",
                lambda cls=cls: cls(ID, SECRET, "/cb"),
                "redirect_uri must be an absolute https:// URL",
            ),
            refused(
                label,
                "base_url",
                "query",
                lambda b=build: b(base_url="https://chattz.net/?x=1"),
                "base_url must not contain a query",
            ),
            refused(
                label,
                "base_url",
                "None",
                lambda b=build: b(base_url=None),
                "base_url must be a non-empty URL string",
            ),
            refused(
                label,
                "http_client",
                "'client'",
                lambda b=build: b(http_client="client"),
                f"http_client must be an httpx.{client} or httpx2.{client}, not str",
            ),
            refused(
                label,
                "http_client",
                f"httpx.{other}",
                lambda b=build, o=other: b(http_client=make_client(o)),
                OTHER_CLIENT.format(other=other, client=client, label=label),
            ),
            refused(
                label,
                "http_client",
                "with-timeout",
                lambda b=build, c=client: b(http_client=make_client(c), timeout=5),
                OWN_CLIENT,
            ),
            refused(
                label,
                "transport",
                "object()",
                lambda b=build: b(transport=object()),
                f"transport must be an httpx transport with {handler}(), not object",
            ),
            refused(
                label,
                "http",
                "'requests'",
                lambda b=build: b(http="requests"),
                "http must be 'httpx' or 'httpx2'",
            ),
        ]
        for shown, value in (
            ("0", 0),
            ("-1", -1),
            ("nan", NAN),
            ("inf", INF),
            ("True", True),
            ("'5'", "5"),
        ):
            no.append(
                refused(
                    label,
                    "timeout",
                    shown,
                    lambda b=build, v=value: b(timeout=v),
                    TIMEOUT,
                )
            )
        no.append(
            refused(
                label,
                "timeout",
                "Timeout(nan)",
                lambda b=build: b(timeout=httpx.Timeout(NAN)),
                TIMEOUT,
            )
        )
        for shown, value in (
            ("0", 0),
            ("-1", -1),
            ("nan", NAN),
            ("inf", INF),
            ("True", True),
            ("'30'", "30"),
        ):
            no.append(
                refused(
                    label,
                    "total_timeout",
                    shown,
                    lambda b=build, v=value: b(total_timeout=v),
                    "total_timeout must be a finite number of seconds > 0",
                )
            )
        for shown, value in (
            ("-1", -1),
            ("nan", NAN),
            ("inf", INF),
            ("False", False),
            ("None", None),
        ):
            no.append(
                refused(
                    label,
                    "leeway",
                    shown,
                    lambda b=build, v=value: b(leeway=v),
                    "leeway must be a finite number of seconds >= 0",
                )
            )
        no.append(
            refused(
                label,
                "clock",
                "5",
                lambda b=build: b(clock=5),
                "clock must be a function returning epoch seconds",
            )
        )
        for shown, value in (("1", 1), ("'yes'", "yes"), ("None", None)):
            no.append(
                refused(
                    label,
                    "pkce",
                    shown,
                    lambda b=build, v=value: b(pkce=v),
                    "pkce must be True or False",
                )
            )
        for shown, value in (("0", 0), ("-1", -1), ("True", True), ("1.5", 1.5), ("'1'", "1")):
            no.append(
                refused(
                    label,
                    "max_response_bytes",
                    shown,
                    lambda b=build, v=value: b(max_response_bytes=v),
                    "max_response_bytes must be a whole number >= 1",
                )
            )
        for shown, value, kind in (("0", 0, "int"), ("3", 3, "int"), ("{}", {}, "dict")):
            no.append(
                refused(
                    label,
                    "retry",
                    shown,
                    lambda b=build, v=value: b(retry=v),
                    f"retry must be a RetryPolicy or None, not {kind}",
                )
            )

        yes += [
            accepted(label, "client_id", "'client'", lambda b=build: b().config.client_id, ID),
            accepted(
                label, "client_secret", "'s3cr3t'", lambda b=build: b().config.client_secret, SECRET
            ),
            accepted(
                label,
                "redirect_uri",
                "None",
                lambda cls=cls: cls(ID, SECRET).config.redirect_uri,
                None,
            ),
            accepted(
                label,
                "redirect_uri",
                "loopback-http",
                lambda cls=cls: cls(ID, SECRET, "http://127.0.0.1:8000/cb").config.redirect_uri,
                "http://127.0.0.1:8000/cb",
            ),
            accepted(
                label,
                "base_url",
                "trailing-slash",
                lambda b=build: b(base_url="https://chattz.test/").config.token_endpoint,
                "https://chattz.test/oauth/token",
            ),
            accepted(
                label,
                "http_client",
                client,
                lambda b=build, c=client: read_userinfo(b(http_client=make_client(c))),
                9,
            ),
            accepted(
                label,
                "transport",
                "MockTransport",
                lambda b=build, t=transport: read_userinfo(b(transport=t())),
                9,
            ),
            accepted(
                label,
                "http",
                "'httpx2'",
                lambda b=build: type(b(http="httpx2").http_client).__module__.split(".")[0],
                "httpx2",
            ),
            accepted(
                label,
                "timeout",
                "2.5",
                lambda b=build: b(timeout=2.5).http_client.timeout,
                httpx.Timeout(2.5),
            ),
            accepted(
                label,
                "timeout",
                "None",
                lambda b=build: b().http_client.timeout,
                httpx.Timeout(10.0, connect=5.0),
            ),
            accepted(
                label,
                "timeout",
                "Timeout(1,read=None)",
                lambda b=build: b(timeout=httpx.Timeout(1, read=None)).http_client.timeout,
                httpx.Timeout(1, read=None),
            ),
            accepted(
                label, "total_timeout", "5", lambda b=build: b(total_timeout=5).total_timeout, 5.0
            ),
            accepted(label, "leeway", "0", lambda b=build: b(leeway=0).leeway, 0.0),
            accepted(
                label,
                "clock",
                "fixed",
                lambda b=build: b(clock=lambda: 1e9).start_login().created_at,
                1e9,
            ),
            accepted(
                label,
                "pkce",
                "True",
                lambda b=build: b(pkce=True).start_login().code_verifier is not None,
                True,
            ),
            accepted(label, "pkce", "False", lambda b=build: b().start_login().code_verifier, None),
            accepted(
                label,
                "max_response_bytes",
                "10",
                lambda b=build: b(max_response_bytes=10).max_response_bytes,
                10,
            ),
            accepted(
                label,
                "retry",
                "RetryPolicy(attempts=1)",
                lambda b=build: b(retry=RetryPolicy(attempts=1)).retry,
                RetryPolicy(attempts=1),
            ),
            accepted(label, "retry", "None", lambda b=build: b().retry, RetryPolicy()),
        ]

        factory = f"{label}.from_env"
        no += [
            refused(
                factory,
                "environ",
                "'x'",
                lambda cls=cls: cls.from_env(environ="x"),
                "from_env() needs environ to be a mapping, such as os.environ",
            ),
            refused(
                factory,
                "environ",
                "no-secret",
                lambda cls=cls: cls.from_env(environ={"CHATTZ_CLIENT_ID": ID}),
                "environment variable CHATTZ_CLIENT_SECRET is not set",
            ),
            refused(
                factory,
                "environ",
                "{}",
                lambda cls=cls: cls.from_env(environ={}),
                "environment variables CHATTZ_CLIENT_ID and CHATTZ_CLIENT_SECRET are not set",
            ),
            refused(
                factory,
                "kwargs",
                "retries=3",
                lambda cls=cls: cls.from_env(environ=ENV, retries=3),
                "from_env() got unknown keyword arguments: retries",
            ),
            refused(
                factory,
                "kwargs",
                "retry=0",
                lambda cls=cls: cls.from_env(environ=ENV, retry=0),
                "retry must be a RetryPolicy or None, not int",
            ),
        ]
        yes += [
            accepted(
                factory,
                "environ",
                "id-secret",
                lambda cls=cls: cls.from_env(environ=ENV).config.redirect_uri,
                None,
            ),
            accepted(
                factory,
                "kwargs",
                "leeway=5",
                lambda cls=cls: cls.from_env(environ=ENV, leeway=5).leeway,
                5.0,
            ),
        ]

        holder = "AsyncTokenHolder" if label.startswith("Async") else "TokenHolder"
        holder_cls = AsyncTokenHolder if label.startswith("Async") else TokenHolder
        twin = "ChattzOAuth" if label.startswith("Async") else "AsyncChattzOAuth"
        twin_cls = ChattzOAuth if label.startswith("Async") else AsyncChattzOAuth
        no += [
            refused(
                holder,
                "session",
                "'s'",
                lambda h=holder_cls: h("s", TOKEN),
                f"session must be a session ({label}), not str",
            ),
            refused(
                holder,
                "session",
                twin,
                lambda h=holder_cls, t=twin_cls: h(t(ID, SECRET), TOKEN),
                f"session must be a session ({label}), not {twin}",
            ),
            refused(
                holder,
                "token",
                "{}",
                lambda h=holder_cls, b=build: h(b(), {}),
                "token must be a Token, not dict",
            ),
            refused(
                holder,
                "on_update",
                "5",
                lambda h=holder_cls, b=build: h(b(), TOKEN, on_update=5),
                "on_update must be a function, or None",
            ),
        ]
        yes += [
            accepted(
                holder,
                "session",
                label,
                lambda h=holder_cls, b=build: type(h(b(), TOKEN).session).__name__,
                label,
            ),
            accepted(
                holder, "token", "Token", lambda h=holder_cls, b=build: h(b(), TOKEN).token, TOKEN
            ),
            accepted(
                holder,
                "on_update",
                "list.append",
                lambda h=holder_cls, b=build: h(b(), TOKEN, on_update=[].append).token,
                TOKEN,
            ),
        ]
        yield no, yes


def user_cases() -> Iterator[tuple[list[Any], list[Any]]]:
    """The fields ChattzUser and FakeUser share: an int id, a str username, optional strs."""
    optional = ("email", "first_name", "last_name", "avatar")
    for cls in (ChattzUser, FakeUser):
        label = cls.__name__
        no = [
            *(
                refused(
                    label,
                    "id",
                    shown,
                    lambda c=cls, v=value: c(v, "x"),
                    "id must be a whole number",
                )
                for shown, value in (("True", True), ("'9'", "9"), ("9.0", 9.0))
            ),
            refused(
                label,
                "username",
                "None",
                lambda c=cls: c(9, None),
                "username must be a str, not NoneType",
            ),
            *(
                refused(
                    label,
                    name,
                    "5",
                    lambda c=cls, n=name: c(9, "x", **{n: 5}),
                    f"{name} must be a str or None, not int",
                )
                for name in optional
            ),
        ]
        yes = [
            accepted(label, "id", "-1", lambda c=cls: c(-1, "x").id, -1),
            accepted(
                label, "username", "hostile", lambda c=cls: c(9, "ev\x00il").username, "ev\x00il"
            ),
            *(
                accepted(
                    label,
                    name,
                    "None",
                    lambda c=cls, n=name: getattr(c(9, "x", **{n: None}), n),
                    None,
                )
                for name in optional
            ),
            *(
                accepted(
                    label,
                    name,
                    "text",
                    lambda c=cls, n=name: getattr(c(9, "x", **{n: "t"}), n),
                    "t",
                )
                for name in optional
            ),
        ]
        yield no, yes


def value_cases() -> tuple[list[Any], list[Any]]:
    """The cases of the values: RetryPolicy, Token, ChattzUser, LoginRequest, ClientConfig..."""
    no = [
        refused(
            "RetryPolicy",
            "attempts",
            "0",
            lambda: RetryPolicy(attempts=0),
            "attempts must be a whole number >= 1",
        ),
        refused(
            "RetryPolicy",
            "attempts",
            "True",
            lambda: RetryPolicy(attempts=True),
            "attempts must be a whole number >= 1",
        ),
        refused(
            "RetryPolicy",
            "attempts",
            "2.0",
            lambda: RetryPolicy(attempts=2.0),
            "attempts must be a whole number >= 1",
        ),
        refused(
            "RetryPolicy",
            "base_delay",
            "-0.1",
            lambda: RetryPolicy(base_delay=-0.1),
            "base_delay must be a finite number of seconds >= 0",
        ),
        refused(
            "RetryPolicy",
            "base_delay",
            "nan",
            lambda: RetryPolicy(base_delay=NAN),
            "base_delay must be a finite number of seconds >= 0",
        ),
        refused(
            "RetryPolicy",
            "max_delay",
            "inf",
            lambda: RetryPolicy(max_delay=INF),
            "max_delay must be a finite number of seconds >= 0",
        ),
        refused(
            "RetryPolicy",
            "max_delay",
            "below-base",
            lambda: RetryPolicy(base_delay=1, max_delay=0.5),
            "max_delay must be a finite number of seconds >= base_delay",
        ),
        refused(
            "Token",
            "access_token",
            "''",
            lambda: Token(""),
            "a Token needs a non-empty string access_token",
        ),
        refused(
            "Token",
            "access_token",
            "None",
            lambda: Token(None),
            "a Token needs a non-empty string access_token",
        ),
        refused(
            "Token",
            "token_type",
            "'mac'",
            lambda: Token("AT", token_type="mac"),
            "a Token's token_type must be 'Bearer' (the only kind used)",
        ),
        refused(
            "Token",
            "expires_in",
            "-1",
            lambda: Token("AT", expires_in=-1),
            "a Token's expires_in must be whole seconds from 0 to 100 years, or None",
        ),
        refused(
            "Token",
            "expires_in",
            "True",
            lambda: Token("AT", expires_in=True),
            "a Token's expires_in must be whole seconds from 0 to 100 years, or None",
        ),
        refused(
            "Token",
            "expires_at",
            "nan",
            lambda: Token("AT", expires_at=NAN),
            "a Token's expires_at must be a finite number, or None",
        ),
        refused(
            "Token",
            "refresh_token",
            "5",
            lambda: Token("AT", refresh_token=5),
            "a Token's refresh_token must be a string, or None",
        ),
        refused(
            "Token",
            "scope",
            "['a']",
            lambda: Token("AT", scope=["a"]),
            "a Token's scope must be a string, or None",
        ),
        refused(
            "Token",
            "extra",
            "[]",
            lambda: Token("AT", extra=[]),
            "a Token's extra must be a mapping",
        ),
        refused(
            "Token",
            "leeway",
            "-1",
            lambda: Token("AT", leeway=-1),
            "a Token's leeway must be a finite number >= 0",
        ),
        refused(
            "Token.from_dict",
            "data",
            "[]",
            lambda: Token.from_dict([]),
            "a saved token must be a JSON object",
        ),
        refused(
            "Token.from_dict",
            "data",
            "no-token",
            lambda: Token.from_dict({}),
            "a saved token needs a non-empty 'access_token'",
        ),
        refused(
            "ChattzUser", "raw", "[]", lambda: ChattzUser(9, "x", raw=[]), "raw must be a mapping"
        ),
        refused(
            "LoginRequest",
            "url",
            "None",
            lambda: LoginRequest(None, "st", None, None, 1e9),
            "url must be a str, not NoneType",
        ),
        refused(
            "LoginRequest",
            "state",
            "''",
            lambda: LoginRequest("", "", None, None, 1e9),
            "state must be a non-empty string",
        ),
        refused(
            "LoginRequest",
            "code_verifier",
            "''",
            lambda: LoginRequest("", "st", "", None, 1e9),
            "code_verifier must be a non-empty string, or None",
        ),
        refused(
            "LoginRequest",
            "next_url",
            "5",
            lambda: LoginRequest("", "st", None, 5, 1e9),
            "next_url must be a str or None, not int",
        ),
        refused(
            "LoginRequest",
            "created_at",
            "nan",
            lambda: LoginRequest("", "st", None, None, NAN),
            "created_at must be a finite number",
        ),
        refused(
            "LoginRequest",
            "created_at",
            "True",
            lambda: LoginRequest("", "st", None, None, True),
            "created_at must be a finite number",
        ),
        *(
            refused(
                "LoginRequest",
                "link_user_id",
                shown,
                lambda v=value: LoginRequest("", "st", None, None, 1e9, v),
                LINK_USER_ID,
            )
            for shown, value in (("''", ""), ("65-chars", "u" * 65), ("7", 7), ("newline", "a\nb"))
        ),
        refused(
            "LoginRequest.unseal",
            "value",
            "5",
            lambda: LoginRequest.unseal(5, KEY),
            "the login state is missing or malformed",
            LoginStateError,
        ),
        refused(
            "LoginRequest.unseal",
            "secret_key",
            "short",
            lambda: LoginRequest.unseal("c1.x.y", "short"),
            "secret_key must be at least 16 bytes (each key of a list too)",
        ),
        refused(
            "LoginRequest.unseal",
            "secret_key",
            "5",
            lambda: LoginRequest.unseal("c1.x.y", 5),
            "secret_key must be str or bytes, or a list of them",
        ),
        refused(
            "LoginRequest.unseal",
            "secret_key",
            "[]",
            lambda: LoginRequest.unseal("c1.x.y", []),
            "secret_key must hold at least one key",
        ),
        refused(
            "LoginRequest.unseal",
            "max_age",
            "nan",
            lambda: LoginRequest.unseal("c1.x.y", KEY, NAN),
            "max_age must be a finite number of seconds >= 0",
        ),
        refused(
            "LoginRequest.unseal",
            "now",
            "nan",
            lambda: LoginRequest.unseal("c1.x.y", KEY, now=NAN),
            "now must be a finite number of epoch seconds, or None",
        ),
        refused(
            "ClientConfig",
            "client_id",
            "'a b'",
            lambda: ClientConfig("a b", SECRET),
            "client_id must be a non-empty string of printable ASCII",
        ),
        refused(
            "ClientConfig",
            "client_secret",
            "None",
            lambda: ClientConfig(ID, None),
            "client_secret must be a non-empty string",
        ),
        refused(
            "ClientConfig",
            "redirect_uri",
            "fragment",
            lambda: ClientConfig(ID, SECRET, CALLBACK + "#x"),
            "redirect_uri must not contain a fragment",
        ),
        refused(
            "ClientConfig",
            "base_url",
            "credentials",
            lambda: ClientConfig(ID, SECRET, base_url="https://u:p@chattz.net"),
            "base_url must not contain credentials",
        ),
        refused(
            "HTTPRequest",
            "method",
            "''",
            lambda: HTTPRequest("", CALLBACK, ()),
            "method must be a non-empty string",
        ),
        refused(
            "HTTPRequest",
            "url",
            "None",
            lambda: HTTPRequest("GET", None, ()),
            "url must be a non-empty string",
        ),
        refused(
            "HTTPRequest",
            "headers",
            "list",
            lambda: HTTPRequest("GET", CALLBACK, [("a", "b")]),
            "headers must be a tuple of (name, value) string pairs",
        ),
        refused(
            "HTTPRequest",
            "headers",
            "bytes-pair",
            lambda: HTTPRequest("GET", CALLBACK, ((b"a", b"b"),)),
            "headers must be a tuple of (name, value) string pairs",
        ),
        refused(
            "HTTPRequest",
            "body",
            "'x'",
            lambda: HTTPRequest("POST", CALLBACK, (), "x"),
            "body must be bytes, not str",
        ),
    ]
    yes = [
        accepted("RetryPolicy", "attempts", "1", lambda: RetryPolicy(attempts=1).attempts, 1),
        accepted("RetryPolicy", "base_delay", "0", lambda: RetryPolicy(base_delay=0).base_delay, 0),
        accepted(
            "RetryPolicy",
            "max_delay",
            "equal-base",
            lambda: RetryPolicy(base_delay=0.5, max_delay=0.5).max_delay,
            0.5,
        ),
        accepted("Token", "access_token", "'AT'", lambda: Token("AT").access_token, "AT"),
        accepted(
            "Token",
            "token_type",
            "'Bearer'",
            lambda: Token("AT", token_type="Bearer").token_type,
            "Bearer",
        ),
        accepted(
            "Token",
            "expires_in",
            "0",
            lambda: Token("AT", expires_in=0, expires_at=1e9).is_expired(1e9 - 60),
            True,
        ),
        accepted(
            "Token",
            "expires_at",
            "1e9",
            lambda: Token("AT", expires_at=1e9).seconds_left(1e9 - 5),
            5.0,
        ),
        accepted(
            "Token",
            "refresh_token",
            "'RT'",
            lambda: Token("AT", refresh_token="RT").refresh_token,
            "RT",
        ),
        accepted("Token", "scope", "'read'", lambda: Token("AT", scope="read").scope, "read"),
        accepted(
            "Token",
            "extra",
            "{'id_token':'x'}",
            lambda: Token("AT", extra={"id_token": "x"}).to_dict()["id_token"],
            "x",
        ),
        accepted(
            "Token",
            "leeway",
            "0",
            lambda: Token("AT", expires_in=60, expires_at=1e9, leeway=0).is_expired(1e9 - 1),
            False,
        ),
        accepted(
            "Token.from_dict", "data", "to_dict", lambda: Token.from_dict(TOKEN.to_dict()), TOKEN
        ),
        accepted(
            "ChattzUser",
            "raw",
            "{}",
            lambda: ChattzUser(9, "x", raw={"plan": "pro"}).raw,
            {"plan": "pro"},
        ),
        accepted(
            "LoginRequest", "url", "''", lambda: LoginRequest("", "st", None, None, 1e9).url, ""
        ),
        accepted(
            "LoginRequest",
            "state",
            "'st'",
            lambda: LoginRequest.unseal(LOGIN.seal(KEY), KEY, now=1e9).state,
            "st",
        ),
        accepted(
            "LoginRequest",
            "code_verifier",
            "'v'*43",
            lambda: (
                LoginRequest.unseal(
                    LoginRequest("", "st", "v" * 43, None, 1e9).seal(KEY), KEY, now=1e9
                ).code_verifier
            ),
            "v" * 43,
        ),
        accepted(
            "LoginRequest",
            "next_url",
            "'/home'",
            lambda: LoginRequest.unseal(LOGIN.seal(KEY), KEY, now=1e9).next_url,
            "/home",
        ),
        accepted(
            "LoginRequest",
            "created_at",
            "0",
            lambda: LoginRequest("", "st", None, None, 0).created_at,
            0,
        ),
        accepted(
            "LoginRequest",
            "link_user_id",
            "'42'",
            lambda: (
                LoginRequest.unseal(
                    LoginRequest("", "st", None, None, 1e9, "42").seal(KEY), KEY, now=1e9
                ).link_user_id
            ),
            "42",
        ),
        accepted(
            "LoginRequest.unseal",
            "value",
            "sealed",
            lambda: LoginRequest.unseal(LOGIN.seal(KEY), KEY, now=1e9).created_at,
            1e9,
        ),
        accepted(
            "LoginRequest.unseal",
            "secret_key",
            "[new, old]",
            lambda: LoginRequest.unseal(LOGIN.seal(KEY), ["n" * 16, KEY], now=1e9).state,
            "st",
        ),
        accepted(
            "LoginRequest.unseal",
            "max_age",
            "0",
            lambda: LoginRequest.unseal(LOGIN.seal(KEY), KEY, 0, now=1e9).state,
            "st",
        ),
        accepted(
            "LoginRequest.unseal",
            "now",
            "1e9+600",
            lambda: LoginRequest.unseal(LOGIN.seal(KEY), KEY, now=1e9 + 600).state,
            "st",
        ),
        accepted(
            "ClientConfig", "client_id", "'client'", lambda: ClientConfig(ID, SECRET).client_id, ID
        ),
        accepted(
            "ClientConfig",
            "client_secret",
            "'s3cr3t'",
            lambda: "s3cr3t" in repr(ClientConfig(ID, SECRET)),
            False,
        ),
        accepted(
            "ClientConfig",
            "redirect_uri",
            "https",
            lambda: ClientConfig(ID, SECRET, CALLBACK).redirect_uri,
            CALLBACK,
        ),
        accepted(
            "ClientConfig",
            "base_url",
            "default",
            lambda: ClientConfig(ID, SECRET).userinfo_endpoint,
            "https://chattz.net/oauth/userinfo",
        ),
        accepted(
            "HTTPRequest", "method", "'GET'", lambda: HTTPRequest("GET", CALLBACK, ()).method, "GET"
        ),
        accepted(
            "HTTPRequest", "url", "https", lambda: HTTPRequest("GET", CALLBACK, ()).url, CALLBACK
        ),
        accepted(
            "HTTPRequest",
            "headers",
            "pairs",
            lambda: HTTPRequest("GET", CALLBACK, (("a", "b"),)).headers,
            (("a", "b"),),
        ),
        accepted("HTTPRequest", "body", "b''", lambda: HTTPRequest("GET", CALLBACK, ()).body, b""),
    ]
    return no, yes


def observability_and_account_cases() -> tuple[list[Any], list[Any]]:
    """Events, diagnoses, the accounts' values, engines and stores."""
    kind = EventKind.LOGIN_COMPLETED
    no = [
        refused(
            "Event", "kind", "'login'", lambda: Event("login"), "kind must be an EventKind, not str"
        ),
        refused(
            "Event",
            "chattz_id",
            "True",
            lambda: Event(kind, chattz_id=True),
            "chattz_id must be a whole number, or None",
        ),
        refused(
            "Event",
            "user_id",
            "7",
            lambda: Event(kind, user_id=7),
            "user_id must be a str or None, not int",
        ),
        refused(
            "Event",
            "outcome",
            "'made'",
            lambda: Event(kind, outcome="made"),
            "outcome must be 'created', 'linked', 'signed_in' or None",
        ),
        refused(
            "Event",
            "outcome",
            "Outcome.CREATED",
            lambda: Event(kind, outcome=Outcome.CREATED),
            "outcome must be 'created', 'linked', 'signed_in' or None",
        ),
        refused(
            "Event", "linking", "1", lambda: Event(kind, linking=1), "linking must be True or False"
        ),
        refused(
            "Event",
            "fault",
            "'user'",
            lambda: Event(kind, fault="user"),
            "fault must be a Fault or None, not str",
        ),
        refused(
            "Event",
            "reason",
            "5",
            lambda: Event(kind, reason=5),
            "reason must be a str or None, not int",
        ),
        refused(
            "Event",
            "error",
            "5",
            lambda: Event(kind, error=5),
            "error must be a str or None, not int",
        ),
        refused(
            "Diagnosis",
            "fault",
            "None",
            lambda: Diagnosis(None, "r", "e"),
            "fault must be a Fault, not NoneType",
        ),
        refused(
            "Diagnosis",
            "reason",
            "''",
            lambda: Diagnosis(Fault.USER, "", "e"),
            "reason must be a non-empty string",
        ),
        refused(
            "Diagnosis",
            "explanation",
            "''",
            lambda: Diagnosis(Fault.USER, "r", ""),
            "explanation must be a non-empty string",
        ),
        refused(
            "Diagnosis",
            "error",
            "5",
            lambda: Diagnosis(Fault.USER, "r", "e", 5),
            "error must be a str or None, not int",
        ),
        refused(
            "Account",
            "user_id",
            "7",
            lambda: Account(7, PROFILE, NOW, NOW),
            "user_id must be a str, not int",
        ),
        refused(
            "Account",
            "profile",
            "{}",
            lambda: Account("7", {}, NOW, NOW),
            "profile must be a Profile, not dict",
        ),
        refused(
            "Account",
            "linked_at",
            "naive",
            lambda: Account("7", PROFILE, NOW.replace(tzinfo=None), NOW),
            "linked_at must be a timezone-aware datetime",
        ),
        refused(
            "Account",
            "last_login_at",
            "'today'",
            lambda: Account("7", PROFILE, NOW, "today"),
            "last_login_at must be a timezone-aware datetime",
        ),
        refused(
            "Account.from_columns",
            "row",
            "{}",
            lambda: Account.from_columns({}),
            ROW,
        ),
        refused(
            "Profile",
            "chattz_id",
            "0",
            lambda: Profile(0, "x"),
            "a Chattz id must be a whole number from 1 to 2**63 - 1 to be stored",
            AccountError,
        ),
        refused(
            "Profile",
            "username",
            "NUL",
            lambda: Profile(9, "a\x00"),
            "a Profile's username must be cleaned text (Profile.from_user)",
            AccountError,
        ),
        refused(
            "Profile",
            "email",
            "'nope'",
            lambda: Profile(9, "x", email="nope"),
            "a Profile's email must be an address (Profile.from_user)",
            AccountError,
        ),
        refused(
            "Profile",
            "first_name",
            "5",
            lambda: Profile(9, "x", first_name=5),
            "a Profile's first_name must be cleaned text (Profile.from_user)",
            AccountError,
        ),
        refused(
            "Profile",
            "last_name",
            "5",
            lambda: Profile(9, "x", last_name=5),
            "a Profile's last_name must be cleaned text (Profile.from_user)",
            AccountError,
        ),
        refused(
            "Profile",
            "avatar",
            "http",
            lambda: Profile(9, "x", avatar="http://x.example/a.png"),
            "a Profile's avatar must be an https URL (Profile.from_user)",
            AccountError,
        ),
        refused(
            "Profile",
            "cleaned",
            "('bogus',)",
            lambda: Profile(9, "x", cleaned=("bogus",)),
            "a Profile's cleaned must be a tuple of profile field names",
            AccountError,
        ),
        refused(
            "Profile",
            "cleaned",
            "'email'",
            lambda: Profile(9, "x", cleaned="email"),
            "a Profile's cleaned must be a tuple of profile field names",
            AccountError,
        ),
        refused(
            "Profile.from_user",
            "user",
            "dict",
            lambda: Profile.from_user({"id": 9}),
            "accounts are made from the ChattzUser of a completed login",
            AccountError,
        ),
        refused(
            "SessionUser",
            "user_id",
            "None",
            lambda: SessionUser(None, 9),
            "a local user id must be a string, an int or a UUID",
            AccountError,
        ),
        refused(
            "SessionUser",
            "chattz_id",
            "0",
            lambda: SessionUser("7", 0),
            "a Chattz id is an int from 1 to 2**63 - 1",
            AccountError,
        ),
        refused(
            "SessionUser",
            "chattz_id",
            "'9'",
            lambda: SessionUser("7", "9"),
            "a Chattz id is an int from 1 to 2**63 - 1",
            AccountError,
        ),
        refused(
            "SignIn",
            "account",
            "None",
            lambda: SignIn(None, Outcome.CREATED),
            "account must be an Account, not NoneType",
        ),
        refused(
            "SignIn",
            "outcome",
            "'created'",
            lambda: SignIn(ACCOUNT, "created"),
            "outcome must be an Outcome, not str",
        ),
    ]
    yes = [
        accepted("Event", "kind", "LOGIN_COMPLETED", lambda: Event(kind).kind, kind),
        accepted("Event", "chattz_id", "9", lambda: Event(kind, chattz_id=9).chattz_id, 9),
        accepted("Event", "user_id", "'7'", lambda: Event(kind, user_id="7").user_id, "7"),
        accepted(
            "Event", "outcome", "'linked'", lambda: Event(kind, outcome="linked").outcome, "linked"
        ),
        accepted("Event", "linking", "True", lambda: Event(kind, linking=True).linking, True),
        accepted(
            "Event", "fault", "Fault.USER", lambda: Event(kind, fault=Fault.USER).fault, Fault.USER
        ),
        accepted(
            "Event", "reason", "'denied'", lambda: Event(kind, reason="denied").reason, "denied"
        ),
        accepted(
            "Event",
            "error",
            "'access_denied'",
            lambda: Event(kind, error="access_denied").error,
            "access_denied",
        ),
        accepted(
            "Diagnosis",
            "fault",
            "Fault.USER",
            lambda: Diagnosis(Fault.USER, "r", "e").level,
            Fault.USER.level,
        ),
        accepted(
            "Diagnosis",
            "reason",
            "'denied'",
            lambda: Diagnosis(Fault.USER, "denied", "e").reason,
            "denied",
        ),
        accepted(
            "Diagnosis",
            "explanation",
            "'why'",
            lambda: Diagnosis(Fault.USER, "r", "why").explanation,
            "why",
        ),
        accepted("Diagnosis", "error", "None", lambda: Diagnosis(Fault.USER, "r", "e").error, None),
        accepted("Account", "user_id", "'7'", lambda: ACCOUNT.user_id, "7"),
        accepted("Account", "profile", "Profile", lambda: ACCOUNT.chattz_id, 9),
        accepted("Account", "linked_at", "aware", lambda: ACCOUNT.linked_at, NOW),
        accepted(
            "Account",
            "last_login_at",
            "other-zone",
            lambda: (
                Account(
                    "7", PROFILE, NOW, NOW.astimezone(dt.timezone(dt.timedelta(hours=2)))
                ).last_login_at
            ),
            NOW,
        ),
        accepted(
            "Account.from_columns",
            "row",
            "naive-times",
            lambda: Account.from_columns(
                {
                    "chattz_id": 9,
                    "user_id": 7,
                    "username": "nine",
                    "email": None,
                    "first_name": None,
                    "last_name": None,
                    "avatar": None,
                    "linked_at": NOW.replace(tzinfo=None),
                    "last_login_at": NOW,
                }
            ),
            ACCOUNT,
        ),
        accepted(
            "Profile", "chattz_id", "2**63-1", lambda: Profile(2**63 - 1, "x").chattz_id, 2**63 - 1
        ),
        accepted("Profile", "username", "'nine'", lambda: PROFILE.display_name, "nine"),
        accepted(
            "Profile",
            "email",
            "address",
            lambda: Profile(9, "x", email="a@b.example").email,
            "a@b.example",
        ),
        accepted(
            "Profile",
            "first_name",
            "'Ann'",
            lambda: Profile(9, "x", first_name="Ann").display_name,
            "Ann",
        ),
        accepted(
            "Profile",
            "last_name",
            "'Lee'",
            lambda: Profile(9, "x", last_name="Lee").display_name,
            "Lee",
        ),
        accepted(
            "Profile",
            "avatar",
            "https",
            lambda: Profile(9, "x", avatar="https://x.example/a.png").avatar,
            "https://x.example/a.png",
        ),
        accepted(
            "Profile",
            "cleaned",
            "('email',)",
            lambda: Profile(9, "x", cleaned=("email",)).cleaned,
            ("email",),
        ),
        accepted(
            "Profile.from_user",
            "user",
            "ChattzUser",
            lambda: Profile.from_user(ChattzUser(9, "nine")),
            PROFILE,
        ),
        accepted("SessionUser", "user_id", "7", lambda: SessionUser(7, 9).user_id, "7"),
        accepted("SessionUser", "chattz_id", "9", lambda: SessionUser("7", 9).chattz_id, 9),
        accepted(
            "SignIn", "account", "Account", lambda: SignIn(ACCOUNT, Outcome.CREATED).user_id, "7"
        ),
        accepted(
            "SignIn",
            "outcome",
            "Outcome.LINKED",
            lambda: SignIn(ACCOUNT, Outcome.LINKED).outcome,
            Outcome.LINKED,
        ),
    ]
    engines: list[tuple[str, type, str, Callable[[], Any], str, str]] = [
        (
            "AsyncAccounts",
            AsyncAccounts,
            "AsyncSQLAlchemyStore",
            sqlite_store,
            "AsyncAccountStore",
            "AsyncEngine",
        ),
        ("Accounts", Accounts, "SQLAlchemyStore", sync_sqlite_store, "AccountStore", "Engine"),
    ]
    for label, cls, store_label, store, protocol, engine in engines:
        store_cls = type(store())
        no += [
            refused(
                label,
                "store",
                "object()",
                lambda cls=cls: cls(object()),
                NOT_A_STORE.format(protocol),
            ),
            refused(
                label,
                "signups",
                "'false'",
                lambda cls=cls, s=store: cls(s(), signups="false"),
                "signups must be True or False, not str",
            ),
            refused(
                label,
                "clock",
                "5",
                lambda cls=cls, s=store: cls(s(), clock=5),
                "clock must be a function",
            ),
            refused(
                store_label,
                "engine",
                "'sqlite://'",
                lambda c=store_cls: c("sqlite://"),
                f"engine must be a SQLAlchemy {engine}, not str",
            ),
            *(
                refused(
                    store_label,
                    hook,
                    "5",
                    lambda c=store_cls, s=store, h=hook: c(s().engine, **{h: 5}),
                    f"{hook} must be a function, or None",
                )
                for hook in ("create_user", "is_active", "has_password")
            ),
            refused(
                store_label,
                "user_key",
                "'id'",
                lambda c=store_cls, s=store: c(s().engine, create_user=print, user_key="id"),
                "user_key is your users table's key column, with create_user",
            ),
        ]
        yes += [
            accepted(
                label,
                "store",
                store_label,
                lambda cls=cls, s=store: type(cls(s()).store).__name__,
                store_label,
            ),
            accepted(
                label,
                "signups",
                "False",
                lambda cls=cls, s=store: cls(s(), signups=False).signups,
                False,
            ),
            accepted(
                label,
                "clock",
                "fixed",
                lambda cls=cls, s=store: cls(s(), clock=lambda: NOW).clock(),
                NOW,
            ),
            accepted(
                store_label, "engine", "sqlite", lambda s=store: s().engine.dialect.name, "sqlite"
            ),
            accepted(
                store_label,
                "create_user",
                "with-user_key",
                lambda c=store_cls, s=store: sorted(
                    c(
                        s().engine,
                        create_user=print,
                        user_key=sqlalchemy.Column("id", sqlalchemy.Integer, primary_key=True),
                    ).metadata.tables
                ),
                ["chattz_accounts"],
            ),
            accepted(
                store_label,
                "user_key",
                "None",
                lambda s=store: sorted(s().metadata.tables),
                ["chattz_accounts", "chattz_users"],
            ),
            *(
                accepted(
                    store_label,
                    hook,
                    "function",
                    lambda c=store_cls, s=store, h=hook: type(c(s().engine, **{h: print})).__name__,
                    store_label,
                )
                for hook in ("is_active", "has_password")
            ),
        ]
    no += [
        refused(
            "DjangoStore",
            "using",
            "''",
            lambda: DjangoStore(using=""),
            "using must be a non-empty string, or None",
        ),
        refused(
            "AsyncDjangoStore",
            "store",
            "'default'",
            lambda: AsyncDjangoStore("default"),
            "store must be a DjangoStore or None, not str",
        ),
        refused(
            "AsyncDjangoStore",
            "using",
            "with-store",
            lambda: AsyncDjangoStore(DjangoStore(), using="other"),
            "using applies only without store: set it on that store",
        ),
    ]
    yes += [
        accepted(
            "DjangoStore", "using", "'other'", lambda: DjangoStore(using="other").using, "other"
        ),
        accepted(
            "AsyncDjangoStore",
            "store",
            "DjangoStore",
            lambda: AsyncDjangoStore(DjangoStore(using="x")).sync.using,
            "x",
        ),
        accepted(
            "AsyncDjangoStore",
            "using",
            "'other'",
            lambda: AsyncDjangoStore(using="other").sync.using,
            "other",
        ),
    ]
    return no, yes


def web_cases() -> tuple[list[Any], list[Any]]:
    """The web helpers: flows, their values, cookies, ChattzLogin, httpx-oauth."""
    cookies = LoginCookies(KEY)
    no: list[Any] = []
    yes: list[Any] = []
    flows: list[tuple[str, type, type, Callable[[], Any], str]] = [
        ("AsyncLoginFlow", AsyncLoginFlow, AsyncChattzOAuth, sqlite_store, "AsyncAccounts"),
        ("LoginFlow", LoginFlow, ChattzOAuth, sync_sqlite_store, "Accounts"),
    ]
    for label, cls, session, store, accounts in flows:
        engine = AsyncAccounts if accounts == "AsyncAccounts" else Accounts
        no += [
            refused(
                label,
                "chattz",
                "None",
                lambda cls=cls: cls(None, cookies),
                f"chattz must be a session ({session.__name__}), not NoneType",
            ),
            refused(
                label,
                "cookies",
                "key",
                lambda cls=cls, s=session: cls(s(ID, SECRET, CALLBACK), KEY),
                "cookies must be LoginCookies, not str",
            ),
            refused(
                label,
                "accounts",
                "'store'",
                lambda cls=cls, s=session: cls(s(ID, SECRET, CALLBACK), cookies, "store"),
                f"accounts must be {accounts} or None, not str",
            ),
        ]
        yes += [
            accepted(
                label,
                "chattz",
                session.__name__,
                lambda cls=cls, s=session: (
                    type(cls(s(ID, SECRET, CALLBACK), cookies).chattz).__name__
                ),
                session.__name__,
            ),
            accepted(
                label,
                "cookies",
                "LoginCookies",
                lambda cls=cls, s=session: cls(s(ID, SECRET, CALLBACK), cookies).cookies.name,
                "chattz_login",
            ),
            accepted(
                label,
                "accounts",
                accounts,
                lambda cls=cls, s=session, e=engine, st=store: (
                    type(cls(s(ID, SECRET, CALLBACK), cookies, e(st())).accounts).__name__
                ),
                accounts,
            ),
        ]
    no += [
        refused(
            "LoginResult",
            "token",
            "'AT'",
            lambda: LoginResult("AT", ChattzUser(9, "x"), None, LOGIN),
            "token must be a Token, not str",
        ),
        refused(
            "LoginResult",
            "user",
            "dict",
            lambda: LoginResult(TOKEN, USER, None, LOGIN),
            "user must be a ChattzUser, not dict",
        ),
        refused(
            "LoginResult",
            "next_url",
            "5",
            lambda: LoginResult(TOKEN, ChattzUser(9, "x"), 5, LOGIN),
            "next_url must be a str or None, not int",
        ),
        refused(
            "LoginResult",
            "login",
            "None",
            lambda: LoginResult(TOKEN, ChattzUser(9, "x"), None, None),
            "login must be a LoginRequest, not NoneType",
        ),
        refused(
            "LoginResult",
            "signed_in",
            "Account",
            lambda: LoginResult(TOKEN, ChattzUser(9, "x"), None, LOGIN, ACCOUNT),
            "signed_in must be a SignIn or None, not Account",
        ),
        refused(
            "LoginStart",
            "location",
            "''",
            lambda: LoginStart("", [], LOGIN),
            "location must be a non-empty string",
        ),
        refused(
            "LoginStart",
            "cookies",
            "tuple",
            lambda: LoginStart(LOGIN.url, (cookie(),), LOGIN),
            "cookies must be a list of SetCookie",
        ),
        refused(
            "LoginStart",
            "login",
            "None",
            lambda: LoginStart(LOGIN.url, [], None),
            "login must be a LoginRequest, not NoneType",
        ),
        refused(
            "LoginFinish",
            "result",
            "object()",
            lambda: LoginFinish(object(), None, []),
            "result must be a LoginResult or None, not object",
        ),
        refused(
            "LoginFinish",
            "error",
            "ValueError",
            lambda: LoginFinish(None, ValueError("x"), []),
            "error must be a ChattzOAuthError or None, not ValueError",
        ),
        refused(
            "LoginFinish",
            "error",
            "None-and-no-result",
            lambda: LoginFinish(None, None, []),
            RESULT_OR_ERROR,
        ),
        refused(
            "LoginFinish",
            "cookies",
            "[dict]",
            lambda: LoginFinish(None, StateMismatchError("x"), [{}]),
            "cookies must be a list of SetCookie",
        ),
        refused(
            "WebRequest",
            "url",
            "None",
            lambda: WebRequest(None, {}),
            "url must be a non-empty string",
        ),
        refused(
            "WebRequest",
            "cookies",
            "list",
            lambda: WebRequest(CALLBACK, [("a", "b")]),
            "cookies must be a mapping",
        ),
        *(
            refused(
                "WebRequest",
                "query",
                shown,
                lambda v=value: WebRequest(CALLBACK, {}, v),
                QUERY,
            )
            for shown, value in (
                ("str", "code=x"),
                ("dict", {"code": "x"}),
                ("5", 5),
                ("bytes-pairs", [(b"a", b"b")]),
                ("triples", [("a", "b", "c")]),
            )
        ),
    ]
    yes += [
        accepted("LoginResult", "token", "Token", lambda: result().token, TOKEN),
        accepted("LoginResult", "user", "ChattzUser", lambda: result().user, ChattzUser(9, "nine")),
        accepted("LoginResult", "next_url", "'/home'", lambda: result().next_url, "/home"),
        accepted("LoginResult", "login", "LoginRequest", lambda: result().link_user_id, None),
        accepted(
            "LoginResult",
            "signed_in",
            "SignIn",
            lambda: (
                LoginResult(
                    TOKEN, ChattzUser(9, "x"), None, LOGIN, SignIn(ACCOUNT, Outcome.CREATED)
                ).signed_in.user_id
            ),
            "7",
        ),
        accepted(
            "LoginStart",
            "location",
            "url",
            lambda: LoginStart(LOGIN.url, [], LOGIN).headers["Location"],
            LOGIN.url,
        ),
        accepted(
            "LoginStart",
            "cookies",
            "[SetCookie]",
            lambda: LoginStart(LOGIN.url, [cookie()], LOGIN).cookies,
            [cookie()],
        ),
        accepted(
            "LoginStart",
            "login",
            "LoginRequest",
            lambda: LoginStart(LOGIN.url, [], LOGIN).login,
            LOGIN,
        ),
        accepted(
            "LoginFinish",
            "result",
            "LoginResult",
            lambda: LoginFinish(result(), None, []).result_or_raise(),
            result(),
        ),
        accepted(
            "LoginFinish",
            "error",
            "StateMismatchError",
            lambda: LoginFinish(None, StateMismatchError("x"), []).error_page()[0],
            400,
        ),
        accepted(
            "LoginFinish",
            "cookies",
            "[SetCookie]",
            lambda: LoginFinish(result(), None, [cookie()]).cookies,
            [cookie()],
        ),
        accepted("WebRequest", "url", "callback", lambda: WebRequest(CALLBACK, {}).url, CALLBACK),
        accepted(
            "WebRequest",
            "cookies",
            "dict",
            lambda: WebRequest(CALLBACK, {"a": "b"}).cookies,
            {"a": "b"},
        ),
        accepted(
            "WebRequest",
            "query",
            "generator",
            lambda: WebRequest(CALLBACK, {}, (p for p in [("state", "a"), ("state", "b")])).states,
            ["a", "b"],
        ),
    ]
    no += [
        refused(
            "LoginCookies",
            "secret_key",
            "short",
            lambda: LoginCookies("short"),
            "secret_key must be at least 16 bytes (each key of a list too)",
        ),
        refused(
            "LoginCookies",
            "secret_key",
            "None",
            lambda: LoginCookies(None),
            "secret_key must be str or bytes, or a list of them",
        ),
        refused(
            "LoginCookies",
            "name",
            "'a;b'",
            lambda: LoginCookies(KEY, name="a;b"),
            "name must be ASCII letters, digits, '_' or '-'",
        ),
        refused(
            "LoginCookies",
            "name",
            "''",
            lambda: LoginCookies(KEY, name=""),
            "name must be ASCII letters, digits, '_' or '-'",
        ),
        refused(
            "LoginCookies",
            "path",
            "'app'",
            lambda: LoginCookies(KEY, path="app"),
            "path must be a path such as '/' (no ';', ',' or white space)",
        ),
        refused(
            "LoginCookies",
            "path",
            "'/a b'",
            lambda: LoginCookies(KEY, path="/a b"),
            "path must be a path such as '/' (no ';', ',' or white space)",
        ),
        *(
            refused(
                "LoginCookies",
                "max_age",
                shown,
                lambda v=value: LoginCookies(KEY, max_age=v),
                "max_age must be a whole number from 1 to 86,399",
            )
            for shown, value in (("0", 0), ("86400", 86_400), ("True", True), ("600.0", 600.0))
        ),
        refused(
            "LoginCookies",
            "secure",
            "'yes'",
            lambda: LoginCookies(KEY, secure="yes"),
            "secure must be True, False or None, not str",
        ),
        refused(
            "LoginCookies",
            "secure",
            "1",
            lambda: LoginCookies(KEY, secure=1),
            "secure must be True, False or None, not int",
        ),
        refused(
            "LoginCookies",
            "max_pending",
            "0",
            lambda: LoginCookies(KEY, max_pending=0),
            "max_pending must be a whole number >= 1",
        ),
        refused(
            "LoginCookies",
            "max_pending",
            "True",
            lambda: LoginCookies(KEY, max_pending=True),
            "max_pending must be a whole number >= 1",
        ),
        refused(
            "SetCookie",
            "name",
            "''",
            lambda: SetCookie("", "v", 1, "/", True),
            "name must be a non-empty string",
        ),
        refused(
            "SetCookie",
            "value",
            "None",
            lambda: SetCookie("n", None, 1, "/", True),
            "value must be a str, not NoneType",
        ),
        refused(
            "SetCookie",
            "max_age",
            "-1",
            lambda: SetCookie("n", "v", -1, "/", True),
            "max_age must be a whole number >= 0",
        ),
        refused(
            "SetCookie",
            "path",
            "''",
            lambda: SetCookie("n", "v", 1, "", True),
            "path must be a non-empty string",
        ),
        refused(
            "SetCookie",
            "secure",
            "None",
            lambda: SetCookie("n", "v", 1, "/", None),
            "secure must be True or False",
        ),
    ]
    yes += [
        accepted(
            "LoginCookies",
            "secret_key",
            "[new, old]",
            lambda: len(LoginCookies(["n" * 16, KEY]).keys),
            2,
        ),
        accepted(
            "LoginCookies",
            "name",
            "'my_login'",
            lambda: LoginCookies(KEY, name="my_login").name,
            "my_login",
        ),
        accepted(
            "LoginCookies", "path", "'/auth'", lambda: LoginCookies(KEY, path="/auth").path, "/auth"
        ),
        accepted(
            "LoginCookies",
            "max_age",
            "86399",
            lambda: LoginCookies(KEY, max_age=86_399).max_age,
            86_399,
        ),
        accepted(
            "LoginCookies",
            "secure",
            "None",
            lambda: LoginCookies(KEY).is_secure("http://127.0.0.1/"),
            False,
        ),
        accepted(
            "LoginCookies",
            "secure",
            "True",
            lambda: LoginCookies(KEY, secure=True).is_secure("http://127.0.0.1/"),
            True,
        ),
        accepted(
            "LoginCookies",
            "max_pending",
            "1",
            lambda: LoginCookies(KEY, max_pending=1).max_pending,
            1,
        ),
        accepted(
            "SetCookie",
            "name",
            "'n'",
            lambda: SetCookie("n", "v", 0, "/", False).header().split("=")[0],
            "n",
        ),
        accepted("SetCookie", "value", "''", lambda: SetCookie("n", "", 0, "/", False).value, ""),
        accepted(
            "SetCookie",
            "max_age",
            "0",
            lambda: SetCookie("n", "", 0, "/", False).attributes["max_age"],
            0,
        ),
        accepted(
            "SetCookie",
            "path",
            "'/a'",
            lambda: SetCookie("n", "", 0, "/a", False).attributes["path"],
            "/a",
        ),
        accepted(
            "SetCookie",
            "secure",
            "True",
            lambda: SetCookie("n", "", 0, "/", True).attributes["secure"],
            True,
        ),
    ]
    shared = AsyncChattzOAuth(ID, SECRET, CALLBACK)
    no += [
        refused(
            "ChattzLogin",
            "chattz",
            "sync-session",
            lambda: ChattzLogin(ChattzOAuth(ID, SECRET), secret_key=KEY),
            CHATTZ_LOGIN_CHATTZ,
        ),
        refused(
            "ChattzLogin",
            "secret_key",
            "b'short'",
            lambda: ChattzLogin(secret_key=b"short"),
            "secret_key must be at least 16 bytes (each key of a list too)",
        ),
        refused(
            "ChattzLogin",
            "cookie_name",
            "'a b'",
            lambda: ChattzLogin(secret_key=KEY, cookie_name="a b"),
            "cookie_name must be ASCII letters, digits, '_' or '-'",
        ),
        refused(
            "ChattzLogin",
            "cookie_path",
            "''",
            lambda: ChattzLogin(secret_key=KEY, cookie_path=""),
            "cookie_path must be a path such as '/' (no ';', ',' or white space)",
        ),
        refused(
            "ChattzLogin",
            "max_age",
            "0",
            lambda: ChattzLogin(secret_key=KEY, max_age=0),
            "max_age must be a whole number from 1 to 86,399",
        ),
        refused(
            "ChattzLogin",
            "secure",
            "'auto'",
            lambda: ChattzLogin(secret_key=KEY, secure="auto"),
            "secure must be True, False or None, not str",
        ),
        refused(
            "ChattzLogin",
            "max_pending",
            "0",
            lambda: ChattzLogin(secret_key=KEY, max_pending=0),
            "max_pending must be a whole number >= 1",
        ),
        refused(
            "ChattzLogin",
            "accounts",
            "'db'",
            lambda: ChattzLogin(secret_key=KEY, accounts="db"),
            CHATTZ_LOGIN_ACCOUNTS,
        ),
    ]
    yes += [
        accepted(
            "ChattzLogin",
            "chattz",
            "session",
            lambda: ChattzLogin(shared, secret_key=KEY).session_for(None),
            shared,
        ),
        accepted(
            "ChattzLogin",
            "chattz",
            "function",
            lambda: ChattzLogin(lambda: shared, secret_key=KEY).session_for(None),
            shared,
        ),
        accepted(
            "ChattzLogin",
            "secret_key",
            "str",
            lambda: ChattzLogin(secret_key=KEY).cookies.keys,
            [KEY.encode()],
        ),
        accepted(
            "ChattzLogin",
            "cookie_name",
            "'x'",
            lambda: ChattzLogin(secret_key=KEY, cookie_name="x").cookies.name,
            "x",
        ),
        accepted(
            "ChattzLogin",
            "cookie_path",
            "'/auth'",
            lambda: ChattzLogin(secret_key=KEY, cookie_path="/auth").cookies.path,
            "/auth",
        ),
        accepted(
            "ChattzLogin",
            "max_age",
            "60",
            lambda: ChattzLogin(secret_key=KEY, max_age=60).cookies.max_age,
            60,
        ),
        accepted(
            "ChattzLogin",
            "secure",
            "False",
            lambda: ChattzLogin(secret_key=KEY, secure=False).cookies.secure,
            False,
        ),
        accepted(
            "ChattzLogin",
            "max_pending",
            "2",
            lambda: ChattzLogin(secret_key=KEY, max_pending=2).cookies.max_pending,
            2,
        ),
        accepted(
            "ChattzLogin",
            "accounts",
            "AsyncAccounts",
            lambda: repr(ChattzLogin(secret_key=KEY, accounts=AsyncAccounts(sqlite_store()))),
            "ChattzLogin(LoginCookies(name='chattz_login', path='/', max_age=600, secure=None))",
        ),
    ]
    label = "httpx_oauth.ChattzOAuth2"
    no += [
        refused(
            label,
            "client_id",
            "''",
            lambda: ChattzOAuth2("", SECRET, CALLBACK),
            "client_id must be a non-empty string of printable ASCII",
        ),
        refused(
            label,
            "client_id",
            "other-than-session",
            lambda: ChattzOAuth2("other", "", "", session=shared),
            DIFFERS.format("client_id"),
        ),
        refused(
            label,
            "client_secret",
            "''",
            lambda: ChattzOAuth2(ID, "", CALLBACK),
            "client_secret must be a non-empty string",
        ),
        refused(
            label,
            "client_secret",
            "other-than-session",
            lambda: ChattzOAuth2("", "other", "", session=shared),
            DIFFERS.format("client_secret"),
        ),
        refused(
            label,
            "redirect_uri",
            "''",
            lambda: ChattzOAuth2(ID, SECRET, ""),
            "redirect_uri must be a non-empty URL string",
        ),
        refused(
            label,
            "redirect_uri",
            "other-than-session",
            lambda: ChattzOAuth2("", "", "https://other.example/cb", session=shared),
            DIFFERS.format("redirect_uri"),
        ),
        refused(
            label,
            "base_url",
            "http-public",
            lambda: ChattzOAuth2(ID, SECRET, CALLBACK, base_url="http://chattz.net"),
            PLAIN_HTTP.format("base_url"),
            InsecureTransportError,
        ),
        refused(
            label,
            "base_url",
            "other-than-session",
            lambda: ChattzOAuth2("", "", "", session=shared, base_url="https://chattz.test"),
            "base_url differs from the session's: with session=, leave it out",
        ),
        refused(
            label,
            "name",
            "''",
            lambda: ChattzOAuth2(ID, SECRET, CALLBACK, name=""),
            "name must be a non-empty string",
        ),
        refused(
            label,
            "session",
            "sync",
            lambda: ChattzOAuth2("", "", "", session=ChattzOAuth(ID, SECRET, CALLBACK)),
            "session must be an AsyncChattzOAuth or None, not ChattzOAuth",
        ),
        refused(
            label,
            "email_key",
            "5",
            lambda: ChattzOAuth2(ID, SECRET, CALLBACK, email_key=5),
            "email_key must be str or bytes or None, not int",
        ),
        refused(
            label,
            "email_key",
            "b''",
            lambda: ChattzOAuth2(ID, SECRET, CALLBACK, email_key=b""),
            "ChattzOAuth2's email_key must not be empty",
        ),
    ]
    yes += [
        accepted(
            label, "client_id", "'client'", lambda: ChattzOAuth2(ID, SECRET, CALLBACK).client_id, ID
        ),
        accepted(
            label,
            "client_secret",
            "'s3cr3t'",
            lambda: ChattzOAuth2(ID, SECRET, CALLBACK).client_secret,
            SECRET,
        ),
        accepted(
            label,
            "redirect_uri",
            "https",
            lambda: ChattzOAuth2(ID, SECRET, CALLBACK).redirect_uri,
            CALLBACK,
        ),
        accepted(
            label,
            "base_url",
            "fake",
            lambda: (
                ChattzOAuth2(
                    ID, SECRET, CALLBACK, base_url="https://chattz.test"
                ).access_token_endpoint
            ),
            "https://chattz.test/oauth/token",
        ),
        accepted(
            label,
            "name",
            "'chattz-staging'",
            lambda: ChattzOAuth2(ID, SECRET, CALLBACK, name="chattz-staging").name,
            "chattz-staging",
        ),
        accepted(
            label,
            "session",
            "session",
            lambda: ChattzOAuth2("", "", "", session=shared).redirect_uri,
            CALLBACK,
        ),
        accepted(
            label,
            "session",
            "same-values",
            lambda: ChattzOAuth2(ID, SECRET, CALLBACK, session=shared).session,
            shared,
        ),
        accepted(
            label,
            "email_key",
            "'k'",
            lambda: ChattzOAuth2(ID, SECRET, CALLBACK, email_key="k")._email_key,
            b"k",
        ),
    ]
    return no, yes


def fake_provider_cases() -> tuple[list[Any], list[Any]]:
    """FakeChattz and its values, FakeServer."""
    no = [
        refused(
            "FakeChattz",
            "base_url",
            "ftp",
            lambda: FakeChattz(base_url="ftp://chattz.test"),
            "base_url must be an absolute https:// URL",
        ),
        refused(
            "FakeChattz",
            "base_url",
            "http-public",
            lambda: FakeChattz(base_url="http://chattz.test"),
            PLAIN_HTTP.format("base_url"),
            InsecureTransportError,
        ),
        refused(
            "FakeChattz", "clock", "1e9", lambda: FakeChattz(clock=1e9), "clock must be a function"
        ),
        refused(
            "FakeChattz",
            "token_lifetime",
            "-1",
            lambda: FakeChattz(token_lifetime=-1),
            "token_lifetime must be a whole number from 0 to 3,153,600,000",
        ),
        refused(
            "FakeChattz",
            "token_lifetime",
            "True",
            lambda: FakeChattz(token_lifetime=True),
            "token_lifetime must be a whole number from 0 to 3,153,600,000",
        ),
        refused(
            "FakeChattz",
            "code_lifetime",
            "0",
            lambda: FakeChattz(code_lifetime=0),
            "code_lifetime must be a finite number of seconds > 0",
        ),
        refused(
            "FakeChattz",
            "code_lifetime",
            "nan",
            lambda: FakeChattz(code_lifetime=NAN),
            "code_lifetime must be a finite number of seconds > 0",
        ),
        refused(
            "FakeChattz",
            "issue_refresh_tokens",
            "'yes'",
            lambda: FakeChattz(issue_refresh_tokens="yes"),
            "issue_refresh_tokens must be True or False",
        ),
        refused(
            "FakeChattz",
            "rotate_refresh_tokens",
            "0",
            lambda: FakeChattz(rotate_refresh_tokens=0),
            "rotate_refresh_tokens must be True or False",
        ),
        refused(
            "FakeChattz",
            "auto_approve",
            "dict",
            lambda: FakeChattz(auto_approve=USER),
            "auto_approve must be True, False or a FakeUser, not dict",
        ),
        refused(
            "FakeChattz",
            "client_id",
            "''",
            lambda: FakeChattz(client_id=""),
            "client_id must be a non-empty string",
        ),
        refused(
            "FakeChattz",
            "client_secret",
            "None",
            lambda: FakeChattz(client_secret=None),
            "client_secret must be a non-empty string",
        ),
        refused(
            "FakeChattz",
            "redirect_uri",
            "''",
            lambda: FakeChattz(redirect_uri=""),
            "redirect_uri must be a non-empty string",
        ),
        refused(
            "FakeClient",
            "client_id",
            "5",
            lambda: FakeClient(5, SECRET, CALLBACK),
            "client_id must be a non-empty string",
        ),
        refused(
            "FakeClient",
            "client_secret",
            "''",
            lambda: FakeClient(ID, "", CALLBACK),
            "client_secret must be a non-empty string",
        ),
        refused(
            "FakeClient",
            "redirect_uri",
            "None",
            lambda: FakeClient(ID, SECRET, None),
            "redirect_uri must be a non-empty string",
        ),
        refused(
            "FakeResponse",
            "status",
            "0",
            lambda: FakeResponse(0, (), b""),
            "status must be a whole number from 100 to 599 (0 with drop=True)",
        ),
        refused(
            "FakeResponse",
            "status",
            "600",
            lambda: FakeResponse(600, (), b""),
            "status must be a whole number from 100 to 599 (0 with drop=True)",
        ),
        refused(
            "FakeResponse",
            "status",
            "'200'",
            lambda: FakeResponse("200", (), b""),
            "status must be a whole number from 100 to 599 (0 with drop=True)",
        ),
        refused(
            "FakeResponse",
            "headers",
            "dict",
            lambda: FakeResponse(200, {"a": "b"}, b""),
            "headers must be a tuple of (name, value) string pairs",
        ),
        refused(
            "FakeResponse",
            "body",
            "str",
            lambda: FakeResponse(200, (), "{}"),
            "body must be bytes, not str",
        ),
        refused(
            "FakeResponse",
            "delay",
            "-1",
            lambda: FakeResponse(200, (), b"", delay=-1),
            "delay must be a finite number of seconds >= 0",
        ),
        refused(
            "FakeResponse",
            "drop",
            "1",
            lambda: FakeResponse(200, (), b"", drop=1),
            "drop must be True or False",
        ),
        refused(
            "FakeServer", "handler", "None", lambda: FakeServer(None), "handler must be a function"
        ),
        refused(
            "FakeServer",
            "host",
            "'0.0.0.0'",
            lambda: FakeServer(print, "0.0.0.0"),
            LOOPBACK_ONLY,
        ),
        refused(
            "FakeServer",
            "port",
            "65536",
            lambda: FakeServer(print, port=65_536),
            "port must be a whole number from 0 to 65,535",
        ),
        refused(
            "FakeServer",
            "port",
            "'8000'",
            lambda: FakeServer(print, port="8000"),
            "port must be a whole number from 0 to 65,535",
        ),
        refused(
            "FakeServer",
            "on_url",
            "'x'",
            lambda: FakeServer(print, on_url="x"),
            "on_url must be a function, or None",
        ),
        refused(
            "FakeServer",
            "keep_alive",
            "None",
            lambda: FakeServer(print, keep_alive=None),
            "keep_alive must be True or False",
        ),
        refused(
            "FakeServer",
            "reuse_address",
            "1",
            lambda: FakeServer(print, reuse_address=1),
            "reuse_address must be True or False",
        ),
        refused(
            "FakeUser", "extra", "[]", lambda: FakeUser(9, "x", extra=[]), "extra must be a mapping"
        ),
        refused(
            "RecordedRequest",
            "method",
            "''",
            lambda: RecordedRequest("", "/", {}, {}, {}, b""),
            "method must be a non-empty string",
        ),
        refused(
            "RecordedRequest",
            "path",
            "None",
            lambda: RecordedRequest("GET", None, {}, {}, {}, b""),
            "path must be a str, not NoneType",
        ),
        *(
            refused(
                "RecordedRequest",
                name,
                "list",
                lambda name=name: RecordedRequest(
                    **{
                        "method": "GET",
                        "path": "/",
                        "query": {},
                        "headers": {},
                        "form": {},
                        "body": b"",
                        name: [],
                    }
                ),
                f"{name} must be a dict, not list",
            )
            for name in ("query", "headers", "form")
        ),
        refused(
            "RecordedRequest",
            "body",
            "str",
            lambda: RecordedRequest("GET", "/", {}, {}, {}, ""),
            "body must be bytes, not str",
        ),
    ]
    yes = [
        accepted(
            "FakeChattz",
            "base_url",
            "trailing-slash",
            lambda: FakeChattz(base_url="https://fake.example/").base_url,
            "https://fake.example",
        ),
        accepted("FakeChattz", "clock", "fixed", lambda: FakeChattz(clock=lambda: 5.0).now(), 5.0),
        accepted(
            "FakeChattz",
            "token_lifetime",
            "0",
            lambda: FakeChattz(token_lifetime=0).token_lifetime,
            0,
        ),
        accepted(
            "FakeChattz",
            "code_lifetime",
            "0.5",
            lambda: FakeChattz(code_lifetime=0.5).code_lifetime,
            0.5,
        ),
        accepted(
            "FakeChattz",
            "issue_refresh_tokens",
            "True",
            lambda: FakeChattz(issue_refresh_tokens=True).issue_refresh_tokens,
            True,
        ),
        accepted(
            "FakeChattz",
            "rotate_refresh_tokens",
            "False",
            lambda: FakeChattz(rotate_refresh_tokens=False).rotate_refresh_tokens,
            False,
        ),
        accepted(
            "FakeChattz",
            "auto_approve",
            "FakeUser",
            lambda: FakeChattz(auto_approve=FakeUser(5, "five")).auto_approve,
            FakeUser(5, "five"),
        ),
        accepted(
            "FakeChattz",
            "client_id",
            "'app'",
            lambda: FakeChattz(client_id="app").client.client_id,
            "app",
        ),
        accepted(
            "FakeChattz",
            "client_secret",
            "'pw'",
            lambda: FakeChattz(client_secret="pw").client.client_secret,
            "pw",
        ),
        accepted(
            "FakeChattz",
            "redirect_uri",
            "https",
            lambda: FakeChattz(redirect_uri=CALLBACK).client.redirect_uri,
            CALLBACK,
        ),
        accepted(
            "FakeClient",
            "client_id",
            "'client'",
            lambda: FakeClient(ID, SECRET, CALLBACK).client_id,
            ID,
        ),
        accepted(
            "FakeClient",
            "client_secret",
            "hidden",
            lambda: SECRET in repr(FakeClient(ID, SECRET, CALLBACK)),
            False,
        ),
        accepted(
            "FakeClient",
            "redirect_uri",
            "https",
            lambda: FakeClient(ID, SECRET, CALLBACK).redirect_uri,
            CALLBACK,
        ),
        accepted(
            "FakeResponse",
            "status",
            "0-dropped",
            lambda: FakeResponse(0, (), b"", drop=True).status,
            0,
        ),
        accepted(
            "FakeResponse",
            "headers",
            "pairs",
            lambda: FakeResponse(200, (("Content-Type", "a/b"),), b"").header("content-type"),
            "a/b",
        ),
        accepted(
            "FakeResponse",
            "body",
            "json",
            lambda: json.loads(FakeResponse(200, (), b'{"a": 1}').body),
            {"a": 1},
        ),
        accepted(
            "FakeResponse", "delay", "0.5", lambda: FakeResponse(200, (), b"", delay=0.5).delay, 0.5
        ),
        accepted(
            "FakeResponse", "drop", "True", lambda: FakeResponse(200, (), b"", drop=True).drop, True
        ),
        accepted("FakeServer", "handler", "print", lambda: FakeServer(print).handler, print),
        accepted("FakeServer", "host", "'::1'", lambda: FakeServer(print, "::1").host, "::1"),
        accepted("FakeServer", "port", "0", lambda: FakeServer(print, port=0).port, 0),
        accepted(
            "FakeServer", "on_url", "print", lambda: FakeServer(print, on_url=print)._on_url, print
        ),
        accepted(
            "FakeServer",
            "keep_alive",
            "False",
            lambda: FakeServer(print, keep_alive=False).keep_alive,
            False,
        ),
        accepted(
            "FakeServer",
            "reuse_address",
            "True",
            lambda: FakeServer(print, reuse_address=True).reuse_address,
            True,
        ),
        accepted(
            "FakeUser",
            "extra",
            "{'plan':'pro'}",
            lambda: FakeUser(9, "x", extra={"plan": "pro"}).userinfo()["plan"],
            "pro",
        ),
        accepted(
            "RecordedRequest",
            "method",
            "'POST'",
            lambda: RecordedRequest("POST", "/", {}, {}, {}, b"").method,
            "POST",
        ),
        accepted(
            "RecordedRequest",
            "path",
            "'/oauth/token'",
            lambda: RecordedRequest("POST", "/oauth/token", {}, {}, {}, b"").path,
            "/oauth/token",
        ),
        *(
            accepted(
                "RecordedRequest",
                name,
                "dict",
                lambda name=name: getattr(
                    RecordedRequest(
                        **{
                            "method": "GET",
                            "path": "/",
                            "query": {},
                            "headers": {},
                            "form": {},
                            "body": b"",
                            name: {"a": "b"},
                        }
                    ),
                    name,
                ),
                {"a": "b"},
            )
            for name in ("query", "headers", "form")
        ),
        accepted(
            "RecordedRequest",
            "body",
            "bytes",
            lambda: RecordedRequest("GET", "/", {}, {}, {}, b"x").body,
            b"x",
        ),
    ]
    return no, yes


def all_cases() -> tuple[list[Any], list[Any]]:
    no: list[Any] = []
    yes: list[Any] = []
    for more_no, more_yes in (
        *session_cases(),
        *user_cases(),
        value_cases(),
        observability_and_account_cases(),
        web_cases(),
        fake_provider_cases(),
    ):
        no += more_no
        yes += more_yes
    return no, yes


REFUSED, ACCEPTED = all_cases()
CASE_ID = re.compile(r"^(?P<label>[\w.]+)\((?P<argument>\w+)=")


def covered(cases: list[Any]) -> set[tuple[str, str]]:
    """The ``(label, argument)`` pairs that ``cases`` exercise, read from their ids."""
    found = set()
    for case in cases:
        match = CASE_ID.match(case.id)
        assert match, case.id
        found.add((match["label"], match["argument"]))
    return found


# --- the tests --------------------------------------------------------------------------------


def test_the_inventory_lists_every_public_class_and_argument() -> None:
    """A public class, or an argument of one, added without cases fails here."""
    classes = public_classes()
    listed = {label for label in INVENTORY if "." not in label or label in QUALIFIED.values()}
    actual = {}
    for label, cls in classes.items():
        if label in NOT_BUILT_BY_USERS:
            continue
        actual[label] = arguments(cls)
    factories = {
        label: arguments(getattr(classes[label.rsplit(".", 1)[0]], label.rsplit(".", 1)[1]))
        for label in INVENTORY
        if label not in listed
    }
    assert (set(), sorted(actual), actual, factories) == (
        set(NOT_BUILT_BY_USERS) - set(classes),
        sorted(listed),
        {label: INVENTORY[label] for label in listed},
        {label: INVENTORY[label] for label in factories},
    )


def test_every_argument_has_a_refused_and_an_accepted_case() -> None:
    """Each inventoried argument has at least one value refused and one accepted."""
    wanted = {(label, argument) for label, names in INVENTORY.items() for argument in names}
    assert (set(), set(), set(), set()) == (
        wanted - covered(REFUSED),
        wanted - covered(ACCEPTED),
        covered(REFUSED) - wanted,
        covered(ACCEPTED) - wanted,
    )


def test_completed_logins_takes_no_argument() -> None:
    """CompletedLogins() is built with nothing, and anything passed is Python's TypeError."""
    with pytest.raises(TypeError):
        CompletedLogins(10_000)  # type: ignore[call-arg]
    assert () == INVENTORY["CompletedLogins"]


@pytest.mark.parametrize(("build", "error", "message"), REFUSED)
def test_a_wrong_value_is_refused_when_built(build: Build, error: type, message: str) -> None:
    """The value raises exactly this error, naming the argument and what it may be."""
    with pytest.raises(ConfigurationError if error is ConfigurationError else Exception) as caught:
        build()
    assert (error, message) == (type(caught.value), str(caught.value))


@pytest.mark.parametrize(("read", "expected"), ACCEPTED)
def test_a_right_value_is_accepted_and_used(read: Build, expected: object) -> None:
    """The object builds, and reading the value back (or using it) gives this."""
    assert expected == read()
