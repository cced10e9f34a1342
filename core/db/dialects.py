"""SQLAlchemy's SQLite and PostgreSQL dialects, trimmed for many small transactions.

Every inbound event is a short transaction of a few statements, so what each statement
and each transaction costs besides its SQL dominates. Two subclasses of SQLAlchemy's own
dialects cut that; :class:`~core.db.database.Database` uses them for ``sqlite+aiosqlite``
and ``postgresql+asyncpg`` URLs (:func:`engine_url`).

**SQLite.** aiosqlite runs every call on the connection's own worker thread. Each call
hands the GIL to that thread and back (a queue put, a thread wake-up, a
``call_soon_threadsafe``, an event-loop wake-up): 30–100 µs of the event loop's time on a
small machine, more than an indexed statement takes. SQLAlchemy's stock adapter makes
four calls per statement (create a cursor, execute, fetch, close), and separate ones for
``BEGIN``, ``SAVEPOINT`` and the pool's reset ``ROLLBACK``. :class:`SQLiteDialect`:

- runs create-execute-fetch-close as one function on the worker thread (:class:`OneHopCursor`);
- defers ``BEGIN IMMEDIATE``, ``SAVEPOINT``, ``RELEASE`` and ``ROLLBACK TO`` to the next
  statement's call (or the COMMIT's). SQLite takes the write lock at ``BEGIN IMMEDIATE``,
  so the lock is taken at the same point in the sequence of statements as before, and
  the database does the same work in the same order. A transaction or savepoint with no
  statement in it costs nothing, and a ``RELEASE`` right before COMMIT is not sent (the
  COMMIT releases every savepoint);
- skips ``COMMIT``/``ROLLBACK`` on a connection that sqlite3 says is in no transaction
  (mostly the pool's reset of a connection given back after a commit).

**Inline transactions** (:func:`begin_inline`): a transaction that holds SQLite's write
lock runs its statements on the event loop's own thread, without the worker thread at all.
Under load each hop also waits its turn in a busy event loop (measured: about 1 ms a
statement while a crowd votes, for statements SQLite runs in tens of microseconds); the
hot path that batches votes does all its work in one inline transaction instead. It is
safe because nothing in it can wait: the write lock is taken with ``busy_timeout`` 0
(held by another process: the transaction simply goes through the worker thread as
usual), a writer in WAL mode never waits for readers, commits do not sync the disk
(``synchronous=NORMAL``) and copying the log back is left to the background
(:mod:`core.db.checkpoints`).

Same connection, same thread, the same work in the same order, the same errors, wrapped by
SQLAlchemy as usual (one of a deferred statement surfaces at the statement it travelled
with). The deferred statements do not show in SQLAlchemy's statement log and events
(``echo``, ``before_cursor_execute``).

**PostgreSQL.** SQLAlchemy compiles its ``SAVEPOINT``/``RELEASE``/``ROLLBACK TO`` clauses
anew on every use (they are not cacheable), and every handler that writes runs in a
savepoint. :class:`PostgresDialect` sends them as plain SQL, with the same names, events
and error handling. (On SQLite they never reach SQLAlchemy's compiler at all.)
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections import deque
from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.dialects.sqlite.aiosqlite import (
    SQLiteDialect_aiosqlite,
    SQLiteExecutionContext_aiosqlite,
)
from sqlalchemy.engine import URL, Connection
from sqlalchemy.util import await_only

# The registered names: ``sqlite+iopsbot``, ``postgresql+iopsbot``.
DRIVER = "iopsbot"

_Description = tuple[tuple[Any, ...], ...] | None
_Outcome = tuple[_Description, list[Any], int, int | None]

# Where a pooled connection's deferred statements wait (in its ``info``, which lives as
# long as the DBAPI connection and is cleared when the pool replaces it).
_PENDING = "iopsbot_pending_sql"
# Set in a pooled connection's ``info`` while its transaction runs inline (see begin_inline).
_INLINE = "iopsbot_inline"
_BEGIN = "BEGIN IMMEDIATE"
_ROLLBACK_TO = "ROLLBACK TO SAVEPOINT"


def _run(
    connection: sqlite3.Connection, pending: list[str], operation: str, parameters: Any
) -> _Outcome:
    # Runs on aiosqlite's worker thread: the only thread that ever touches this connection.
    for statement in pending:
        connection.execute(statement)
    cursor = connection.cursor()
    try:
        cursor.execute(operation, parameters if parameters is not None else ())
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


def _run_many(
    connection: sqlite3.Connection, pending: list[str], operation: str, parameters: Any
) -> _Outcome:
    for statement in pending:
        connection.execute(statement)
    cursor = connection.cursor()
    try:
        cursor.executemany(operation, parameters)
        return None, [], cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


def _commit(connection: sqlite3.Connection, pending: list[str]) -> None:
    for statement in pending:
        connection.execute(statement)
    connection.commit()


def _take_pending(info: dict[Any, Any]) -> list[str]:
    pending: list[str] | None = info.pop(_PENDING, None)
    return pending or []


def _take_pending_of(dbapi_connection: Any) -> list[str]:
    try:
        info = dbapi_connection.info
    except NotImplementedError:  # SQLAlchemy's ad-hoc wrapper on first connect: no info
        return []
    return _take_pending(info)


def _ready(outcome: _Outcome) -> asyncio.Future[_Outcome]:
    # SQLAlchemy's asyncio layer insists that a statement awaited something; awaiting a
    # finished future satisfies it without giving the event loop away.
    future: asyncio.Future[_Outcome] = asyncio.get_running_loop().create_future()
    future.set_result(outcome)
    return future


def _take_inline(dbapi_connection: Any) -> bool:
    try:
        return bool(dbapi_connection.info.pop(_INLINE, False))
    except NotImplementedError:  # SQLAlchemy's ad-hoc wrapper on first connect: no info
        return False


def begin_inline(pooled: Any, busy_timeout_ms: int) -> bool:
    """Takes the write lock now, on this thread, and runs the transaction inline from here.

    For a transaction just begun (its ``BEGIN IMMEDIATE`` still deferred) on a pooled
    connection of :class:`SQLiteDialect`: every later statement, the commit and the
    rollback run on the calling thread, not aiosqlite's worker thread (see the module's
    notes). Never waits: when another process holds the write lock, nothing changes and
    the transaction goes the usual way (its BEGIN waits on the worker thread).

    Args:
        pooled: The pooled connection (``await connection.get_raw_connection()``).
        busy_timeout_ms: The connection's usual ``busy_timeout``, restored afterwards.

    Returns:
        Whether the transaction now runs inline.
    """
    info = pooled.info
    if info.get(_PENDING) != [_BEGIN]:
        return False  # not a fresh transaction of ours: leave it be
    connection: sqlite3.Connection = pooled.dbapi_connection.driver_connection._conn
    try:
        connection.execute("PRAGMA busy_timeout=0")
        try:
            connection.execute(_BEGIN)
        finally:
            connection.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    except sqlite3.OperationalError:
        return False  # locked by another process: the deferred BEGIN waits its turn instead
    info.pop(_PENDING, None)
    info[_INLINE] = True
    return True


def end_inline(pooled: Any) -> None:
    """Forgets the inline mode of a connection whose transaction is over (idempotent)."""
    pooled.info.pop(_INLINE, None)


def _defer(info: dict[Any, Any], statement: str) -> None:
    info.setdefault(_PENDING, []).append(statement)


class OneHopCursor:
    """A DBAPI cursor whose every statement is one call on aiosqlite's worker thread.

    Rows are fetched eagerly (as SQLAlchemy's own adapter does), so ``fetch*`` never leave
    the event loop's thread. Statements deferred on the connection run first, in the same
    call.

    Args:
        adapted: SQLAlchemy's adapted aiosqlite connection (maps errors as it does).
        info: The pooled connection's ``info`` (where deferred statements wait).
    """

    server_side = False

    def __init__(self, adapted: Any, info: dict[Any, Any]) -> None:
        self._adapted = adapted
        self._info = info
        self._driver = adapted.driver_connection  # the aiosqlite.Connection
        self.description: _Description = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1
        self._rows: deque[Any] = deque()

    def _call(self, function: Any, operation: str, parameters: Any) -> None:
        pending = _take_pending(self._info)
        try:
            outcome: _Outcome
            if self._info.get(_INLINE):
                outcome = await_only(
                    _ready(function(self._driver._conn, pending, operation, parameters))
                )
            else:
                # aiosqlite's own queueing primitive: every call of the stock adapter goes
                # through it too, so ordering with commit, rollback and close is unchanged.
                outcome = await_only(
                    self._driver._execute(
                        function, self._driver._conn, pending, operation, parameters
                    )
                )
        except Exception as error:
            self._adapted._handle_exception(error)
        self.description, rows, self.rowcount, self.lastrowid = outcome
        self._rows = deque(rows)

    def execute(self, operation: str, parameters: Any = None) -> None:
        """Runs one statement (after any deferred ones) and keeps its rows."""
        self._call(_run, operation, parameters)

    def executemany(self, operation: str, seq_of_parameters: Sequence[Any]) -> None:
        """Runs one statement for each parameter set."""
        self._call(_run_many, operation, seq_of_parameters)

    def fetchone(self) -> Any:
        """The next row, or None."""
        return self._rows.popleft() if self._rows else None

    def fetchmany(self, size: int | None = None) -> list[Any]:
        """Up to ``size`` (default ``arraysize``) more rows."""
        count = self.arraysize if size is None else size
        return [self._rows.popleft() for _ in range(min(count, len(self._rows)))]

    def fetchall(self) -> list[Any]:
        """The remaining rows."""
        rows = list(self._rows)
        self._rows.clear()
        return rows

    def close(self) -> None:
        """Forgets the rows (the sqlite3 cursor is already closed)."""
        self._rows.clear()

    async def _async_soft_close(self) -> None:
        # SQLAlchemy's asyncio layer (2.1) calls this on its adapters' cursors; no-op here.
        return None

    def setinputsizes(self, *sizes: Any) -> None:
        """DBAPI no-op."""

    def setoutputsize(self, size: Any, column: Any = None) -> None:
        """DBAPI no-op."""


class _OneHopContext(SQLiteExecutionContext_aiosqlite):
    def create_default_cursor(self) -> Any:
        return OneHopCursor(self._dbapi_connection.dbapi_connection, self._dbapi_connection.info)

    def create_server_side_cursor(self) -> Any:
        # The stock streaming cursor knows nothing of deferred statements: run them first.
        pending = _take_pending(self._dbapi_connection.info)
        if pending:
            cursor = OneHopCursor(self._dbapi_connection.dbapi_connection, {})
            for statement in pending:
                cursor.execute(statement)
        return super().create_server_side_cursor()


def _in_transaction(dbapi_connection: Any) -> bool:
    try:
        # sqlite3 answers from the connection's state, without a call on the worker thread.
        return bool(dbapi_connection.driver_connection.in_transaction)
    except ValueError:  # aiosqlite's "no active connection"
        return False


class SQLiteDialect(SQLiteDialect_aiosqlite):
    """aiosqlite with one worker-thread hop per statement (see the module's notes)."""

    supports_statement_cache = True
    execution_ctx_cls = _OneHopContext

    def do_begin(self, dbapi_connection: Any) -> None:
        """Defers ``BEGIN IMMEDIATE`` to the first statement.

        IMMEDIATE takes the write lock up front: a transaction that read first and wrote
        later could otherwise fail with SQLITE_BUSY instead of waiting its turn. (The
        driver's own transaction handling is off: see ``_sqlite_pragmas`` in
        :mod:`core.db.database`.)
        """
        _defer(dbapi_connection.info, _BEGIN)

    def do_commit(self, dbapi_connection: Any) -> None:
        """Commits, unless no statement ever began the transaction.

        A deferred ``RELEASE`` needs no sending: COMMIT releases every savepoint. A deferred
        ``ROLLBACK TO`` does: it goes first, in the same call.
        """
        pending = _take_pending_of(dbapi_connection)
        inline = _take_inline(dbapi_connection)
        if not _in_transaction(dbapi_connection):
            return  # nothing ran: what waits is a BEGIN and savepoints never taken
        if inline:
            adapted = dbapi_connection.dbapi_connection
            try:
                _commit(adapted.driver_connection._conn, pending)
            except Exception as error:
                adapted._handle_exception(error)
            return
        if not any(statement.startswith(_ROLLBACK_TO) for statement in pending):
            dbapi_connection.commit()
            return
        adapted = dbapi_connection.dbapi_connection
        driver = adapted.driver_connection
        try:
            await_only(driver._execute(_commit, driver._conn, pending))
        except Exception as error:
            adapted._handle_exception(error)

    def do_rollback(self, dbapi_connection: Any) -> None:
        """Rolls back, unless there is nothing to roll back (also the pool's reset)."""
        _take_pending_of(dbapi_connection)  # undone by the rollback, whatever they were
        inline = _take_inline(dbapi_connection)
        if not _in_transaction(dbapi_connection):
            return
        if inline:
            adapted = dbapi_connection.dbapi_connection
            try:
                adapted.driver_connection._conn.rollback()
            except Exception as error:
                adapted._handle_exception(error)
            return
        dbapi_connection.rollback()

    def do_savepoint(self, connection: Connection, name: str) -> None:
        """Defers ``SAVEPOINT`` to the next statement."""
        _defer(connection.info, f"SAVEPOINT {self.identifier_preparer.quote(name)}")

    def do_release_savepoint(self, connection: Connection, name: str) -> None:
        """Defers ``RELEASE`` to the next statement (or drops it at COMMIT)."""
        self._end_savepoint(connection, name, "RELEASE SAVEPOINT")

    def do_rollback_to_savepoint(self, connection: Connection, name: str) -> None:
        """Defers ``ROLLBACK TO`` to the next statement (or to COMMIT, just before it)."""
        self._end_savepoint(connection, name, _ROLLBACK_TO)

    def _end_savepoint(self, connection: Connection, name: str, verb: str) -> None:
        quoted = self.identifier_preparer.quote(name)
        pending: list[str] | None = connection.info.get(_PENDING)
        if pending and pending[-1] == f"SAVEPOINT {quoted}":
            pending.pop()  # savepoints nest: an unused one is always the innermost
            return
        if not _in_transaction(connection.connection):
            return  # the deferred BEGIN itself failed: there is no savepoint to end
        # Whatever the connection does next (a statement, a COMMIT) sees the savepoint
        # ended first: the order of the database's work is unchanged.
        _defer(connection.info, f"{verb} {quoted}")


class PostgresDialect(PGDialect_asyncpg):
    """asyncpg with savepoints sent as plain SQL (see the module's notes)."""

    supports_statement_cache = True

    def do_savepoint(self, connection: Connection, name: str) -> None:
        """``SAVEPOINT``, uncompiled (asyncpg still prepares it once per connection)."""
        connection.exec_driver_sql(f"SAVEPOINT {self.identifier_preparer.quote(name)}")

    def do_release_savepoint(self, connection: Connection, name: str) -> None:
        """``RELEASE SAVEPOINT``, uncompiled."""
        connection.exec_driver_sql(f"RELEASE SAVEPOINT {self.identifier_preparer.quote(name)}")

    def do_rollback_to_savepoint(self, connection: Connection, name: str) -> None:
        """``ROLLBACK TO SAVEPOINT``, uncompiled."""
        connection.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {self.identifier_preparer.quote(name)}")


_OURS = {"sqlite+aiosqlite": f"sqlite+{DRIVER}", "postgresql+asyncpg": f"postgresql+{DRIVER}"}


def engine_url(url: URL) -> URL:
    """The URL to create the engine with: ours for the drivers we trim, else ``url``."""
    ours = _OURS.get(url.drivername)
    return url.set(drivername=ours) if ours else url


# SQLAlchemy's documented way to add a dialect (idempotent; it maps a name to a class).
registry.register(f"sqlite.{DRIVER}", __name__, "SQLiteDialect")
registry.register(f"postgresql.{DRIVER}", __name__, "PostgresDialect")
