"""Whose fault a failed login is: the site's configuration, Chattz, the database, or the user.

:func:`classify` reads a :class:`~chattz_oauth_async.ChattzOAuthError` and
returns a :class:`Diagnosis`: the :class:`Fault` (which decides the page the
user sees and the level of the one log record the login flow writes), a
short stable ``reason`` code, the OAuth ``error`` code where there is one,
and an ``explanation`` naming the cause and the fix, written for the site's
operator and safe to log (no secret, code, token or database value: only
setting names, status codes, OAuth error codes and schema names).

Every web helper answers through it (:func:`~chattz_oauth_async.integrations.flow.describe_error`),
and the login flow logs with it: :func:`log_failure` writes a failure's one
log record, and :func:`host_mismatch` warns of a ``/login`` served on another
host than the redirect URI's; both are here. The rest lives next door, pure
(no I/O): :class:`Fault` and :class:`Diagnosis` in ``_diagnosis.py``,
:func:`classify` and its rules, one per family of errors, in ``_classify.py``.

Example::

    from chattz_oauth_async.diagnostics import Fault, classify

    finished = await flow.finish(request)
    if finished.error is not None and classify(finished.error).fault is Fault.CONFIGURATION:
        page_the_on_call_engineer()
"""

from __future__ import annotations

import logging
import weakref
from typing import Final
from urllib.parse import urlsplit

from ._classify import classify
from ._diagnosis import Diagnosis, Fault
from .errors import ChattzOAuthError

__all__ = ["Diagnosis", "Fault", "classify", "host_mismatch", "log_failure"]


def host_mismatch(request_url: str, redirect_uri: str | None) -> str | None:
    """The warning for a ``/login`` served on another host than the redirect URI's, or None.

    None too when the session has no redirect URI (a worker's; it starts no login).

    The login cookie is set for the host the browser is on; Chattz sends the
    browser back to the redirect URI's host, which does not get it, so the
    callback fails as if the login were started in another browser. Hosts are
    compared without port or scheme (cookies ignore both).
    """
    if redirect_uri is None:
        return None
    try:
        here = (urlsplit(request_url).hostname or "").lower()
        there = (urlsplit(redirect_uri).hostname or "").lower()
    except ValueError:
        return None
    if not here or not there or here == there:
        return None
    return (
        f"this browser is on {here} but the redirect URI (CHATTZ_REDIRECT_URI) is on {there}: "
        f"the login cookie will not come back; open the site at {there} (behind a proxy, "
        "pass the Host header through)"
    )


#: The logger of the login routes' failures (the flow's, and the web helpers').
LOGGER: Final = logging.getLogger("chattz_oauth_async.login")
# The errors already logged: each failure is one record, however many layers see it.
_logged: weakref.WeakSet[ChattzOAuthError] = weakref.WeakSet()


def log_failure(
    exc: ChattzOAuthError,
    *,
    logger: logging.Logger | None = None,
    where: str = "login",
    hint: str | None = None,
) -> Diagnosis:
    """Log ``exc`` once, at its diagnosis' level, with its cause and fix; return its diagnosis.

    The record (``chattz_oauth_async.login`` unless ``logger`` is given)
    reads ``<where> failed (<fault>, <reason>): <explanation>`` and carries
    ``chattz_fault``, ``chattz_reason`` and ``chattz_error`` as record
    attributes; ``hint`` (a fact the caller knows, such as a setting
    with stray whitespace) is appended. An error logged before (an account store logs its own
    failures) is not logged again: each failure is one record.
    """
    diagnosis = classify(exc)
    if exc in _logged:
        return diagnosis
    _logged.add(exc)
    (logger or LOGGER).log(
        diagnosis.level,
        "%s failed (%s, %s): %s%s",
        where,
        diagnosis.fault.value,
        diagnosis.reason,
        diagnosis.explanation,
        f" ({hint})" if hint else "",
        extra={
            "chattz_fault": diagnosis.fault.value,
            "chattz_reason": diagnosis.reason,
            "chattz_error": diagnosis.error,
        },
    )
    return diagnosis
