import pytest
from django.test import Client


@pytest.fixture
def browser():
    return Client(enforce_csrf_checks=True)  # CSRF checked, as for a real browser


@pytest.mark.django_db
def test_login_account_page_logout(browser, fake_chattz, chattz_settings):
    page = fake_chattz.login(browser, "/chattz/login/", next="/account/")
    assert page.status_code == 200
    assert page.content.startswith(b"<h1>Hello, John Doe</h1>")
    fake_chattz.logout(browser, "/logout/", from_page="/account/")  # clicks "Log out"
    assert browser.get("/account/")["Location"] == "/chattz/login/?next=/account/"


@pytest.mark.django_db
def test_deny_signs_nobody_in(browser, fake_chattz, chattz_settings):
    page = fake_chattz.login(browser, "/chattz/login/", approve=False)  # clicks "Deny"
    assert page.status_code == 400
    assert browser.get("/account/").status_code == 302  # still a visitor
