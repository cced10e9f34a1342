"""Fixed statements on a connection of their own: the hot paths' way to the database.

A press batch (:mod:`core.messaging.batching`) runs the same handful of statements again
and again. Built anew for each batch, a statement cost more to construct than to run, so
each is built once per dialect (:class:`FixedStatement`). Run through SQLAlchemy, each
still cost about 0.35 ms of SQLAlchemy's own work per execution on PostgreSQL (its
greenlet bridge, its execution context, its result machinery), measured at five times the
round trip to the server it wraps. A batch runs three to five statements, and that overhead
was most of its time.

So a :class:`FixedConnection` runs a fixed statement the cheapest way its backend allows:

- **PostgreSQL:** SQLAlchemy compiles the statement once, at import, into asyncpg's SQL;
  each execution hands that text and the values to the asyncpg connection underneath
  (which prepares each text once per connection and keeps it), converting values with the
  column types' own processors, exactly as SQLAlchemy would. The transaction is asyncpg's
  too. Nothing else may run on such a connection through SQLAlchemy: it would not know of
  the transaction.
- **SQLite:** through SQLAlchemy, on a connection whose statements run inline on the event
  loop's thread (:func:`core.db.dialects.begin_inline`), where a statement costs tens of
  microseconds.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Executable
from sqlalchemy.ext.asyncio import AsyncConnection

from core.db.dialects import PostgresDialect
from core.db.statements import DIALECTS

Params = Mapping[str, Any] | Sequence[Mapping[str, Any]]
"""One statement's values by name, or (SQLite only) a list of them for a multi-row run."""

_POSTGRES = PostgresDialect()  # type: ignore[no-untyped-call]


class FixedStatement:
    """A statement built once per dialect, for :meth:`FixedConnection.rows`.

    Args:
        build: Builds the statement for a dialect name (``sqlite``, ``postgresql``); it
            may differ between them (an ``unnest`` of arrays on PostgreSQL where SQLite
            takes a list of rows). Every value must be a named bind parameter, and a
            statement that returns rows must declare its columns (a ``text()`` one with
            ``.columns(...)``), so that the rows can be built and converted.
        dialects: The dialects it is built for, when not both (a statement one backend
            cannot run, for a path only the other takes).
    """

    def __init__(
        self, build: Callable[[str], Executable], dialects: Sequence[str] = DIALECTS
    ) -> None:
        self.statements = {dialect: build(dialect) for dialect in dialects}
        self.sql = ""
        """The PostgreSQL text, as asyncpg receives it (``$1``, ``$2``…)."""
        self._binds: tuple[tuple[str, Callable[[Any], Any] | None], ...] = ()
        self._results: tuple[Callable[[Any], Any] | None, ...] = ()
        self._convert = False
        self._row: Any = tuple
        if "postgresql" in self.statements:
            self._compile(self.statements["postgresql"])

    def _compile(self, statement: Any) -> None:
        compiled = statement.compile(dialect=_POSTGRES)
        self.sql = compiled.string
        names = tuple(compiled.positiontup or ())
        self._binds = tuple(
            (name, compiled.binds[name].type.bind_processor(_POSTGRES)) for name in names
        )
        columns = list(getattr(statement, "exported_columns", ()))
        self._results = tuple(column.type.result_processor(_POSTGRES, None) for column in columns)
        self._convert = any(p is not None for p in self._results)
        # Rows with attribute access, as SQLAlchemy's rows have.
        self._row = namedtuple("Row", [c.key for c in columns], rename=True)  # type: ignore[misc]

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        """The positional values for the PostgreSQL text, each converted by its type."""
        return [
            params[name] if process is None else process(params[name])
            for name, process in self._binds
        ]

    def row(self, values: Sequence[Any]) -> Any:
        """A row of the PostgreSQL driver's values, converted as SQLAlchemy would."""
        if self._convert:
            values = [
                value if process is None else process(value)
                for value, process in zip(values, self._results, strict=True)
            ]
        return self._row._make(values)


class FixedConnection:
    """A connection in a transaction, running fixed statements.

    Made by :meth:`core.db.database.Database.fixed_transaction`.

    Args:
        connection: SQLAlchemy's connection (the one statements run on, on SQLite).
        driver: On PostgreSQL, the asyncpg connection underneath, in a transaction of
            asyncpg's; None on SQLite.
    """

    def __init__(self, connection: AsyncConnection, driver: Any | None = None) -> None:
        self._connection = connection
        self._driver = driver

    @property
    def dialect(self) -> str:
        """The backend's dialect name (``sqlite`` or ``postgresql``)."""
        return self._connection.dialect.name

    async def rows(self, statement: FixedStatement, params: Params) -> list[Any]:
        """Runs ``statement`` with ``params``; returns its rows (none if it returns none).

        The rows have SQLAlchemy's attribute access (``row.member_id``) and indexing.

        Raises:
            TypeError: A list of rows given on PostgreSQL, where the statement takes
                arrays instead (one statement, not one per row).
            KeyError: ``statement`` was not built for this backend.
        """
        if self._driver is None:
            result = await self._connection.execute(
                self.sqlalchemy(statement), params if isinstance(params, Mapping) else list(params)
            )
            return list(result.all()) if result.returns_rows else []
        if not statement.sql:
            raise KeyError("postgresql")
        if not isinstance(params, Mapping):
            raise TypeError("on PostgreSQL a fixed statement takes arrays, not a list of rows")
        records = await self._driver.fetch(statement.sql, *statement.arguments(params))
        return [statement.row(record) for record in records]

    def sqlalchemy(self, statement: FixedStatement) -> Executable:
        """This backend's SQLAlchemy form of ``statement``.

        Raises:
            KeyError: ``statement`` was not built for this backend.
        """
        return statement.statements[self.dialect]
