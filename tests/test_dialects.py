"""Our trimmed dialects (core.db.dialects) behave as SQLAlchemy's own, with fewer calls."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import cast

import aiosqlite
import pytest
from asyncpg.exceptions import (
    ConnectionDoesNotExistError,
    InterfaceError,
    UniqueViolationError,
)
from sqlalchemy import Integer, String, Table, bindparam, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from core.db.database import Database
from core.db.fixed import FixedStatement
from core.db.migrate import upgrade
from core.db.statements import INSERT
from core.db.types import UTCDateTime
from core.messaging.models import HandledUpdate
from core.scheduling.models import Job
from core.scheduling.scheduler import BOOK_ONCE

pytestmark = pytest.mark.asyncio

NOW = datetime(2026, 1, 1, tzinfo=UTC)
_HANDLED = cast(Table, HandledUpdate.__table__)


def _row(key: str) -> dict[str, object]:
    return {"platform": "t", "update_key": key, "handled_at": NOW}


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await upgrade(database)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
async def sqlite_db(tmp_path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'd.db'}")
    await upgrade(database)
    try:
        yield database
    finally:
        await database.dispose()


async def _keys(db: Database) -> list[str]:
    async with db.sessions() as session:
        rows = await session.scalars(select(HandledUpdate.update_key).order_by("update_key"))
        return list(rows.all())


@pytest.fixture
def worker_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every call made on an aiosqlite connection's worker thread."""
    calls: list[str] = []
    real = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: object, *args: object) -> object:
        calls.append(getattr(fn, "__name__", repr(fn)))
        return await real(self, fn, *args)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return calls


async def test_savepoints_undo_only_their_own_writes(db: Database) -> None:
    async with db.transaction() as session:
        await session.execute(insert(HandledUpdate), [_row("a")])
        with pytest.raises(RuntimeError):
            async with session.begin_nested():
                await session.execute(insert(HandledUpdate), [_row("b")])
                async with session.begin_nested():
                    pass  # a savepoint nobody used
                raise RuntimeError("undo b")
        async with session.begin_nested():
            await session.execute(insert(HandledUpdate), [_row("c")])
            async with session.begin_nested():
                await session.execute(insert(HandledUpdate), [_row("d")])
    assert await _keys(db) == ["a", "c", "d"]


async def test_a_savepoint_undone_just_before_the_commit_stays_undone(db: Database) -> None:
    async with db.transaction() as session:
        await session.execute(insert(HandledUpdate), [_row("a")])
        with pytest.raises(RuntimeError):
            async with session.begin_nested():
                await session.execute(insert(HandledUpdate), [_row("b")])
                raise RuntimeError("undo b, then commit at once")
    assert await _keys(db) == ["a"]


async def test_a_failed_statement_in_a_savepoint_spares_the_transaction(db: Database) -> None:
    async with db.transaction() as session:
        await session.execute(insert(HandledUpdate), [_row("a")])
        with pytest.raises(IntegrityError):
            async with session.begin_nested():
                await session.execute(insert(HandledUpdate), [_row("a")])
        await session.execute(insert(HandledUpdate), [_row("b")])
    assert await _keys(db) == ["a", "b"]


