"""Constructor arguments, checked when an object is built: the one shared checker.

Every public class checks each of its arguments here (plain classes call the
functions; attrs classes use :func:`validator`), so a wrong value fails at
construction with a :class:`~chattz_oauth_async.errors.ConfigurationError`
that names the argument and says what it may be, instead of a raw
``TypeError`` or ``AttributeError`` at the first request. The messages never
quote the value: a secret passed in the wrong place would land in a log.

The rules shared by every check: a bool is not a number (``True`` is an
``int`` to Python, and never a count or a number of seconds); a ``str`` is
not a sequence of strings; a number of seconds is finite (NaN and infinity
are refused).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from .errors import ConfigurationError

__all__ = [
    "flag",
    "function",
    "instance",
    "mapping",
    "number",
    "optional",
    "pairs",
    "seconds",
    "text",
    "validator",
    "whole",
]

_T = TypeVar("_T")


def _number(value: object) -> bool:
    """Whether ``value`` is a finite int or float (a bool is not a number)."""
    return type(value) in (int, float) and math.isfinite(value)  # type: ignore[arg-type]


def seconds(name: str, value: object, *, zero: bool = False) -> float:
    """``value`` as a finite number of seconds, > 0 (or >= 0 with ``zero=True``).

    Raises:
        ConfigurationError: "NAME must be a finite number of seconds > 0" (or ``>= 0``).
    """
    if not (_number(value) and (value >= 0 if zero else value > 0)):  # type: ignore[operator]
        raise ConfigurationError(
            f"{name} must be a finite number of seconds {'>=' if zero else '>'} 0"
        )
    return float(value)  # type: ignore[arg-type]


def number(name: str, value: object) -> float:
    """``value`` as a float if it is a finite int or float (not a bool).

    Raises:
        ConfigurationError: "NAME must be a finite number".
    """
    if not _number(value):
        raise ConfigurationError(f"{name} must be a finite number")
    return float(value)  # type: ignore[arg-type]


def whole(name: str, value: object, *, low: int | None = 1, high: int | None = None) -> int:
    """``value`` as an int (not a bool) from ``low`` to ``high`` (inclusive; None: unbounded).

    Raises:
        ConfigurationError: "NAME must be a whole number >= LOW" (or "from LOW
            to HIGH", or no bound).
    """
    if (
        type(value) is not int
        or (low is not None and value < low)
        or (high is not None and value > high)
    ):
        if low is None:
            allowed = "" if high is None else f" <= {high:,}"
        else:
            allowed = f" >= {low:,}" if high is None else f" from {low:,} to {high:,}"
        raise ConfigurationError(f"{name} must be a whole number{allowed}")
    return value


def flag(name: str, value: object) -> bool:
    """``value`` if it is True or False (``bool("false")`` is True: no truthy stand-ins).

    Raises:
        ConfigurationError: "NAME must be True or False".
    """
    if not isinstance(value, bool):
        raise ConfigurationError(f"{name} must be True or False")
    return value


def text(name: str, value: object) -> str:
    """``value`` if it is a non-empty str.

    Raises:
        ConfigurationError: "NAME must be a non-empty string".
    """
    if not isinstance(value, str) or not value:
        raise ConfigurationError(f"{name} must be a non-empty string")
    return value


def pairs(name: str, value: object) -> tuple[tuple[str, str], ...]:
    """``value`` if it is a tuple of ``(name, value)`` string pairs (headers, a query).

    Raises:
        ConfigurationError: "NAME must be a tuple of (name, value) string pairs".
    """
    if not (
        isinstance(value, tuple)
        and all(
            isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(p, str) for p in pair)
            for pair in value
        )
    ):
        raise ConfigurationError(f"{name} must be a tuple of (name, value) string pairs")
    return value


def function(name: str, value: object) -> Callable[..., Any]:
    """``value`` if it can be called.

    Raises:
        ConfigurationError: "NAME must be a function".
    """
    if not callable(value):
        raise ConfigurationError(f"{name} must be a function")
    return value


def mapping(name: str, value: object) -> Mapping[Any, Any]:
    """``value`` if it is a mapping (a dict, for example).

    Raises:
        ConfigurationError: "NAME must be a mapping".
    """
    if not isinstance(value, Mapping):
        raise ConfigurationError(f"{name} must be a mapping")
    return value


def instance(
    name: str,
    value: object,
    kind: type[_T] | tuple[type, ...],
    what: str,
    *,
    none: bool = False,
) -> _T:
    """``value`` if it is an instance of ``kind`` (described to the user as ``what``).

    With ``none=True``, None is let through too.

    Raises:
        ConfigurationError: "NAME must be WHAT, not TYPE" (or "WHAT or None").
    """
    if not isinstance(value, kind) and not (none and value is None):
        allowed = f"{what} or None" if none else what
        raise ConfigurationError(f"{name} must be {allowed}, not {type(value).__name__}")
    return value  # type: ignore[return-value]


def optional(check: Callable[..., object]) -> Callable[..., object]:
    """``check``, letting None through: for an argument whose default is None.

    The message gets ", or None" appended.
    """

    def checked(name: str, value: object, **options: Any) -> object:
        if value is None:
            return None
        try:
            return check(name, value, **options)
        except ConfigurationError as error:
            raise ConfigurationError(f"{error}, or None") from None

    return checked


def validator(check: Callable[..., object], **options: Any) -> Callable[[Any, Any, Any], None]:
    """``check`` as an attrs validator: ``attrs.field(validator=validator(text))``.

    The message names the field as the constructor's argument.
    """

    def validate(_: Any, attribute: Any, value: Any) -> None:
        check(attribute.alias, value, **options)

    return validate
