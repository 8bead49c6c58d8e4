"""What a diagnosis holds: whose fault a failure is (:class:`Fault`), why, and its log level.

:class:`Fault` decides the page the user sees and the level of the one log
record the login flow writes; :class:`Diagnosis` adds a short stable
``reason`` code, the OAuth ``error`` code where there is one, and an
``explanation`` for the site's operator, and gives the record's level
(:attr:`Diagnosis.level`). Values only, valid once built: no I/O.

Neighbours: ``_classify.py`` makes them (:func:`~chattz_oauth_async.diagnostics.classify`),
and :mod:`chattz_oauth_async.diagnostics` exports them (import them from there).
"""

from __future__ import annotations

import enum
import logging
from typing import Final

import attrs

from . import _checks as checks

__all__ = ["Diagnosis", "Fault"]


class Fault(enum.Enum):
    """Whose fault a failure is, which says what to do about it."""

    #: The site's setup is wrong (credentials, redirect URI, a missing migration, a
    #: user model the store cannot fill): every login fails the same way until the
    #: site is fixed. Page: 500 "sign-in is misconfigured", never "try again";
    #: logged at ERROR.
    CONFIGURATION = "configuration"
    #: Chattz is unavailable (5xx, timeouts, connection errors, rate limits): trying
    #: again later may work. Page: 502; logged at WARNING.
    PROVIDER = "provider"
    #: The site's account database is unavailable for now (a lost connection, a
    #: lock, a deadlock, a lost sign-in race). Page: 503; logged at WARNING.
    DATABASE = "database"
    #: The user or their browser: a denied, expired, replayed or forged login, one
    #: started in another browser, an authorization code Chattz refused at the
    #: login's exchange (``invalid_grant``: expired, or used by a callback delivered
    #: twice), an account the site refuses. Page: 4xx; logged at INFO (a refused
    #: code at WARNING: when every login ends so, the site's setup is wrong).
    USER = "user"

    @property
    def level(self) -> int:
        """The :mod:`logging` level of a failure of this kind (see :attr:`Diagnosis.level`)."""
        return _LEVELS[self]


_LEVELS: Final = {
    Fault.CONFIGURATION: logging.ERROR,
    Fault.PROVIDER: logging.WARNING,
    Fault.DATABASE: logging.WARNING,
    Fault.USER: logging.INFO,
}
#: The reasons logged at another level than their fault's. A rejected authorization
#: code is the user's (a retry cures it), so not an ERROR; but a site where every login
#: ends so is misconfigured, and that must show where operators look: WARNING, not INFO.
_REASON_LEVELS: Final = {"code_rejected": logging.WARNING}


@attrs.frozen
class Diagnosis:
    """What a failed login means, for the page and the log.

    Attributes:
        fault: Whose fault it is (decides the page and, but for
            ``code_rejected``, the log level).
        reason: A short stable code, for dashboards and tests: for example
            ``invalid_client``, ``missing_table``, ``timeout``, ``denied``.
        explanation: The cause and the fix in one line, for the operator.
            Never a secret, code, token or database value.
        error: The OAuth ``error`` code when the provider gave one, else None.
    """

    fault: Fault = attrs.field(
        validator=checks.validator(checks.instance, kind=Fault, what="a Fault")
    )
    reason: str = attrs.field(validator=checks.validator(checks.text))
    explanation: str = attrs.field(validator=checks.validator(checks.text))
    error: str | None = attrs.field(
        default=None,
        validator=checks.validator(checks.instance, kind=str, what="a str", none=True),
    )

    @property
    def level(self) -> int:
        """The :mod:`logging` level of this failure (ERROR, WARNING or INFO).

        Its fault's level, except for ``code_rejected`` (the user's fault, logged
        at WARNING: a site where every login ends so must be visible).
        """
        return _REASON_LEVELS.get(self.reason, self.fault.level)
