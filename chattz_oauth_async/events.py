"""Observe the login flow without re-implementing it: login started, completed, failed; logout,
unlink, token refresh failed.

One framework-free way for every app: :func:`subscribe` a function, and the
library calls it with an :class:`Event` *after* it has done its own work (the
user is signed in, the link removed, the failure logged), so a welcome mail or
an audit log never means replacing the default sign-in. A handler that raises
is logged (ERROR, with its traceback, logger ``chattz_oauth_async.events``) and
never breaks a login; the next handlers still run. Django also sends each event
as a signal (:mod:`chattz_oauth_async.integrations.django.signals`).

Handlers run in the request, synchronously, in the order they subscribed:
hand slow work (sending the mail) to a queue or a background task.

Example::

    from chattz_oauth_async import events

    def audit(event: events.Event) -> None:
        if event.kind is events.EventKind.LOGIN_COMPLETED:
            audit_log.info("login", chattz_id=event.chattz_id, user=event.user_id,
                           outcome=event.outcome)

    events.subscribe(audit)

An event carries the Chattz id and the local user id where known, never a
secret, code, token or profile value.
"""

from __future__ import annotations

import enum
import functools
import inspect
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any, Final, ParamSpec, TypeVar, cast

import attrs

from . import _checks as checks
from . import _telemetry
from .diagnostics import Fault, classify
from .errors import ChattzOAuthError, ConfigurationError

__all__ = ["Event", "EventKind", "emit", "failure", "subscribe"]

_logger = logging.getLogger("chattz_oauth_async.events")


class EventKind(enum.Enum):
    """What happened."""

    #: ``/login`` redirected a browser to Chattz (``linking``: a linking login).
    LOGIN_STARTED = "login_started"
    #: A login completed: signed in (``outcome``: created, linked or signed in, with accounts).
    LOGIN_COMPLETED = "login_completed"
    #: A callback failed (``fault``, ``reason``, ``error``); logged already.
    LOGIN_FAILED = "login_failed"
    #: A user signed out through the library's logout route or view.
    LOGOUT = "logout"
    #: A Chattz link was removed from a local user.
    UNLINK = "unlink"
    #: A token refresh failed (``fault``, ``reason``, ``error``: ``invalid_grant`` is a
    #: revoked or expired refresh token, the user must log in again).
    REFRESH_FAILED = "refresh_failed"


_optional_str = checks.validator(checks.instance, kind=str, what="a str", none=True)
#: The values of accounts.Outcome (not imported: the accounts import this module).
_OUTCOMES: Final = ("created", "linked", "signed_in")


@attrs.frozen
class Event:
    """One thing that happened in the login flow.

    Attributes:
        kind: What happened.
        chattz_id: The Chattz user id, where known.
        user_id: The local user id (text), where known.
        outcome: For ``LOGIN_COMPLETED`` with an account step, the
            :class:`~chattz_oauth_async.accounts.Outcome`'s value: ``"created"``,
            ``"linked"`` or ``"signed_in"``; else None.
        linking: The login was a linking login (started by a signed-in user).
        fault: For a failure: whose fault it was (:func:`~chattz_oauth_async.diagnostics.classify`).
        reason: For a failure: the diagnosis's stable reason code.
        error: For a failure: the OAuth ``error`` code, if the provider gave one.
    """

    kind: EventKind = attrs.field(
        validator=checks.validator(checks.instance, kind=EventKind, what="an EventKind")
    )
    chattz_id: int | None = attrs.field(
        default=None, validator=checks.validator(checks.optional(checks.whole), low=None)
    )
    user_id: str | None = attrs.field(default=None, validator=_optional_str)
    outcome: str | None = attrs.field(default=None)
    linking: bool = attrs.field(default=False, validator=checks.validator(checks.flag))
    fault: Fault | None = attrs.field(
        default=None,
        validator=checks.validator(checks.instance, kind=Fault, what="a Fault", none=True),
    )
    reason: str | None = attrs.field(default=None, validator=_optional_str)
    error: str | None = attrs.field(default=None, validator=_optional_str)

    @outcome.validator
    def _check_outcome(self, _: object, value: object) -> None:
        if value not in (None, *_OUTCOMES):
            raise ConfigurationError("outcome must be 'created', 'linked', 'signed_in' or None")


#: A subscriber: called with each event; its return value is ignored.
Handler = Callable[[Event], object]

_lock = threading.Lock()
# A tuple, replaced on (un)subscribe: emit() reads it without the lock.
_handlers: tuple[Handler, ...] = ()


def subscribe(handler: Handler) -> Callable[[], None]:
    """Call ``handler`` with every event from now on; returns the function that unsubscribes it.

    Subscribing the same function twice calls it twice.

    Raises:
        TypeError: ``handler`` is not callable, or is an ``async def`` function
            (handlers run synchronously; hand async work to a task).
    """
    global _handlers
    if not callable(handler) or inspect.iscoroutinefunction(handler):
        raise TypeError("events.subscribe() takes a plain function of one Event")
    with _lock:
        _handlers = (*_handlers, handler)

    def unsubscribe() -> None:
        global _handlers
        with _lock:
            found = list(_handlers)
            if handler in found:
                found.remove(handler)
            _handlers = tuple(found)

    return unsubscribe


def emit(event: Event) -> None:
    """Call every subscriber with ``event``; a subscriber's exception is logged, never raised."""
    for handler in _handlers:
        try:
            handler(event)
        except Exception:
            _logger.exception("event handler %r failed on %s", handler, event.kind.value)


def failure(kind: EventKind, exc: ChattzOAuthError, *, chattz_id: int | None = None) -> Event:
    """The failure event of ``kind`` for ``exc``: its diagnosis, its Chattz id if it has one."""
    diagnosis = classify(exc, refresh=kind is EventKind.REFRESH_FAILED)
    found = getattr(exc, "chattz_id", None)
    return Event(
        kind,
        chattz_id=chattz_id if chattz_id is not None else found,
        fault=diagnosis.fault,
        reason=diagnosis.reason,
        error=diagnosis.error,
    )


_P = ParamSpec("_P")
_R = TypeVar("_R")

_REFRESH: Final = EventKind.REFRESH_FAILED


def _refresh_failed(exc: ChattzOAuthError) -> None:
    event = failure(_REFRESH, exc)
    if event.fault is not None and event.reason is not None:
        _telemetry.refresh_failed(event.fault.value, event.reason)
    emit(event)


def refresh_observed(method: Callable[_P, _R]) -> Callable[_P, _R]:
    """Emit ``REFRESH_FAILED`` (and count it) when the decorated refresh (async or sync) fails."""
    if inspect.iscoroutinefunction(method):
        coroutine = cast(Callable[..., Awaitable[Any]], method)  # once, not at every call

        @functools.wraps(method)
        async def async_refresh(*args: Any, **kwargs: Any) -> Any:
            try:
                return await coroutine(*args, **kwargs)
            except ChattzOAuthError as exc:
                _refresh_failed(exc)
                raise

        return cast(Callable[_P, _R], async_refresh)

    @functools.wraps(method)
    def refresh(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return method(*args, **kwargs)
        except ChattzOAuthError as exc:
            _refresh_failed(exc)
            raise

    return refresh
