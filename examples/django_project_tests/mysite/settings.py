import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY")  # required: Django refuses to run without
DEBUG = False
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "chattz_oauth_async.integrations.django",  # the Chattz accounts
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "mysite.urls"
DATABASES = {
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"},
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
# Secure cookies, unless the redirect URI is plain http (127.0.0.1 against the fake provider,
# where a browser would drop Secure cookies and every login would start over).
local = os.environ.get("CHATTZ_REDIRECT_URI", "").startswith("http:")  # http: loopback only
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not local

# The Chattz client, from the environment, used from the first login on: one left unset
# fails it with ConfigurationError("set CHATTZ_CLIENT_ID in the Django settings").
# In tests, the chattz_settings fixture sets all four.
CHATTZ_CLIENT_ID = os.environ.get("CHATTZ_CLIENT_ID")
CHATTZ_CLIENT_SECRET = os.environ.get("CHATTZ_CLIENT_SECRET")
CHATTZ_REDIRECT_URI = os.environ.get("CHATTZ_REDIRECT_URI")  # exactly as registered
CHATTZ_BASE_URL = os.environ.get("CHATTZ_BASE_URL")  # unset: https://chattz.net
LOGIN_URL = "/chattz/login/"  # where @login_required sends a visitor
LOGIN_REDIRECT_URL = "/account/"  # after a login without ?next=
LOGOUT_REDIRECT_URL = "/"
