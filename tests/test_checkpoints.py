"""SQLite's write-ahead log is copied back into the database in the background."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert

from core.db.checkpoints import WalCheckpointer
from core.db.database import Database
from core.db.migrate import upgrade
from core.messaging.models import HandledUpdate

pytestmark = pytest.mark.asyncio

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _in_database_file(path: Path) -> int:
    """Rows of handled_updates in the database file itself, ignoring the log.

    ``immutable=1`` makes SQLite read the main file as it is on disk, without the
    write-ahead log: what a checkpoint has copied back, and nothing else.
    """
    connection = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        return int(connection.execute("SELECT count(*) FROM handled_updates").fetchone()[0])
    except sqlite3.DatabaseError:  # read while a checkpoint was writing pages: not yet
        return -1
    finally:
        connection.close()


async def _write(db: Database, start: int, count: int) -> None:
    async with db.transaction() as session:
        await session.execute(
            insert(HandledUpdate),
            [
                {"platform": "t", "update_key": f"k{i}", "handled_at": NOW}
                for i in range(start, start + count)
            ],
        )


async def test_writes_reach_the_database_file_without_a_commit_doing_it(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        await upgrade(db)
        await _write(db, 0, 50)  # a few pages: far below the commit-time autocheckpoint
        deadline = asyncio.get_running_loop().time() + 5
        while _in_database_file(path) < 50:
            assert asyncio.get_running_loop().time() < deadline, "never checkpointed"
            await asyncio.sleep(0.05)
        await _write(db, 50, 10)  # writes after an idle spell wake the checkpoints again
        while _in_database_file(path) < 60:
            assert asyncio.get_running_loop().time() < deadline, "not checkpointed again"
            await asyncio.sleep(0.05)
    finally:
        await db.dispose()


async def test_closing_waits_for_a_checkpoint_in_progress(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    db = Database(f"sqlite+aiosqlite:///{path}")
    await upgrade(db)
    await _write(db, 0, 20)
    checkpointer = WalCheckpointer(path, interval=0)
    started = asyncio.Event()
    real = checkpointer.checkpoint
    loop = asyncio.get_running_loop()

    def slow() -> tuple[int, int, int]:
        loop.call_soon_threadsafe(started.set)
        time.sleep(0.2)  # still running on its thread when close() is called
        return real()

    checkpointer.checkpoint = slow  # type: ignore[method-assign]
    checkpointer.wrote()
    await asyncio.wait_for(started.wait(), 5)
    await checkpointer.close()  # must not close the connection under the running thread
    assert _in_database_file(path) == 20
    await db.dispose()


async def test_a_failing_checkpoint_is_logged_and_the_next_one_runs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "bot.sqlite3"
    db = Database(f"sqlite+aiosqlite:///{path}")
    await upgrade(db)
    await _write(db, 0, 20)
    checkpointer = WalCheckpointer(path, interval=0)
    calls: list[str] = []
    real = checkpointer.checkpoint

    def flaky() -> tuple[int, int, int]:
        calls.append("call")
        if len(calls) == 1:
            raise sqlite3.OperationalError("disk I/O error")
        return real()

    checkpointer.checkpoint = flaky  # type: ignore[method-assign]
    checkpointer.wrote()
    await asyncio.sleep(0.1)
    checkpointer.wrote()
    deadline = asyncio.get_running_loop().time() + 5
    while _in_database_file(path) < 20:
        assert asyncio.get_running_loop().time() < deadline, "never checkpointed after a failure"
        await asyncio.sleep(0.05)
    assert "background checkpoint failed" in caplog.text
    await checkpointer.close()
    await db.dispose()
