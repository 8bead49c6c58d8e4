"""The example's URLs: the integration's login, callback and logout views, and the home page."""

from django.urls import path

from chattz_oauth_async.integrations import django as chattz

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    # Sync views; under ASGI, async_login_view/async_callback_view/async_logout_view work too.
    path("login", chattz.login_view, name="chattz-login"),  # ?next=/path
    path("callback", chattz.callback_view, name="chattz-callback"),  # CHATTZ_REDIRECT_URI
    path("logout", chattz.logout_view, name="logout"),  # POST, with the CSRF token
]
