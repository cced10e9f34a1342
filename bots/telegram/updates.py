"""Handling updates: concurrently across chats, in order within one, never confirmed early.

Telegram forgets an update once the bot confirms it (``getUpdates`` with a higher offset,
or a 2xx webhook answer). An update is confirmed here only after the core has handled it,
which the core records in the same transaction as its effects. A crash in between makes
Telegram deliver it again, and the core skips the copy. So no update is lost and none is
handled twice.

While a slow update is in flight, later ones of other chats are handled meanwhile; the
offset that may be confirmed is then the lowest update still in flight (the watermark).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from telegram import Update

from bots.telegram.translate import lane_key

log = logging.getLogger(__name__)


class UpdateLanes:
    """Runs a handler for each update, one chat after another but many chats at once.

    Args:
        handle: Handles one update completely (never raises for bad input).
        concurrency: How many updates are handled at the same time.
    """

    def __init__(self, handle: Callable[[Update], Awaitable[None]], concurrency: int = 16) -> None:
        self._handle = handle
        self._slots = asyncio.Semaphore(concurrency)
        self._tails: dict[str, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._done: set[int] = set()  # finished, above the watermark (to skip refetched copies)
        self._highest = -1
        self.progress = asyncio.Event()

    def watermark(self) -> int | None:
        """The offset that may be confirmed: everything below it is handled."""
        if self._in_flight:
            return min(self._in_flight)
        return self._highest + 1 if self._highest >= 0 else None

    @property
    def busy(self) -> bool:
        """Whether some update is still being handled."""
        return bool(self._in_flight)

    def pending(self, update_id: int) -> asyncio.Task[None] | None:
        """The task handling ``update_id``, while it is in flight."""
        return self._in_flight.get(update_id)

    def submit(self, update: Update) -> asyncio.Task[None] | None:
        """Queues an update behind the earlier ones of its chat.

        Returns:
            Its task, or None when this update id is already in flight or handled (a copy
            Telegram sent again because it was not confirmed yet).
        """
        update_id = update.update_id
        if update_id in self._in_flight or update_id in self._done:
            return None
        self._highest = max(self._highest, update_id)
        key = lane_key(update)
        previous = self._tails.get(key)
        task = asyncio.create_task(self._run(update, previous))
        self._in_flight[update_id] = task
        self._tails[key] = task
        self._tasks.add(task)
        task.add_done_callback(lambda done: self._forget(key, done))
        return task

    async def _run(self, update: Update, previous: asyncio.Task[None] | None) -> None:
        if previous is not None:
            await asyncio.wait([previous])  # its outcome is its own; only the order matters
        async with self._slots:
            try:
                await self._handle(update)
            except Exception:
                # Never leave an update in flight for ever: log it, and let it count as
                # handled (the core logs its own failures; this is an adapter bug).
                log.exception("update handling failed", extra={"update": update.update_id})
        self._finish(update.update_id)

    def _finish(self, update_id: int) -> None:
        self._in_flight.pop(update_id, None)
        self._done.add(update_id)
        watermark = self.watermark()
        if watermark is not None:
            self._done = {done for done in self._done if done >= watermark}
        self.progress.set()

    def _forget(self, key: str, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if self._tails.get(key) is task:
            del self._tails[key]

    async def wait_progress(self, seconds: float) -> None:
        """Waits until some update finishes after ``progress`` was last cleared.

        Waits ``seconds`` at most.
        """
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.progress.wait(), seconds)

    async def drain(self, seconds: float) -> None:
        """Waits (up to ``seconds``) for the updates in flight, then cancels the rest.

        A cancelled update stays unconfirmed: Telegram delivers it again after a restart.
        """
        tasks = list(self._tasks)
        if not tasks:
            return
        _done, pending = await asyncio.wait(tasks, timeout=seconds)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)
