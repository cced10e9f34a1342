"""The async engine and sessions, set up right for each backend."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from core.db import dialects
from core.db.checkpoints import WalCheckpointer
from core.db.fixed import DedicatedConnection, FixedConnection

BUSY_TIMEOUT_MS = 10_000
"""How long an SQLite statement waits for a lock another process holds."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling emits no BEGIN before SAVEPOINT, so a savepoint's
    # RELEASE would commit for real; we take over: our dialect emits BEGIN IMMEDIATE itself.
    dbapi_connection.isolation_level = None
    # WAL lets readers run beside the one writer; busy_timeout makes concurrent writers wait
    # instead of failing at once; SQLite only enforces foreign keys when asked.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def _no_commit_checkpoints(dbapi_connection: Any, _record: Any) -> None:
    # With a background checkpointer (core.db.checkpoints), no commit copies the log back
    # itself: an inline commit doing so would stall the event loop for tens of milliseconds.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


# A pooled PostgreSQL connection idle for longer than this is pinged before it is used.
# Pinging on every checkout (``pool_pre_ping``) costs a round trip per event; a connection
# used a moment ago is known to be alive, and a busy bot reuses its connections within
# milliseconds. Connections go stale when they sit idle (a server restart, a NAT or a
# firewall dropping quiet sockets): that is when the ping is cheap and worth it. A server
# that dies mid-burst fails the events in flight either way, with or without a ping.
PING_AFTER_IDLE = 10.0  # seconds

_IDLE_SINCE = "iopsbot_idle_since"


def _mark_idle(_dbapi_connection: Any, record: Any) -> None:
    record.info[_IDLE_SINCE] = time.monotonic()


def _ping_if_idle(dialect: Dialect) -> Any:
    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get(_IDLE_SINCE)  # None: a fresh connection, just made
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:
            # As pool_pre_ping does: this connection and every older pooled one are
            # replaced (the pool retries the checkout with a new connection).
            raise InvalidatePoolError("a pooled connection failed its ping") from exc

    return checkout


class Database:
    """One database: the embedded SQLite file or a PostgreSQL server.

    Args:
        url: ``sqlite+aiosqlite:///path`` or ``postgresql+asyncpg://…``.
    """

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        kwargs: dict[str, Any] = {}
        # An SQLite file (not an in-memory database): it has a write-ahead log to look after.
        database = self.url.database
        sqlite_file = (
            Path(database) if self.is_sqlite and database not in (None, "", ":memory:") else None
        )
        if self.is_sqlite:
            if sqlite_file is not None:
                sqlite_file.parent.mkdir(parents=True, exist_ok=True)
            # check_same_thread: inline transactions (fixed_transaction) use the connection
            # from the event loop's thread, never while its worker thread does.
            kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        # Our trimmed subclasses of the SQLAlchemy dialects: see core.db.dialects.
        self.engine: AsyncEngine = create_async_engine(dialects.engine_url(self.url), **kwargs)
        # On PostgreSQL, the connection of fixed_transaction. It plans each prepared
        # statement once: the hot path's statements are fixed lookups by key (``= ANY`` of
        # an array of ids), for which the server otherwise keeps re-planning: its generic
        # plan's estimate for an array of unknown length looks worse than the custom ones,
        # and planning each execution cost as much as running it (measured). Not for
        # everything: other queries (the job queue's) may depend on custom plans.
        self._dedicated: DedicatedConnection | None = None
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        else:
            self._dedicated = DedicatedConnection(
                dialects.engine_url(self.url),
                {"plan_cache_mode": "force_generic_plan"},
                PING_AFTER_IDLE,
            )
            # Instead of pool_pre_ping (a round trip on every checkout): PING_AFTER_IDLE.
            pool = self.engine.sync_engine.pool
            event.listen(pool, "checkin", _mark_idle)
            event.listen(pool, "checkout", _ping_if_idle(self.engine.sync_engine.dialect))
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time. Queuing our own transactions here keeps them in
        # arrival order; left to SQLite's busy handler, which polls with growing sleeps, an
        # unlucky transaction can starve past the busy timeout when many arrive together.
        self._sqlite_turn = asyncio.Lock() if self.is_sqlite else None
        self._checkpointer: WalCheckpointer | None = None
        if sqlite_file is not None:
            self._checkpointer = WalCheckpointer(sqlite_file)
            event.listen(self.engine.sync_engine, "connect", _no_commit_checkpoints)

    @property
    def is_sqlite(self) -> bool:
        """Whether this is the embedded SQLite backend."""
        return self.url.get_backend_name() == "sqlite"

    @property
    def is_postgres(self) -> bool:
        """Whether this is PostgreSQL."""
        return self.url.get_backend_name() == "postgresql"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed on success, rolled back on any error.

        Not re-entrant on SQLite: never open a transaction inside another one.
        """
        if self._sqlite_turn is None:
            async with self.sessions() as session, session.begin():
                yield session
            return
        if self._checkpointer is not None:
            self._checkpointer.wrote()
        async with self._sqlite_turn, self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def fixed_transaction(self) -> AsyncIterator[FixedConnection]:
        """A connection in a transaction, for fixed statements (:mod:`core.db.fixed`).

        Committed on success, rolled back on any error. For the hot paths that need no
        ORM, only statements built once: a session's own bookkeeping costs more than some
        of the statements they run. On PostgreSQL they run on a dedicated asyncpg
        connection, which plans each statement once (see ``__init__``), one transaction at
        a time. On SQLite the transaction runs inline when it
        can (see :func:`core.db.dialects.begin_inline`): keep it short and free of other
        awaits. Not re-entrant on SQLite, like :meth:`transaction`.
        """
        if self._dedicated is not None:
            async with self._dedicated.transaction() as connection:
                yield connection
            return
        assert self._sqlite_turn is not None  # either PostgreSQL's connection or SQLite
        if self._checkpointer is not None:
            self._checkpointer.wrote()
        async with self._sqlite_turn, self.engine.connect() as connection:
            pooled = await connection.get_raw_connection()
            try:
                async with connection.begin():
                    dialects.begin_inline(pooled, BUSY_TIMEOUT_MS)
                    yield FixedConnection(connection)
            finally:
                dialects.end_inline(pooled)

    async def dispose(self) -> None:
        """Stops the background checkpoints and closes every pooled connection."""
        if self._checkpointer is not None:
            await self._checkpointer.close()
        if self._dedicated is not None:
            await self._dedicated.close()
        await self.engine.dispose()
