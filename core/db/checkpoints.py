"""SQLite's write-ahead log, copied back into the database beside the writers, not by them.

In WAL mode every commit appends to the log, and once the log holds 1,000 pages the
committing connection copies it back into the database file and syncs it (an
"autocheckpoint"). That copy takes tens of milliseconds, inside one transaction's commit,
on the single writer's thread: while a crowd votes, every few hundred presses one batch
stalls, and every press queued behind it waits (measured: the p99 of a vote went from
17 ms to 30–130 ms, all of it in those commits).

A :class:`WalCheckpointer` does the copy on a connection of its own, on a worker thread,
a moment after each run of writes. A *passive* checkpoint takes no lock that writers wait
for: they keep appending while it copies. The log therefore stays short. Commits no longer
copy it themselves (:class:`~core.db.database.Database` turns ``wal_autocheckpoint`` off
for its connections): a vote batch's commit may run on the event loop's own thread, which
must never stall for tens of milliseconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from pathlib import Path

log = logging.getLogger(__name__)

INTERVAL = 0.25
"""Seconds between checkpoints while there are writes: at a thousand votes a second the
log grows by a few hundred pages in that time."""


class WalCheckpointer:
    """Runs passive checkpoints of one SQLite file in the background while it is written.

    Args:
        path: The database file.
        interval: Seconds between checkpoints while there are writes.
    """

    def __init__(self, path: Path, interval: float = INTERVAL) -> None:
        self._path = path
        self._interval = interval
        self._connection: sqlite3.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self._running: asyncio.Future[tuple[int, int, int]] | None = None
        self._dirty = False

    def wrote(self) -> None:
        """Notes that a transaction may write; (re)starts the background loop if it is idle."""
        self._dirty = True
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        # Runs while writes keep coming and ends once a checkpoint found none after it: an
        # idle bot has no timer ticking for nothing.
        while self._dirty:
            # Let a burst of writes accumulate: one checkpoint copies them all.
            await asyncio.sleep(self._interval)
            self._dirty = False
            self._running = asyncio.get_running_loop().run_in_executor(None, self.checkpoint)
            try:
                # Shielded: cancelling the loop must not leave the thread using a
                # connection that close() is about to close (see close).
                await asyncio.shield(self._running)
            except sqlite3.Error:
                # A failed copy loses nothing (the log keeps every page): the next write
                # brings the next checkpoint, which copies them.
                log.warning("background checkpoint failed", exc_info=True)

    def checkpoint(self) -> tuple[int, int, int]:
        """One passive checkpoint, blocking (call it on a worker thread).

        Returns:
            SQLite's answer: (busy, pages in the log, pages copied back).
        """
        if self._connection is None:
            # Used from whichever worker thread runs it, one call at a time.
            self._connection = sqlite3.connect(
                self._path, check_same_thread=False, isolation_level=None
            )
        row = self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return int(row[0]), int(row[1]), int(row[2])

    async def close(self) -> None:
        """Stops the loop and closes its connection (the last writer's close checkpoints)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._running is not None:
            # A checkpoint still running on its thread finishes before its connection goes.
            with contextlib.suppress(Exception):
                await self._running
            self._running = None
        if self._connection is not None:
            self._connection.close()
            self._connection = None
