"""A Django app for one test: a user model keyed on the e-mail (``USERNAME_FIELD = "email"``).

Installed only in the subprocess of ``tests/test_django_custom_users.py``, whose settings
set ``AUTH_USER_MODEL = "django_email_users.User"``; no migrations (``migrate --run-syncdb``).
"""
