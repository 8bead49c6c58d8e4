"""The pytest11 plugin: a user's test file gets the fixtures with no conftest."""

from __future__ import annotations

import pytest

from chattz_oauth_async.testing import pytest_plugin

pytest_plugins = ["pytester"]

USER_TESTS = """
import pytest

from chattz_oauth_async import AsyncChattzOAuth, ChattzOAuth
from chattz_oauth_async.testing import FakeChattz


async def my_app_login(chattz: AsyncChattzOAuth, fake: FakeChattz) -> str:
    login = chattz.start_login()
    token = await chattz.complete_login(fake.authorize(login.url), login)
    return (await chattz.userinfo(token)).username


@pytest.mark.anyio
async def test_async_login(fake_chattz: FakeChattz, chattz_session: AsyncChattzOAuth) -> None:
    assert "johndoe" == await my_app_login(chattz_session, fake_chattz)
    assert "/oauth/token" == fake_chattz.requests[2].path


def test_sync_login(fake_chattz: FakeChattz, sync_chattz_session: ChattzOAuth) -> None:
    login = sync_chattz_session.start_login()
    token = sync_chattz_session.complete_login(fake_chattz.authorize(login.url), login)
    assert "johndoe" == sync_chattz_session.userinfo(token).username


def test_each_test_gets_a_fresh_fake(fake_chattz: FakeChattz) -> None:
    assert [] == fake_chattz.requests
"""


def test_fixtures_work_without_a_conftest(pytester: pytest.Pytester) -> None:
    """A user's test file using fake_chattz, chattz_session and sync_chattz_session passes."""
    pytester.makepyfile(test_user_app=USER_TESTS)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:asyncio", "-W", "error", "-v"
    )
    result.stdout.fnmatch_lines(["*test_async_login?asyncio? PASSED*"])
    result.assert_outcomes(passed=4)  # anyio runs the async test on asyncio and trio


def test_chattz_session_is_closed_after_the_test(pytester: pytest.Pytester) -> None:
    """chattz_session's HTTP client is closed once the test is over."""
    pytester.makepyfile(
        test_closing="""
import pytest

seen = []

@pytest.fixture
def anyio_backend():
    return "asyncio"

@pytest.mark.anyio
async def test_uses_session(chattz_session):
    seen.append(chattz_session)
    assert not chattz_session.http_client.is_closed

def test_afterwards():
    assert [True] == [s.http_client.is_closed for s in seen]
"""
    )
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:asyncio", "-W", "error"
    )
    result.assert_outcomes(passed=2)


def test_fixtures_are_listed(pytester: pytest.Pytester) -> None:
    """pytest --fixtures shows each of the plugin's fixtures (in pytest's order, which varies)."""
    result = pytester.runpytest_subprocess("--fixtures", "-p", "no:cacheprovider")
    listed = {line.split(" -- ")[0] for line in result.stdout.lines if " -- " in line}
    expected = set(pytest_plugin.__all__)
    assert expected == expected & listed


ENV_TESTS = """
import os

import pytest

from chattz_oauth_async import ChattzOAuth


@pytest.fixture
def chattz_redirect_uri():
    return "https://app.example/auth/callback"


def test_overridden_redirect_uri_is_the_clients(fake_chattz):
    assert "https://app.example/auth/callback" == fake_chattz.client.redirect_uri


def test_chattz_env_serves_the_same_fake(fake_chattz, chattz_env):
    assert fake_chattz.base_url == os.environ["CHATTZ_BASE_URL"] == chattz_env["CHATTZ_BASE_URL"]
    assert "https://app.example/auth/callback" == os.environ["CHATTZ_REDIRECT_URI"]
    with ChattzOAuth.from_env() as chattz:
        login = chattz.start_login()
        token = chattz.complete_login(fake_chattz.authorize(login.url), login)
        assert "johndoe" == chattz.userinfo(token).username
    assert ["GET", "POST", "POST", "GET"] == [r.method for r in fake_chattz.requests]
    assert "/oauth/userinfo" == fake_chattz.requests[-1].path


def test_issue_token_and_several_users(fake_chattz, sync_chattz_session):
    alice = fake_chattz.add_user(id=2, username="alice")
    assert "alice" == sync_chattz_session.userinfo(fake_chattz.issue_token(alice)).username
"""


