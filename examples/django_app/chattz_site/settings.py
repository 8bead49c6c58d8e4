"""Settings of the example project: the accounts app on SQLite, and cookies Secure in production.

From the environment: APP_SECRET_KEY, CHATTZ_CLIENT_ID, CHATTZ_CLIENT_SECRET,
CHATTZ_REDIRECT_URI, optional CHATTZ_BASE_URL, DJANGO_DEBUG=1 for plain http on
this machine, DJANGO_ALLOWED_HOSTS (comma-separated), APP_DATABASE (the SQLite
file; ``db.sqlite3`` next to manage.py by default). Create the tables with
``python manage.py migrate`` (``run.py`` does).
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
SECRET_KEY = os.environ["APP_SECRET_KEY"]  # also seals the login cookie (CHATTZ_LOGIN_SECRET_KEY)
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "chattz_oauth_async.integrations.django",  # the Chattz accounts (ChattzAccount)
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("APP_DATABASE", str(BASE_DIR / "db.sqlite3")),
        # Concurrent logins wait for SQLite's write lock (seconds) rather than fail.
        "OPTIONS": {"timeout": 20},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "chattz_site.urls"
USE_TZ = True
TIME_ZONE = "UTC"

# Sessions in the database (a logout ends them on the server). Every cookie is Secure,
# with the __Host- prefix, except in development over plain http.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_NAME = "__Host-sessionid" if SESSION_COOKIE_SECURE else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if CSRF_COOKIE_SECURE else "csrftoken"
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"

# Read from the first login on (an unset one fails it with a ConfigurationError naming it), so
# pytest-django can import these settings for tests that set them (the chattz_settings fixture).
CHATTZ_CLIENT_ID = os.environ.get("CHATTZ_CLIENT_ID")
CHATTZ_CLIENT_SECRET = os.environ.get("CHATTZ_CLIENT_SECRET")
CHATTZ_REDIRECT_URI = os.environ.get("CHATTZ_REDIRECT_URI")  # http://127.0.0.1:8000/callback here
CHATTZ_BASE_URL = os.environ.get("CHATTZ_BASE_URL")  # None: https://chattz.net
# No CHATTZ_ON_SUCCESS: the callback signs the Chattz user in to a Django user of their own
# (created at the first login) with django.contrib.auth.login, then goes to next or here:
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "/login"  # where the link form sends a visitor who is not signed in
LOGOUT_REDIRECT_URL = "/"
CHATTZ_SIGNUPS = True  # False: only Chattz users linked already may sign in
