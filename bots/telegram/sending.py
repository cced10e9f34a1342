"""Bot API calls made safely: paced per chat, retried only when that cannot duplicate.

A transient failure is retried when the request certainly did not take effect: the
connection was never made (``ConnectError``, ``ConnectTimeout``, a full pool), or Telegram
answered with a server error (5xx: it did not carry the request out). After a read timeout
or a dropped connection the message may well have been delivered, and the Bot API offers
no way to check, so a new message is *not* sent again; an idempotent call (an edit, an
approval) is.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx
from telegram.error import BadRequest, NetworkError, RetryAfter

from bots.telegram.pacing import Pacer

log = logging.getLogger(__name__)

T = TypeVar("T")

# Failures of the connection itself: the request never reached Telegram.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def is_transient(error: Exception, idempotent: bool) -> bool:
    """Whether retrying the failed call can neither fail the same way for sure nor duplicate.

    Args:
        error: What python-telegram-bot raised.
        idempotent: Doing the call twice has the effect of doing it once.
    """
    if isinstance(error, BadRequest) or not isinstance(error, NetworkError):
        return False  # BadRequest subclasses NetworkError, but retrying repeats the refusal
    cause = error.__cause__
    if cause is None:
        return True  # Telegram answered 5xx
    if isinstance(cause, _NOT_SENT):
        return True
    return idempotent


def retry_after_seconds(error: RetryAfter) -> float:
    """``retry_after`` in seconds, whatever type this python-telegram-bot version uses."""
    with warnings.catch_warnings():  # PTB 22 warns that the type will change; both are read
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


class Courier:
    """Makes Bot API calls with pacing and safe retries.

    Args:
        pacer: Per-chat flood-limit lanes.
        attempts: How many times a transient failure is tried in all.
        backoff: Seconds before the first retry (doubled each time).
        sleep: How to wait (injectable for tests).
    """

    _MAX_RATE_LIMITED = 10  # consecutive 429s for one call before giving it up

    def __init__(
        self,
        pacer: Pacer,
        attempts: int = 4,
        backoff: float = 0.5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.pacer = pacer
        self._attempts = attempts
        self._backoff = backoff
        self._sleep = sleep
        self.rate_limited = 0  # 429s received, for the logs and the benchmark

    async def messages(
        self, chat_id: str, calls: list[Callable[[], Awaitable[T]]], *, idempotent: bool = False
    ) -> list[T]:
        """Sends messages to one chat, in order, each within the chat's flood limits.

        Holding the chat's lane across all of them keeps a split message together and in
        order. A 429 holds this chat only, for ``retry_after``, then the same call is made
        again (Telegram refused it, so nothing is duplicated).
        """
        results: list[T] = []
        async with self.pacer.lane(chat_id) as lane:
            for call in calls:

                async def paced(call: Callable[[], Awaitable[T]] = call) -> T:
                    async with lane.send():
                        return await call()

                results.append(
                    await self._with_retries(paced, idempotent, on_retry_after=lane.hold)
                )
        return results

    async def message(
        self, chat_id: str, call: Callable[[], Awaitable[T]], *, idempotent: bool = False
    ) -> T:
        """Sends (or edits) one message in a chat; see :meth:`messages`."""
        [result] = await self.messages(chat_id, [call], idempotent=idempotent)
        return result

    async def call(self, call: Callable[[], Awaitable[T]], *, idempotent: bool = True) -> T:
        """A call that sends no message (approvals, invite links): retried, not paced."""
        return await self._with_retries(call, idempotent, on_retry_after=None)

    async def _with_retries(
        self,
        call: Callable[[], Awaitable[T]],
        idempotent: bool,
        on_retry_after: Callable[[float], None] | None,
    ) -> T:
        failures = limited = 0
        delay = self._backoff
        while True:
            try:
                return await call()
            except RetryAfter as error:
                self.rate_limited += 1
                limited += 1
                if limited > self._MAX_RATE_LIMITED:
                    raise
                seconds = retry_after_seconds(error)
                log.warning("telegram rate limit", extra={"retry_after": seconds})
                if on_retry_after is not None:
                    on_retry_after(seconds)
                else:
                    await self._sleep(seconds)
            except NetworkError as error:
                failures += 1
                if failures >= self._attempts or not is_transient(error, idempotent):
                    raise
                log.info("transient telegram error, retrying", extra={"error": str(error)})
                await self._sleep(delay)
                delay *= 2
