"""Django system checks: what ``manage.py check`` (and ``runserver``) can tell before a login.

Registered when the integration loads (its app's ``ready()``, or the first
import of :mod:`chattz_oauth_async.integrations.django`):

- ``chattz_oauth_async.E001``: a required ``CHATTZ_*`` setting is missing or empty;
- ``chattz_oauth_async.E002``: ``CHATTZ_CLIENT_SECRET`` or ``CHATTZ_CLIENT_ID`` starts or
  ends with whitespace (a value read from a file keeps its newline; Chattz refuses it
  as ``invalid_client``);
- ``chattz_oauth_async.E003``: the session cannot be built from the settings (a
  ``CHATTZ_REDIRECT_URI`` that is not an absolute http(s) URL, plain http to a host
  that is not loopback, a bad ``CHATTZ_BASE_URL`` or ``CHATTZ_SESSION_OPTIONS``);
- ``chattz_oauth_async.W004``: the default sign-in (no ``CHATTZ_ON_SUCCESS``) needs
  ``"chattz_oauth_async.integrations.django"`` and ``django.contrib.auth`` in INSTALLED_APPS;
- ``chattz_oauth_async.E006``: ``CHATTZ_ON_SUCCESS`` is not the dotted path of a function
  (a typo, a module that does not import);
- ``chattz_oauth_async.E007``: ``CHATTZ_LOGIN_SECRET_KEY`` (or ``SECRET_KEY``),
  ``CHATTZ_LOGIN_MAX_AGE``, ``CHATTZ_COOKIE_SECURE`` or ``CHATTZ_SIGNUPS`` is a value the
  views refuse (``"false"`` from an environment variable);
- ``chattz_oauth_async.W005`` (a database check: ``manage.py check --database default``):
  the accounts app has unapplied migrations (run ``manage.py migrate``). Not raised while
  ``migrate`` itself runs the checks, just before it applies them (``migrate otherapp``,
  ``--plan`` and ``--check`` still say it).

No check ever prints a setting's value.
"""

from __future__ import annotations

import sys
from types import FrameType
from typing import Any

from django.apps import apps  # type: ignore[import-untyped]
from django.conf import settings  # type: ignore[import-untyped]
from django.core import checks  # type: ignore[import-untyped]
from django.db import DEFAULT_DB_ALIAS, connections  # type: ignore[import-untyped]
from django.db.migrations.executor import MigrationExecutor  # type: ignore[import-untyped]

from ...errors import ConfigurationError

__all__ = ["check_migrations", "check_settings", "register"]

#: The app's name in INSTALLED_APPS, and its label.
APP = "chattz_oauth_async.integrations.django"
LABEL = "chattz_oauth_async"
_REQUIRED = ("CHATTZ_CLIENT_ID", "CHATTZ_CLIENT_SECRET", "CHATTZ_REDIRECT_URI")


