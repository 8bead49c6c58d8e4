"""The library's events as Django signals: connect a receiver as to any Django signal.

Each :class:`~chattz_oauth_async.events.Event` is sent, after the library
has done its own work, as the signal of its kind, with ``sender`` the
:class:`~chattz_oauth_async.events.EventKind` and the event as ``event``::

    from django.dispatch import receiver
    from chattz_oauth_async.integrations.django.signals import login_completed

    @receiver(login_completed)
    def welcome(sender, event, **kwargs):
        if event.outcome == "created":
            send_welcome_mail.delay(event.user_id)

Receivers run through ``send_robust``: one that raises is logged (ERROR, with
its traceback, by Django's ``django.dispatch`` logger) and never breaks a login.
Active once :mod:`chattz_oauth_async.integrations.django` is imported (the
views, or the app in INSTALLED_APPS).
"""

from __future__ import annotations

from django.dispatch import Signal  # type: ignore[import-untyped]

from ...events import Event, EventKind, subscribe

__all__ = [
    "logged_out",
    "login_completed",
    "login_failed",
    "login_started",
    "refresh_failed",
    "send",
    "unlinked",
]

#: ``/login`` sent a browser to Chattz.
login_started: Signal = Signal()
#: A login completed (``event.outcome``: ``"created"``, ``"linked"``, ``"signed_in"``).
login_completed: Signal = Signal()
#: A callback failed (``event.fault``, ``event.reason``, ``event.error``).
login_failed: Signal = Signal()
#: A user signed out through the library's logout view.
logged_out: Signal = Signal()
#: A Chattz link was removed.
unlinked: Signal = Signal()
#: A token refresh failed.
refresh_failed: Signal = Signal()

_SIGNALS = {
    EventKind.LOGIN_STARTED: login_started,
    EventKind.LOGIN_COMPLETED: login_completed,
    EventKind.LOGIN_FAILED: login_failed,
    EventKind.LOGOUT: logged_out,
    EventKind.UNLINK: unlinked,
    EventKind.REFRESH_FAILED: refresh_failed,
}


def send(event: Event) -> None:
    """Send ``event`` as its signal; a receiver's exception is logged (by Django), never raised."""
    _SIGNALS[event.kind].send_robust(sender=event.kind, event=event)


subscribe(send)
