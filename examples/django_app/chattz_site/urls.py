"""The example's URLs: the integration's login, link, unlink, callback, logout views; the page."""

from django.urls import path

from chattz_oauth_async.integrations import django as chattz

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    # Sync views; under ASGI, async_login_view/async_callback_view/async_logout_view work too.
    path("login", chattz.login_view, name="chattz-login"),  # ?next=/path
    path("callback", chattz.callback_view, name="chattz-callback"),  # CHATTZ_REDIRECT_URI
    # POST, with the CSRF token: links another Chattz account to the signed-in user. A GET
    # /login never links (a forced navigation there must not attach a stranger's account).
    path("login/link", chattz.link_view, name="chattz-link"),
    # POST chattz_id, with the CSRF token: removes one link (never the user's last way in).
    path("login/unlink", chattz.unlink_view, name="chattz-unlink"),
    path("logout", chattz.logout_view, name="logout"),  # POST, with the CSRF token
]