async def test_a_failed_transaction_leaves_nothing(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await session.execute(insert(HandledUpdate), [_row("a")])
            raise RuntimeError("stop")
    async with db.transaction() as session:  # the connection came back clean
        await session.execute(insert(HandledUpdate), [_row("b")])
    assert await _keys(db) == ["b"]


async def test_sqlite_costs_one_worker_call_per_statement(
    sqlite_db: Database, worker_calls: list[str]
) -> None:
    async with sqlite_db.transaction() as session:
        await session.execute(insert(HandledUpdate), [_row("a")])  # with BEGIN IMMEDIATE
        await session.scalar(select(func.count()).select_from(HandledUpdate))
    assert len(worker_calls) == 3  # two statements, the commit

    worker_calls.clear()
    async with sqlite_db.transaction() as session:
        await session.connection()
        async with session.begin_nested():
            pass
    assert worker_calls == []  # no statement: no BEGIN, no SAVEPOINT, no COMMIT


async def test_sqlite_takes_the_write_lock_at_the_first_statement(
    sqlite_db: Database, tmp_path
) -> None:
    other = sqlite3.connect(tmp_path / "d.db", timeout=0, isolation_level=None)
    try:
        async with sqlite_db.transaction() as session:
            await session.connection()
            other.execute("BEGIN IMMEDIATE")  # not taken yet: nothing was sent
            other.execute("ROLLBACK")
            await session.scalar(select(func.count()).select_from(HandledUpdate))  # a read
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()


async def test_sqlite_streams_batches_and_counts(sqlite_db: Database) -> None:
    async with sqlite_db.engine.begin() as conn:
        await conn.execute(insert(HandledUpdate), [_row(f"k{i}") for i in range(50)])
        changed = await conn.execute(
            update(HandledUpdate).where(HandledUpdate.update_key < "k2").values(platform="u")
        )
        assert changed.rowcount == 12  # k0, k1, k10…k19
    async with sqlite_db.engine.begin() as conn:  # a streamed read opens the transaction
        result = await conn.stream(select(HandledUpdate.update_key))
        assert len([row async for row in result]) == 50


async def test_sqlite_rolls_back_a_connection_given_back_mid_transaction(
    sqlite_db: Database,
) -> None:
    conn = await sqlite_db.engine.connect()
    await conn.begin()
    await conn.execute(insert(HandledUpdate), [_row("lost")])
    await conn.close()  # no commit: the pool's reset rolls back (and frees the write lock)
    async with sqlite_db.transaction() as session:
        await session.execute(insert(HandledUpdate), [_row("kept")])
    assert await _keys(sqlite_db) == ["kept"]


_INSERT = FixedStatement(
    lambda dialect: INSERT[dialect](_HANDLED).values(
        platform=bindparam("platform"),
        update_key=bindparam("update_key"),
        handled_at=bindparam("handled_at", type_=UTCDateTime()),
    )
)
_COUNT = FixedStatement(lambda _d: select(func.count().label("n")).select_from(HandledUpdate))
_READ = FixedStatement(
    lambda _d: select(HandledUpdate.update_key, HandledUpdate.handled_at).order_by(
        HandledUpdate.update_key
    )
)


async def test_fixed_transactions_run_inline_without_the_worker_thread(
    db: Database, worker_calls: list[str]
) -> None:
    async with db.fixed_transaction() as conn:
        assert await conn.rows(_INSERT, _row("a")) == []  # no RETURNING: no rows
        await conn.rows(_INSERT, _row("b"))
        [count] = await conn.rows(_COUNT, {})
        assert count.n == 2
    if db.is_sqlite:
        assert worker_calls == []  # BEGIN, the statements and the COMMIT: all inline
    assert await _keys(db) == ["a", "b"]


async def test_a_failed_fixed_transaction_leaves_nothing_and_a_clean_connection(
    db: Database, worker_calls: list[str]
) -> None:
    with pytest.raises(IntegrityError if db.is_sqlite else UniqueViolationError):
        async with db.fixed_transaction() as conn:
            await conn.rows(_INSERT, _row("a"))
            await conn.rows(_INSERT, _row("a"))  # the same key again
    if db.is_sqlite:
        assert worker_calls == []  # the rollback too was inline
    # The pooled connection is back in its usual mode: this goes through the worker.
    async with db.transaction() as session:
        await session.execute(insert(HandledUpdate), [_row("b")])
    if db.is_sqlite:
        assert worker_calls == ["_run", "commit"]  # BEGIN with the insert, then COMMIT
    async with db.fixed_transaction() as conn:
        await conn.rows(_INSERT, _row("c"))
    assert await _keys(db) == ["b", "c"]


async def test_fixed_statements_give_what_sqlalchemy_gives(db: Database) -> None:
    """Converted by the column types as SQLAlchemy converts them (aware UTC times, JSON)."""
    async with db.fixed_transaction() as conn:
        await conn.rows(_INSERT, _row("a"))
        booked = await conn.rows(BOOK_ONCE, _booking("k", {"decision": 7, "why": "ü"}))
        again = await conn.rows(BOOK_ONCE, _booking("k", {"decision": 8}))
        [read] = await conn.rows(_READ, {})
        [payload] = await conn.rows(_PAYLOADS, {})
    assert len(booked) == 1 and again == []  # the dedup key turned the second away
    assert (read.update_key, read[1]) == ("a", NOW)
    assert payload.payload == {"decision": 7, "why": "ü"}
    assert read.handled_at.tzinfo is not None
    async with db.sessions() as session:
        job = await session.get(Job, booked[0].id)
        assert job is not None
        assert (job.payload, job.due_at, job.dedup_key) == ({"decision": 7, "why": "ü"}, NOW, "k")
    async with db.fixed_transaction() as conn:
        assert await conn.rows(BOOK_ONCE, _booking("k2", {})) != []


_PAYLOADS = FixedStatement(lambda _d: select(Job.payload))


def _booking(key: str, payload: dict[str, object]) -> dict[str, object]:
    return {
        "kind": "x",
        "payload": payload,
        "due_at": NOW,
        "status": "pending",
        "dedup_key": key,
        "attempts": 0,
        "created_at": NOW,
    }


async def test_fixed_statements_refuse_what_their_backend_cannot_run(db: Database) -> None:
    sqlite_only = FixedStatement(lambda _d: select(HandledUpdate.update_key), ["sqlite"])
    async with db.fixed_transaction() as conn:
        if db.is_sqlite:
            assert await conn.rows(sqlite_only, {}) == []
            await conn.rows(_INSERT, [_row("a"), _row("b")])  # many rows: one statement
            assert [r.n for r in await conn.rows(_COUNT, {})] == [2]
            return
        with pytest.raises(KeyError):
            await conn.rows(sqlite_only, {})
        with pytest.raises(TypeError):  # PostgreSQL takes arrays, not a list of rows
            await conn.rows(_INSERT, [_row("a"), _row("b")])


async def test_a_fixed_transaction_waits_its_turn_when_another_process_writes(
    sqlite_db: Database, tmp_path, worker_calls: list[str]
) -> None:
    other = sqlite3.connect(tmp_path / "d.db", timeout=0, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock

    async def done_by_the_other_process() -> None:
        await asyncio.sleep(0.3)
        other.execute("COMMIT")

    release = asyncio.create_task(done_by_the_other_process())
    started = asyncio.get_running_loop().time()
    async with sqlite_db.fixed_transaction() as conn:  # not inline: its BEGIN waits
        await conn.rows(_INSERT, _row("after"))
    assert asyncio.get_running_loop().time() - started >= 0.25
    await release
    other.close()
    assert await _keys(sqlite_db) == ["after"]
    assert worker_calls[:1] == ["_run"]  # the BEGIN travelled with the insert, on the worker


@pytest.mark.postgres
async def test_fixed_transactions_on_postgres_plan_each_statement_once(
    postgres_url: str,
) -> None:
    db = Database(postgres_url)
    await upgrade(db)
    try:
        async with db.fixed_transaction() as conn:
            [mode] = await conn.rows(_SHOW_PLANS, {})
            assert mode.plan_cache_mode == "force_generic_plan"
        async with db.transaction() as session:  # everything else: the server's own choice
            assert await session.scalar(text("SHOW plan_cache_mode")) == "auto"
    finally:
        await db.dispose()


_SHOW_PLANS = FixedStatement(
    lambda _d: text("SHOW plan_cache_mode").columns(plan_cache_mode=String()), ["postgresql"]
)


@pytest.mark.postgres
async def test_a_connection_lost_in_a_fixed_transaction_is_replaced(postgres_url: str) -> None:
    db = Database(postgres_url)
    await upgrade(db)
    try:
        # The statement fails, then so does the rollback on the closed connection.
        with pytest.raises((ConnectionDoesNotExistError, InterfaceError)):
            async with db.fixed_transaction() as conn:
                [me] = await conn.rows(_BACKEND, {})
                async with db.transaction() as session:  # the server drops the connection
                    await session.execute(
                        text("SELECT pg_terminate_backend(:pid)"), {"pid": me.pid}
                    )
                await conn.rows(_INSERT, _row("lost"))
        async with db.fixed_transaction() as conn:  # a new connection, not the dead one
            await conn.rows(_INSERT, _row("kept"))
        assert await _keys(db) == ["kept"]
    finally:
        await db.dispose()


@pytest.mark.postgres
async def test_a_connection_dropped_between_fixed_transactions_is_replaced(
    postgres_url: str,
) -> None:
    db = Database(postgres_url)
    await upgrade(db)
    try:
        async with db.fixed_transaction() as conn:
            [me] = await conn.rows(_BACKEND, {})
        async with db.transaction() as session:  # the server restarts, say
            await session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": me.pid})
        await asyncio.sleep(0.2)
        async with db.fixed_transaction() as conn:
            [now] = await conn.rows(_BACKEND, {})
            await conn.rows(_INSERT, _row("kept"))
        assert now.pid != me.pid
        assert await _keys(db) == ["kept"]
    finally:
        await db.dispose()


_BACKEND = FixedStatement(
    lambda _d: text("SELECT pg_backend_pid() AS pid").columns(pid=Integer()), ["postgresql"]
)
