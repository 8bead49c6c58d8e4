"""A statement compiled once, to run on the database driver itself: :class:`Prepared`.

SQLite's single-statement sign-ins (``sqlalchemy_store.sign_in_once``) run
this way (``sqlalchemy_connections.write_alone``): a statement SQLAlchemy
runs through aiosqlite costs four trips to the connection's thread (a
cursor, the statement, its rows, closing the cursor), each waiting for a
turn of a busy event loop, and the store's writes take turns
(``_synchronization.async_sqlite_turn``) for as long as those trips last.
aiosqlite's ``execute_fetchall`` is one trip (what it gained under ten web
logins at once: docs/performance.md, "SQLite's sign-ins on the driver").

SQLAlchemy still writes the SQL: the compiler's text, the order of its
parameters, and each value's conversion by its column type's own bind and
result processors (a time as SQLite's DATETIME text, a UUID key as its hex),
so a row written here reads back through SQLAlchemy exactly as one it wrote.
What SQLAlchemy does not see is the execution, so while something watches
the engine's statements (a ``before_cursor_execute`` or
``after_cursor_execute`` listener, as OpenTelemetry's SQLAlchemy
instrumentation adds, ``echo=True`` or the ``sqlalchemy.engine`` log at
INFO), they go through SQLAlchemy like any other. No I/O here.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

__all__ = ["Prepared"]

Conversion = Callable[[Any], Any]


@attrs.frozen
class Prepared:
    """``query`` compiled for ``dialect`` once: :meth:`of` builds it.

    Attributes:
        query: The SQLAlchemy statement, which SQLAlchemy runs while something
            watches the engine's statements (``sqlalchemy_connections.watched``).
        sql: The statement's text, with the driver's parameter markers.
        positions: The parameters' names in the order of their markers (a name
            used twice is there twice); None for a driver that takes them by name.
        conversions: The bind processor of each parameter whose type has one.
        columns: The names of the columns the statement returns.
        results: The result processor of each returned column, or None.
    """

    query: Any
    sql: str
    positions: tuple[str, ...] | None
    conversions: Mapping[str, Conversion]
    columns: tuple[str, ...]
    results: tuple[Conversion | None, ...]
    _row: Callable[..., Any] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_row", collections.namedtuple("Row", self.columns))

    @classmethod
    def of(cls, query: Any, dialect: Any) -> Prepared:
        """``query`` (a SQLAlchemy statement with bound parameters) compiled for ``dialect``.

        Raises:
            ValueError: ``query`` needs SQLAlchemy at each execution (an
                expanding ``IN`` or another parameter rendered then).
        """
        compiled = query.compile(dialect=dialect)
        if "__[POSTCOMPILE_" in compiled.string:
            raise ValueError("a statement with parameters rendered at execution time")
        conversions = {}
        for name, bind in compiled.binds.items():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                conversions[name] = process
        returned = list(query.exported_columns)
        return cls(
            query=query,
            sql=compiled.string,
            positions=tuple(compiled.positiontup) if compiled.positional else None,
            conversions=conversions,
            columns=tuple(column.key for column in returned),
            results=tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in returned
            ),
        )

    def parameters(self, values: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        """The driver's parameters for ``values`` (by name), converted.

        Raises:
            KeyError: ``values`` lacks a parameter of the statement.
        """
        if self.positions is None:
            return {name: self._converted(name, value) for name, value in values.items()}
        return [self._converted(name, values[name]) for name in self.positions]

    def _converted(self, name: str, value: Any) -> Any:
        convert = self.conversions.get(name)
        return value if convert is None else convert(value)

    def first(self, rows: Sequence[Sequence[Any]]) -> Any:
        """The first of the driver's ``rows`` as a named tuple of converted values, or None."""
        if not rows:
            return None
        pairs = zip(self.results, rows[0], strict=True)
        return self._row(*(value if turn is None else turn(value) for turn, value in pairs))
