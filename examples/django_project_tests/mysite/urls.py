from django.urls import path

from chattz_oauth_async.integrations import django as chattz

from . import views

urlpatterns = [
    path("chattz/login/", chattz.login_view, name="chattz-login"),  # ?next=/account/
    path("chattz/callback/", chattz.callback_view, name="chattz-callback"),
    path("chattz/link/", chattz.link_view, name="chattz-link"),  # POST only
    path("chattz/unlink/", chattz.unlink_view, name="chattz-unlink"),  # POST only
    path("logout/", chattz.logout_view, name="logout"),  # POST only
    path("account/", views.account, name="account"),
]
