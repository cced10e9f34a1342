"""Keeping private messages to a modest rate, and nonces that let Discord drop retries.

discord.py already waits out Discord's rate-limit buckets (and 429 answers). Opening many
new DM channels quickly is different: Discord may flag the bot as spam and quarantine it.
So opening a DM channel the bot does not have yet takes a token from a small bucket.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import time
from collections.abc import Awaitable, Callable

from core.messaging.outbound import OutgoingMessage

MAX_NONCE = 25
NONCE_MEMORY = 300.0
"""Seconds Discord deduplicates an ``enforce_nonce`` message for (a few minutes)."""


class TokenBucket:
    """At most ``per_minute`` takes a minute on average, with bursts of ``burst``.

    Args:
        per_minute: The sustained rate.
        burst: How many may go at once after a quiet spell.
        clock: Monotonic seconds (injectable for tests).
        sleep: How to wait (injectable for tests).
    """

    def __init__(
        self,
        per_minute: int,
        burst: int = 5,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(max(1, burst))
        self.tokens = self.burst
        self.clock = clock
        self.sleep = sleep
        self.updated = clock()
        self.lock = asyncio.Lock()

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    async def take(self) -> float:
        """Waits for a token; returns how long it waited."""
        async with self.lock:  # one waiter at a time keeps the order fair
            self._refill()
            waited = 0.0
            if self.tokens < 1:
                waited = (1 - self.tokens) / self.rate
                await self.sleep(waited)
                self._refill()
                self.tokens = max(self.tokens, 1.0)
            self.tokens -= 1
            return waited


def delivery_nonce(chat_id: str, message: OutgoingMessage, repeat: int = 0) -> str:
    """A nonce (at most 25 characters) derived from what is sent where.

    A send retried after a timeout or a crash carries the same nonce, and Discord (with
    ``enforce_nonce``) returns the message it already made instead of posting it twice.
    ``repeat`` tells apart a message deliberately sent again with the same content.
    """
    parts = [
        chat_id,
        message.text,
        *(button.action for button in message.all_buttons()),
        message.asks_for_text or "",
        *(a.filename for a in (message.image, message.file) if a is not None),
        str(repeat),
    ]
    digest = hashlib.blake2b("\x00".join(parts).encode(), digest_size=15).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")[:MAX_NONCE]


class NonceBook:
    """Nonces used recently by this process, so that an intended repeat gets a new one.

    Retries that matter (discord.py's own, or a restarted process resending) reuse the
    nonce; the same content sent again on purpose within minutes (a second "unknown
    command") must not be swallowed.

    Args:
        clock: Monotonic seconds.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.used: dict[str, float] = {}

    def next(self, chat_id: str, message: OutgoingMessage) -> str:
        """The nonce for sending ``message`` to ``chat_id`` now.

        A message with an idempotency key (a broadcast delivery's) always gets the nonce of
        its key, so resending it after a crash, from any process, is dropped by Discord.
        """
        if message.idempotency_key:
            digest = hashlib.blake2b(
                f"{chat_id}\x00{message.idempotency_key}".encode(), digest_size=15
            ).digest()
            return base64.urlsafe_b64encode(digest).decode("ascii")[:MAX_NONCE]
        now = self.clock()
        self.used = {n: at for n, at in self.used.items() if now - at < NONCE_MEMORY}
        repeat = 0
        nonce = delivery_nonce(chat_id, message, repeat)
        while nonce in self.used:
            repeat += 1
            nonce = delivery_nonce(chat_id, message, repeat)
        self.used[nonce] = now
        return nonce
