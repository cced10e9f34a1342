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
  each execution hands that text and the values to an asyncpg connection kept for fixed
  statements alone (:class:`DedicatedConnection`, which prepares each text once and keeps
  it), converting values with the column types' own processors, exactly as SQLAlchemy
  would. Checking a connection out of SQLAlchemy's pool and back cost another 0.3 ms a
  transaction; the batches run one at a time, so one connection serves them all.
- **SQLite:** through SQLAlchemy, on a connection whose statements run inline on the event
  loop's thread (:func:`core.db.dialects.begin_inline`), where a statement costs tens of
  microseconds.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import namedtuple
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy import Executable
from sqlalchemy.engine import URL
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

    Made by :meth:`core.db.database.Database.fixed_transaction`, with one of:

    Args:
        connection: On SQLite, SQLAlchemy's connection.
        driver: On PostgreSQL, an asyncpg connection in a transaction of asyncpg's.
    """

    def __init__(
        self, connection: AsyncConnection | None = None, driver: Any | None = None
    ) -> None:
        self._connection = connection
        self._driver = driver
        self.dialect = "postgresql" if connection is None else connection.dialect.name
        """The backend's dialect name (``sqlite`` or ``postgresql``)."""

    async def rows(self, statement: FixedStatement, params: Params) -> list[Any]:
        """Runs ``statement`` with ``params``; returns its rows (none if it returns none).

        The rows have SQLAlchemy's attribute access (``row.member_id``) and indexing.

        Raises:
            TypeError: A list of rows given on PostgreSQL, where the statement takes
                arrays instead (one statement, not one per row).
            KeyError: ``statement`` was not built for this backend.
        """
        if self._connection is not None:
            result = await self._connection.execute(
                statement.statements[self.dialect],
                params if isinstance(params, Mapping) else list(params),
            )
            return list(result.all()) if result.returns_rows else []
        if not statement.sql:
            raise KeyError("postgresql")
        if not isinstance(params, Mapping):
            raise TypeError("on PostgreSQL a fixed statement takes arrays, not a list of rows")
        driver: Any = self._driver
        records = await driver.fetch(statement.sql, *statement.arguments(params))
        return [statement.row(record) for record in records]


# SQLAlchemy's own options, not asyncpg's: they must not reach asyncpg.connect.
_SQLALCHEMY_ONLY = (
    "async_creator_fn",
    "prepared_statement_cache_size",
    "prepared_statement_name_func",
)


class DedicatedConnection:
    """The asyncpg connection kept for fixed transactions on PostgreSQL.

    One at a time (they queue for it): the press batches, its users, run one at a time
    anyway. A connection found closed is replaced at the next transaction; one idle for
    longer than ``ping_after_idle`` is pinged first, as the pools' connections are (see
    :mod:`core.db.database`).

    Args:
        url: The database, as SQLAlchemy's asyncpg URL.
        server_settings: Session settings for the connection.
        ping_after_idle: Seconds.
    """

    def __init__(
        self, url: URL, server_settings: Mapping[str, str], ping_after_idle: float
    ) -> None:
        _args, options = _POSTGRES.create_connect_args(url)  # type: ignore[no-untyped-call]
        for name in _SQLALCHEMY_ONLY:
            options.pop(name, None)
        self._options = {**options, "server_settings": dict(server_settings)}
        self._ping_after_idle = ping_after_idle
        self._turn = asyncio.Lock()
        self._driver: Any | None = None
        self._idle_since = 0.0

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[FixedConnection]:
        """The connection in a transaction: committed on success, rolled back on error."""
        async with self._turn:
            driver = await self._usable()
            try:
                async with driver.transaction():
                    yield FixedConnection(driver=driver)
            finally:
                self._idle_since = time.monotonic()

    async def _usable(self) -> Any:
        driver = self._driver
        if driver is not None and not driver.is_closed():
            if time.monotonic() - self._idle_since < self._ping_after_idle:
                return driver
            try:
                await driver.fetchval("SELECT 1")
                return driver
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                driver.terminate()
        self._driver = None
        driver = await asyncpg.connect(**self._options)
        await _decode_json_as_sqlalchemy_does(driver)
        self._driver = driver
        return driver

    async def close(self) -> None:
        """Closes the connection (a later transaction would open a new one)."""
        async with self._turn:
            if self._driver is not None:
                driver, self._driver = self._driver, None
                await driver.close()


async def _decode_json_as_sqlalchemy_does(driver: Any) -> None:
    # As SQLAlchemy's asyncpg dialect sets up its connections: JSON travels as text the
    # column type has serialised (its bind processor), and comes back parsed.
    await driver.set_type_codec(
        "json",
        encoder=str.encode,
        decoder=lambda value: json.loads(value.decode()),
        schema="pg_catalog",
        format="binary",
    )
    await driver.set_type_codec(
        "jsonb",
        encoder=lambda value: b"\x01" + value.encode(),
        decoder=lambda value: json.loads(value[1:].decode()),
        schema="pg_catalog",
        format="binary",
    )
