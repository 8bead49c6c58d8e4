"""The example's URLs: the integration's login and callback views, and two pages."""

from django.urls import path

from chattz_oauth_async.integrations import django as chattz

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    # Sync views on ChattzOAuth; under ASGI, async_login_view/async_callback_view instead.
    path("login", chattz.login_view, name="chattz-login"),  # ?next=/path
    path("callback", chattz.callback_view, name="chattz-callback"),  # CHATTZ_REDIRECT_URI
    path("logout", views.logout, name="logout"),
]
