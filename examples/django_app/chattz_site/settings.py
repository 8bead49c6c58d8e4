"""Settings of the example project: the CHATTZ_* settings and cookies that are Secure in production.

From the environment: APP_SECRET_KEY, CHATTZ_CLIENT_ID, CHATTZ_CLIENT_SECRET,
CHATTZ_REDIRECT_URI, optional CHATTZ_BASE_URL, DJANGO_DEBUG=1 for plain http on
this machine, DJANGO_ALLOWED_HOSTS (comma-separated).
"""

import os

DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
SECRET_KEY = os.environ["APP_SECRET_KEY"]  # also seals the login cookie (CHATTZ_LOGIN_SECRET_KEY)
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")

INSTALLED_APPS: list[str] = []  # no database: the user lives in a signed-cookie session
DATABASES: dict[str, dict[str, str]] = {}
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
ROOT_URLCONF = "chattz_site.urls"
USE_TZ = True
TIME_ZONE = "UTC"

# Every cookie is Secure, with the __Host- prefix, except in development over plain http.
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_NAME = "__Host-sessionid" if SESSION_COOKIE_SECURE else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if CSRF_COOKIE_SECURE else "csrftoken"
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"

CHATTZ_CLIENT_ID = os.environ["CHATTZ_CLIENT_ID"]
CHATTZ_CLIENT_SECRET = os.environ["CHATTZ_CLIENT_SECRET"]
CHATTZ_REDIRECT_URI = os.environ["CHATTZ_REDIRECT_URI"]  # http://127.0.0.1:8000/callback here
CHATTZ_BASE_URL = os.environ.get("CHATTZ_BASE_URL")  # None: https://chattz.net
CHATTZ_ON_SUCCESS = "chattz_site.views.logged_in"