def test_redirect_uri_env_and_issue_token_fixtures(pytester: pytest.Pytester) -> None:
    """chattz_redirect_uri is overridable; chattz_env serves fake_chattz itself, sets CHATTZ_*."""
    pytester.makepyfile(test_env=ENV_TESTS)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:asyncio", "-W", "error"
    )
    result.assert_outcomes(passed=3)


ASYNCIO_TESTS = """
import pytest


@pytest.mark.asyncio
async def test_async_login(fake_chattz, chattz_session):
    login = chattz_session.start_login()
    token = await chattz_session.complete_login(fake_chattz.authorize(login.url), login)
    assert "johndoe" == (await chattz_session.userinfo(token)).username


@pytest.mark.asyncio
async def test_env_and_session_together(fake_chattz, chattz_env, chattz_session):
    token = fake_chattz.issue_token()
    assert 123 == (await chattz_session.userinfo(token)).id


def test_sync_login(fake_chattz, sync_chattz_session):
    login = sync_chattz_session.start_login()
    token = sync_chattz_session.complete_login(fake_chattz.authorize(login.url), login)
    assert "johndoe" == sync_chattz_session.userinfo(token).username
"""


@pytest.mark.parametrize("mode", ["strict", "auto"])
def test_fixtures_under_pytest_asyncio(pytester: pytest.Pytester, mode: str) -> None:
    """Under pytest-asyncio (strict or auto mode) the fixtures pass with warnings as errors."""
    pytester.makeini(
        f"""
[pytest]
asyncio_mode = {mode}
asyncio_default_fixture_loop_scope = function
"""
    )
    pytester.makepyfile(test_asyncio_user=ASYNCIO_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(passed=3)


DJANGO_SETTINGS = """
SECRET_KEY = "tests-only-not-a-secret-" * 2
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
ROOT_URLCONF = "site_urls"
USE_TZ = True
"""

DJANGO_TESTS = """
import pytest
from django.urls import path

from chattz_oauth_async.integrations import django as chattz

urlpatterns = [path("auth/chattz/done/", chattz.callback_view, name="chattz-callback")]


def test_settings_point_at_the_served_fake(fake_chattz, chattz_settings, settings):
    assert fake_chattz.base_url == settings.CHATTZ_BASE_URL == chattz_settings["CHATTZ_BASE_URL"]
    assert fake_chattz.base_url.startswith("http://127.0.0.1:")
    uri = "https://testserver/auth/chattz/done/"   # Django's test client, the named URL
    assert (uri, uri) == (settings.CHATTZ_REDIRECT_URI, fake_chattz.client.redirect_uri)
    assert ("test-client", "test-secret") == (
        settings.CHATTZ_CLIENT_ID, settings.CHATTZ_CLIENT_SECRET
    )


@pytest.mark.urls("fallback_urls")
def test_without_a_named_callback_the_redirect_uri_is_chattz_redirect_uri(
    fake_chattz, chattz_settings, settings
):
    uri = "http://127.0.0.1:8000/callback"
    assert (uri, uri) == (settings.CHATTZ_REDIRECT_URI, fake_chattz.client.redirect_uri)


def test_settings_are_restored_after_the_test(settings):
    assert [] == [name for name in dir(settings) if name.startswith("CHATTZ_")]
"""


def test_chattz_settings_points_django_at_the_fake(pytester: pytest.Pytester) -> None:
    """chattz_settings: the served fake, the named callback on testserver; restored after."""
    pytester.makeini("[pytest]\nDJANGO_SETTINGS_MODULE = site_settings\npythonpath = .\n")
    pytester.makepyfile(
        site_settings=DJANGO_SETTINGS,
        site_urls="from test_django_site import urlpatterns  # noqa: F401\n",
        fallback_urls="urlpatterns = []\n",
        test_django_site=DJANGO_TESTS,
    )
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:asyncio", "-p", "no:randomly", "-W", "error"
    )
    result.assert_outcomes(passed=3)


def test_chattz_settings_without_pytest_django_says_what_to_install(
    pytester: pytest.Pytester,
) -> None:
    """Without pytest-django, chattz_settings fails with what to install, not a lookup error."""
    pytester.makepyfile(test_no_django="def test_it(chattz_settings):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:django")
    result.stdout.fnmatch_lines(
        ["*chattz_settings sets Django's settings through pytest-django's `settings` fixture*"]
    )
    result.assert_outcomes(errors=1)