def check_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The settings checks (E001-E003, W004, E006, E007)."""
    # Imported here: this module loads while Django is still loading INSTALLED_APPS.
    from ._settings import get_session, imported_handler, login_cookies
    from ._signin import signups

    found: list[checks.CheckMessage] = []
    values: dict[str, str] = {}
    for name in _REQUIRED:
        value = getattr(settings, name, None)
        if not isinstance(value, str) or not value:
            found.append(
                checks.Error(
                    f"{name} is not set",
                    hint=f"set {name} in the settings (the value Chattz gave for this client)",
                    id="chattz_oauth_async.E001",
                )
            )
        else:
            values[name] = value
    for name in ("CHATTZ_CLIENT_ID", "CHATTZ_CLIENT_SECRET"):
        value = values.get(name)
        if value is not None and value != value.strip():
            found.append(
                checks.Error(
                    f"{name} starts or ends with whitespace",
                    hint="a value read from a file keeps its newline: strip it "
                    "(Chattz refuses the credentials as invalid_client)",
                    id="chattz_oauth_async.E002",
                )
            )
    if len(values) == len(_REQUIRED) and not found:  # E002 already names a newline
        # The session the views will use, built as they build it (CHATTZ_BASE_URL and
        # CHATTZ_SESSION_OPTIONS included); it stays cached for the first login.
        try:
            get_session()
        except ConfigurationError as exc:
            found.append(
                checks.Error(
                    f"the Chattz settings cannot work: {exc}",
                    hint="CHATTZ_REDIRECT_URI must be the callback URL exactly as registered "
                    "on Chattz (https, or http on a loopback host)",
                    id="chattz_oauth_async.E003",
                )
            )
    try:
        login_cookies()
        signups()
    except ConfigurationError:
        found.append(
            checks.Error(
                "CHATTZ_LOGIN_SECRET_KEY (or SECRET_KEY), CHATTZ_LOGIN_MAX_AGE, "
                "CHATTZ_COOKIE_SECURE or CHATTZ_SIGNUPS is not usable",
                hint="a key of at least 16 bytes (or a list of them), whole seconds from 1 "
                "to 86,399, True/False/None, and True or False (not a string from the "
                "environment); the first login says which",
                id="chattz_oauth_async.E007",
            )
        )
    on_success = getattr(settings, "CHATTZ_ON_SUCCESS", None)
    if on_success is not None:
        try:
            imported_handler(on_success)
        except ConfigurationError:
            found.append(
                checks.Error(
                    "CHATTZ_ON_SUCCESS does not import to a function",
                    hint="set it to the dotted path of on_success(request, result), such as "
                    "'mysite.views.chattz_login_done', or remove it for the default sign-in",
                    id="chattz_oauth_async.E006",
                )
            )
    else:
        missing = [name for name in (APP, "django.contrib.auth") if not apps.is_installed(name)]
        if missing:
            found.append(
                checks.Warning(
                    f"the default Chattz sign-in needs {', '.join(missing)} in INSTALLED_APPS",
                    hint="add it (then run manage.py migrate), or set CHATTZ_ON_SUCCESS to "
                    "the dotted path of on_success(request, result)",
                    id="chattz_oauth_async.W004",
                )
            )
    return found


def check_migrations(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """W005: the accounts app's migrations not applied on a database being checked."""
    if not databases or not apps.is_installed(APP) or _migrating():
        return []
    found: list[checks.CheckMessage] = []
    for alias in databases:
        if alias not in connections or alias != DEFAULT_DB_ALIAS:
            continue
        executor = MigrationExecutor(connections[alias])
        targets = [key for key in executor.loader.graph.leaf_nodes() if key[0] == LABEL]
        if executor.migration_plan(targets):
            # A warning: `migrate` runs the database checks first, and an error would stop it.
            found.append(
                checks.Warning(
                    f"the Chattz accounts tables are not migrated on database {alias!r}",
                    hint="run manage.py migrate",
                    id="chattz_oauth_async.W005",
                )
            )
    return found


def _migrating() -> bool:
    """Whether ``manage.py migrate`` (or a command built on it) runs these checks, about to
    apply this app's migrations.

    It runs the database checks before it migrates: W005 would tell the user to run the
    command they are running. Not for ``migrate otherapp``, ``--plan`` or ``--check``, which
    apply none of them. Django has no flag for it, so the call stack says (its ``execute``
    frame holds the command and its options).
    """
    from django.core.management.commands.migrate import (  # type: ignore[import-untyped]
        Command as Migrate,
    )

    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        options = frame.f_locals.get("options")
        if isinstance(frame.f_locals.get("self"), Migrate) and isinstance(options, dict):
            return (
                options.get("app_label") in (None, LABEL)
                and not options.get("plan")
                and not options.get("check_unapplied")
            )
        frame = frame.f_back
    return False


def register() -> None:
    """Register the checks with Django (idempotent)."""
    checks.register(check_settings)
    checks.register(check_migrations, checks.Tags.database)
