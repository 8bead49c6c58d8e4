"""Django settings of a site that runs python-social-auth with the Chattz backend.

``associate_by_email`` is in the pipeline, as on a site that enabled it for another
provider (the pipeline is global): the Chattz backend must stay safe under it. The
Chattz client (``SOCIAL_AUTH_CHATTZ_*``) is set by each test, pointing at the fake.
"""

from __future__ import annotations

import warnings

from social_core.pipeline import DEFAULT_AUTH_PIPELINE

# python3-openid (a social-core dependency) imports defusedxml.cElementTree, deprecated:
# imported here once, before Django loads social_django, with that one warning ignored.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "defusedxml.cElementTree", DeprecationWarning)
    import social_core.store  # noqa: F401

SECRET_KEY = "social-auth-stack-test-key-" * 3
DEBUG = False
ALLOWED_HOSTS = ["testserver"]
USE_TZ = True
ROOT_URLCONF = "tests.stacks.social_django.urls"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "social_django",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Turns social-core's exceptions into a redirect to LOGIN_ERROR_URL with a message.
    "social_django.middleware.SocialAuthExceptionMiddleware",
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
    "chattz_oauth_async.integrations.social_core.ChattzOAuth2",
    "django.contrib.auth.backends.ModelBackend",
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_REDIRECT_URL = "/me/"
SOCIAL_AUTH_LOGIN_ERROR_URL = "/login-error/"
SOCIAL_AUTH_JSONFIELD_ENABLED = True
# The e-mail association step, enabled (for some other provider): global to every backend.
_pipeline = list(DEFAULT_AUTH_PIPELINE)
_pipeline.insert(
    _pipeline.index("social_core.pipeline.user.create_user"),
    "social_core.pipeline.social_auth.associate_by_email",
)
SOCIAL_AUTH_PIPELINE = tuple(_pipeline)
