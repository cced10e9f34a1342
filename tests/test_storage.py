"""Migrations apply from empty on both backends, and the models match them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, select

from core.db.database import Database
from core.db.migrate import current_revision, head_revision, pending_model_changes, upgrade
from core.db.registry import all_metadata
from core.scheduling.models import Job

pytestmark = pytest.mark.asyncio


async def test_migrations_apply_from_empty_and_match_models(database_url: str) -> None:
    db = Database(database_url)
    try:
        assert await current_revision(db) is None
        await upgrade(db)
        assert await current_revision(db) == head_revision() is not None
        async with db.engine.connect() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        assert set(all_metadata().tables) <= tables
        # Autogenerate finds nothing to do: the migrations build exactly the models.
        assert await pending_model_changes(db) == []
        await upgrade(db)  # a second upgrade is a no-op
        assert await current_revision(db) == head_revision()
    finally:
        await db.dispose()


async def test_timestamps_come_back_aware_utc(database_url: str) -> None:
    db = Database(database_url)
    try:
        await upgrade(db)
        athens = timezone(timedelta(hours=2))
        due = datetime(2026, 12, 6, 11, 0, tzinfo=athens)
        async with db.transaction() as session:
            session.add(
                Job(
                    kind="k",
                    payload={"a": 1},
                    due_at=due,
                    status="pending",
                    attempts=0,
                    created_at=due,
                )
            )
        async with db.sessions() as session:
            job = (await session.scalars(select(Job))).one()
        assert job.due_at == due
        assert job.due_at.tzinfo is not None
        assert job.due_at.utcoffset() == timedelta(0)
        assert job.due_at.hour == 9
        assert job.payload == {"a": 1}
    finally:
        await db.dispose()


async def test_naive_datetimes_are_refused(tmp_path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    try:
        await upgrade(db)
        with pytest.raises(Exception, match="naive datetime"):
            async with db.transaction() as session:
                session.add(
                    Job(
                        kind="k",
                        payload={},
                        due_at=datetime(2026, 1, 1),
                        status="pending",
                        attempts=0,
                        created_at=datetime.now(UTC),
                    )
                )
    finally:
        await db.dispose()


async def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'sub' / 'x.db'}")
    try:
        async with db.engine.connect() as conn:
            mode = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
            fks = (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar()
        assert mode == "wal"
        assert fks == 1
    finally:
        await db.dispose()
