"""Pacing one platform's bulk sends: slots at the declared rate, backing off when told to.

A :class:`Pacer` hands out send times ("slots") spaced by the platform's rate
(:class:`~core.messaging.port.Pace`), never two in the same chat closer than the chat's
interval. Reserving a slot is synchronous, so concurrent senders get successive slots and
the rate holds however many requests are in flight. When the platform still answers "too
fast" (:class:`~core.messaging.port.RateLimited`), the rate drops by 30 % and the next
slot waits out the platform's ``retry_after``; each success then adds back a little (AIMD,
as TCP does), so the sender settles just under what the platform really allows — the way to live
with a Matrix homeserver's limits, which the bot cannot know in advance.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from core.messaging.port import Pace

MAX_REMEMBERED_CHATS = 4096
# Slots are spaced for this share of the declared rate: the margin absorbs the event loop's
# timing jitter, so that late wake-ups do not add up to a burst the platform refuses.
MARGIN = 0.98
# Two sends never go out closer than this share of the interval, however late they woke.
LEAST_GAP = 0.5


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
        self._last = 0.0
        self._sent: deque[float] = deque()  # admission times within the last second
        self._chats: dict[str, float] = {}
        self.limited = 0  # how often the platform said "too fast"

    def _interval(self, direct: bool) -> float:
        rate = self.rate
        if direct and self.pace.direct_per_second:
            rate = min(rate, self.pace.direct_per_second)
        return 1.0 / (rate * MARGIN)

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

    def admit(self, direct: bool) -> float:
        """0 when a message may leave now (and it is counted), else the seconds to wait.

        Slots are planned; sends happen when the event loop gets to them. A sender that
        woke up late must neither go out together with the next one nor push the count of
        any one second past the rate (which is how platforms count): sends keep at least
        half an interval apart and at most ``MARGIN`` × rate within any second, measured
        when they really leave. Call it again after waiting.
        """
        now = self._monotonic()
        interval = self._interval(direct)
        most = max(1, int(1.0 / interval))
        sent = self._sent
        while sent and sent[0] <= now - 1.0:
            sent.popleft()
        at = max(now, self._last + LEAST_GAP * interval)
        if len(sent) >= most:
            at = max(at, sent[-most] + 1.0)
        if at > now:
            return at - now
        self._last = now
        sent.append(now)
        while len(sent) > most:
            sent.popleft()
        return 0.0

    def slow_down(self, retry_after: float) -> None:
        """The platform said "too fast": 30 % slower, and nothing before ``retry_after``."""
        self.limited += 1
        self.rate = max(self.rate * 0.7, self.pace.per_second / 64)
        self._next = max(self._next, self._monotonic() + retry_after)

    def succeeded(self) -> None:
        """One message accepted: creep back towards the declared rate."""
        if self.rate < self.pace.per_second:
            self.rate = min(self.pace.per_second, self.rate + self.pace.per_second / 100)
