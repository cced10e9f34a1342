"""Long polling, driven here rather than by python-telegram-bot's ``Updater``.

The ``Updater`` confirms each batch to Telegram (by asking for the next offset) as soon as
it has queued the updates, before any is handled: a crash then loses them. This loop asks
Telegram only for the offset below which every update has been handled and recorded by
the core (:class:`~bots.telegram.updates.UpdateLanes`), and stores that offset with
``CoreApp.save_state`` before confirming it, so a restart continues where it stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

from telegram import Bot
from telegram.error import Conflict, NetworkError, RetryAfter

from bots.telegram.sending import retry_after_seconds
from bots.telegram.translate import ALLOWED_UPDATES
from bots.telegram.updates import UpdateLanes

log = logging.getLogger(__name__)

OFFSET_KEY = "telegram:offset"


class StateStore(Protocol):
    """Where the offset is kept (``CoreApp.load_state`` / ``save_state``)."""

    async def load_state(self, key: str) -> str | None:
        """The stored value, if any."""
        ...

    async def save_state(self, key: str, value: str) -> None:
        """Stores a value."""
        ...


class Poller:
    """Fetches updates with ``getUpdates`` and hands them to the lanes.

    Args:
        bot: python-telegram-bot's bot (initialised).
        lanes: Where updates are handled.
        state: Keeps the offset across restarts.
        timeout: The long poll's timeout in seconds.
        busy_wait: While fetched updates are still in flight, how long to wait for one to
            finish before asking again (Telegram re-sends unconfirmed updates at once).
    """

    def __init__(
        self,
        bot: Bot,
        lanes: UpdateLanes,
        state: StateStore,
        timeout: int = 30,
        busy_wait: float = 0.5,
    ) -> None:
        self._bot = bot
        self._lanes = lanes
        self._state = state
        self._timeout = timeout
        self._busy_wait = busy_wait
        self._saved: int | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Polls until ``stop`` is set; stores the offset reached."""
        stored = await self._state.load_state(OFFSET_KEY)
        self._saved = int(stored) if stored else None
        # getUpdates and a webhook exclude each other; keep what Telegram has queued.
        await self._bot.delete_webhook(drop_pending_updates=False)
        stopping = asyncio.create_task(stop.wait())
        try:
            while not stop.is_set():
                fetch = asyncio.create_task(self._fetch())
                await asyncio.wait([fetch, stopping], return_when=asyncio.FIRST_COMPLETED)
                if not fetch.done():
                    fetch.cancel()  # unconfirmed updates come again after a restart
                    with contextlib.suppress(asyncio.CancelledError):
                        await fetch
                    break
                await fetch
        finally:
            stopping.cancel()
            # Stopping: let the updates in flight finish. Cancelled: cut them off at once
            # (they stay unconfirmed and come again).
            await self._lanes.drain(10 if stop.is_set() else 0)
            await self._save()

    async def _fetch(self) -> None:
        await self._save()
        offset = self._offset()
        self._lanes.progress.clear()
        try:
            updates = await self._bot.get_updates(
                offset=offset,
                timeout=self._timeout,
                allowed_updates=list(ALLOWED_UPDATES),
            )
        except RetryAfter as error:
            await asyncio.sleep(retry_after_seconds(error))
            return
        except Conflict:
            log.error("another process is polling this bot's updates; retrying in 5 s")
            await asyncio.sleep(5)
            return
        except NetworkError:
            log.warning("getUpdates failed; retrying in 2 s", exc_info=True)
            await asyncio.sleep(2)
            return
        watermark = self._lanes.watermark()
        fresh = [
            update
            for update in updates
            if (watermark is None or update.update_id >= watermark)
            and self._lanes.submit(update) is not None
        ]
        if updates and not fresh:
            # Only updates still in flight came back: wait for one to finish first.
            await self._lanes.wait_progress(self._busy_wait)

    def _offset(self) -> int | None:
        watermark = self._lanes.watermark()
        return watermark if watermark is not None else self._saved

    async def _save(self) -> None:
        """Stores the watermark when it moved: every update below it is handled."""
        watermark = self._lanes.watermark()
        if watermark is None or watermark == self._saved:
            return
        if self._saved is not None and watermark < self._saved:
            return
        await self._state.save_state(OFFSET_KEY, str(watermark))
        self._saved = watermark
