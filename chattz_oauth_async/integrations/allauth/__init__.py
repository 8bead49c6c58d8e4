"""A django-allauth provider for Chattz: ``"chattz_oauth_async.integrations.allauth"``.

Add the app to ``INSTALLED_APPS`` after ``allauth.socialaccount``; allauth
imports its ``provider`` module and finds the provider ``chattz``, whose
login and callback URLs allauth's own ``urls.py`` includes
(``/accounts/chattz/login/`` and ``/accounts/chattz/login/callback/``).
Configure it in ``SOCIALACCOUNT_PROVIDERS["chattz"]``::

    SOCIALACCOUNT_PROVIDERS = {
        "chattz": {
            "APP": {"client_id": "...", "secret": "..."},
            "REDIRECT_URI": "https://example.com/accounts/chattz/login/callback/",
        }
    }

What it decides for you (``docs/stacks/allauth.md`` says why):

- the uid is the Chattz id; the Chattz e-mail never becomes ``User.email`` or
  an allauth ``EmailAddress`` (it is kept, unverified, in
  ``SocialAccount.extra_data`` only), whatever ``VERIFIED_EMAIL`` or the site
  adapter says, so e-mail authentication and auto-connect never act on it;
- the callback URL is ``REDIRECT_URI``, never one built from the request;
- PKCE (S256) is on unless ``OAUTH_PKCE_ENABLED`` is False;
- the code exchange and userinfo go through this library's sync session
  (:class:`~chattz_oauth_async.ChattzOAuth`: size caps, typed errors,
  retries, no proxy from the environment), and every failure becomes
  allauth's own authentication-error page, logged with what went wrong;
- the profile fields are cleaned (:class:`~chattz_oauth_async.accounts.Profile`)
  before they reach allauth's user and ``SocialAccount.extra_data``;
- no token login for headless app clients: nothing shows which client a
  Chattz token was issued to, so headless apps use the provider redirect.

Importing this package imports nothing of allauth (the ``provider`` and
``views`` modules need a configured Django project).
"""

from __future__ import annotations

__all__: list[str] = []
