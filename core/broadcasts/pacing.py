"""Pacing one platform's bulk sends: slots at the declared rate, backing off when told to.

A :class:`Pacer` hands out send times ("slots") spaced by the platform's rate
(:class:`~core.messaging.port.Pace`), never two in the same chat closer than the chat's
interval. Reserving a slot is synchronous, so concurrent senders get successive slots and
the rate holds however many requests are in flight. When the platform still answers "too
fast" (:class:`~core.messaging.port.RateLimited`), the rate halves and the next slot waits
out the platform's ``retry_after``; each success then adds back a little (AIMD, as TCP
does), so the sender settles just under what the platform really allows — the way to live
with a Matrix homeserver's limits, which the bot cannot know in advance.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from core.messaging.port import Pace

MAX_REMEMBERED_CHATS = 4096


class Pacer:
    """Send slots for one platform.

    Args:
        pace: What the platform declares.
        monotonic: The time source (seconds; injectable for tests).
    """

    def __init__(self, pace: Pace, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.pace = pace
        self.rate = pace.per_second
        self._monotonic = monotonic
        self._next = 0.0
        self._chats: dict[str, float] = {}
        self.limited = 0  # how often the platform said "too fast"

    def _interval(self, direct: bool) -> float:
        rate = self.rate
        if direct and self.pace.direct_per_second:
            rate = min(rate, self.pace.direct_per_second)
        return 1.0 / rate

    def reserve(self, chat: str, direct: bool) -> float:
        """The (monotonic) time to send one message to ``chat``; the slot is taken."""
        now = self._monotonic()
        slot = max(now, self._next)
        self._next = slot + self._interval(direct)
        ready = self._chats.get(chat)
        if ready is not None and ready > slot:
            slot = ready
        if self.pace.per_chat_interval > 0:
            if len(self._chats) >= MAX_REMEMBERED_CHATS:
                self._chats = {c: t for c, t in self._chats.items() if t > now}
            self._chats[chat] = slot + self.pace.per_chat_interval
        return slot

    def wait(self, slot: float) -> float:
        """Seconds from now until ``slot``."""
        return max(0.0, slot - self._monotonic())

    def slow_down(self, retry_after: float) -> None:
        """The platform said "too fast": half the rate, and nothing before ``retry_after``."""
        self.limited += 1
        self.rate = max(self.rate / 2, self.pace.per_second / 64)
        self._next = max(self._next, self._monotonic() + retry_after)

    def succeeded(self) -> None:
        """One message accepted: creep back towards the declared rate."""
        if self.rate < self.pace.per_second:
            self.rate = min(self.pace.per_second, self.rate + self.pace.per_second / 100)
