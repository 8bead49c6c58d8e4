"""Django settings of a site that runs django-allauth with the Chattz provider.

E-mail authentication and auto-connect are on, as on a site that trusts its other
providers' verified addresses: the Chattz provider must stay safe under them. The
Chattz app itself (``SOCIALACCOUNT_PROVIDERS["chattz"]``) is set by each test, pointing at
the fake provider.
"""

from __future__ import annotations

SECRET_KEY = "allauth-stack-test-key-" * 3
DEBUG = False
ALLOWED_HOSTS = ["testserver"]
USE_TZ = True
ROOT_URLCONF = "tests.stacks.allauth.urls"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "chattz_oauth_async.integrations.allauth",
    # Stands in for a provider that verifies e-mail (Google...) in the takeover tests.
    "allauth.socialaccount.providers.dummy",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_REDIRECT_URL = "/me/"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# What makes e-mail takeovers possible with a provider that hands out unverified addresses:
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_PROVIDERS: dict[str, object] = {}
