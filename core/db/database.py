"""The async engine and sessions, set up right for each backend."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling emits no BEGIN before SAVEPOINT, so a savepoint's
    # RELEASE would commit for real; we take over and emit BEGIN ourselves (_sqlite_begin).
    dbapi_connection.isolation_level = None
    # WAL lets readers run beside the one writer; busy_timeout makes concurrent writers wait
    # instead of failing at once; SQLite only enforces foreign keys when asked.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock up front: a transaction that read first and wrote later
    # could otherwise fail with SQLITE_BUSY instead of waiting its turn.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """One database: the embedded SQLite file or a PostgreSQL server.

    Args:
        url: ``sqlite+aiosqlite:///path`` or ``postgresql+asyncpg://…``.
    """

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            database = self.url.database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": 30}
        else:
            kwargs["pool_pre_ping"] = True
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(self.engine.sync_engine, "begin", _sqlite_begin)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time. Queuing our own transactions here keeps them in
        # arrival order; left to SQLite's busy handler, which polls with growing sleeps, an
        # unlucky transaction can starve past the busy timeout when many arrive together.
        self._sqlite_turn = asyncio.Lock() if self.is_sqlite else None

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
        async with self._sqlite_turn, self.sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        """Closes every pooled connection."""
        await self.engine.dispose()
