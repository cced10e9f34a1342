"""Telegram's flood limits, honoured per chat so that one slow chat never stalls the others.

Telegram allows a bot about 30 messages a second overall, one a second in a private chat,
and 20 a minute in a group. python-telegram-bot's ``AIORateLimiter`` pauses *every* request
when any chat gets a 429; here each chat has its own lane instead:

* a lane serialises the sends to its chat (so a split message arrives in order) and spaces
  them by that chat's limits;
* all lanes share one sliding window for the overall limit;
* a 429 ``retry_after`` holds only the lane of the chat it was about.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Rate:
    """At most ``count`` messages in any ``seconds`` long window."""

    count: int
    seconds: float

    def scaled(self, factor: float) -> Rate:
        """The same count in a window ``factor`` times as long (tests run faster clocks)."""
        return Rate(self.count, self.seconds * factor)


@dataclass(frozen=True)
class FloodLimits:
    """The limits a bot keeps to (Telegram's published ones by default).

    Attributes:
        overall: Across all chats.
        private: In one private chat.
        group: In one group chat (every rate applies).
        margin: Seconds added to every window, so that jitter between our clock and the
            server's never turns an exact fit into a 429.
    """

    overall: Rate = Rate(30, 1.0)
    private: tuple[Rate, ...] = (Rate(1, 1.0),)
    group: tuple[Rate, ...] = (Rate(1, 1.0), Rate(20, 60.0))
    margin: float = 0.02

    def scaled(self, factor: float) -> FloodLimits:
        """Every window ``factor`` times as long (a test's fake server scales the same way).

        The margin stays: network jitter does not scale.
        """
        return FloodLimits(
            overall=self.overall.scaled(factor),
            private=tuple(r.scaled(factor) for r in self.private),
            group=tuple(r.scaled(factor) for r in self.group),
            margin=self.margin,
        )


def is_private_chat(chat_id: str) -> bool:
    """Telegram gives users (and so private chats) positive ids, groups negative ones."""
    return not chat_id.startswith("-")


class _Window:
    """A sliding window over the times sends *finished*: when may the next one start?

    Counting from a send's end rather than its start is what keeps the limits however the
    network delays requests: Telegram sees a request arrive before we see its answer, so
    if a send starts a window after an earlier one's answer, Telegram also sees them at
    least a window apart.
    """

    def __init__(self, rates: tuple[Rate, ...], margin: float) -> None:
        self._rates = rates
        self._margin = margin
        self._times: deque[float] = deque(maxlen=max((r.count for r in rates), default=1))

    def ready_at(self) -> float:
        ready = 0.0
        for rate in self._rates:
            if len(self._times) >= rate.count:
                ready = max(ready, self._times[-rate.count] + rate.seconds + self._margin)
        return ready

    def record(self, at: float) -> None:
        self._times.append(at)

    @property
    def last(self) -> float:
        return self._times[-1] if self._times else float("-inf")


class _Overall:
    """The bot-wide limit: sends in flight plus sends finished within the window."""

    def __init__(self, rate: Rate, margin: float, clock: Callable[[], float]) -> None:
        self._rate = rate
        self._span = rate.seconds + margin
        self._clock = clock
        self._finished: deque[float] = deque()
        self._in_flight = 0
        self._changed = asyncio.Condition()
        self._turn = asyncio.Lock()

    def _wait_time(self) -> float | None:
        """Seconds until a send may start (0: now); None: when a send in flight ends."""
        now = self._clock()
        while self._finished and self._finished[0] <= now - self._span:
            self._finished.popleft()
        if self._in_flight + len(self._finished) < self._rate.count:
            return 0.0
        if self._finished:
            return self._finished[0] + self._span - now
        return None

    async def acquire(self, sleep: Callable[[float], Awaitable[None]]) -> None:
        # First come, first served, and only the first watches the window: thousands of
        # waiting sends (a broadcast) must not all wake up for every slot.
        async with self._turn:
            while True:
                wait = self._wait_time()
                if wait is not None and wait <= 0:
                    self._in_flight += 1
                    return
                if wait is not None:
                    await sleep(wait)
                    continue
                async with self._changed:
                    await self._changed.wait()

    async def release(self) -> None:
        self._in_flight -= 1
        self._finished.append(self._clock())
        async with self._changed:
            self._changed.notify_all()


@dataclass
class _Lane:
    window: _Window
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    held_until: float = 0.0


class Lane:
    """One chat's turn to send, handed out by :meth:`Pacer.lane`."""

    def __init__(self, pacer: Pacer, lane: _Lane) -> None:
        self._pacer = pacer
        self._lane = lane

    @asynccontextmanager
    async def send(self) -> AsyncIterator[None]:
        """Waits until this chat and the bot may send one more message; spans the request.

        The send's end is recorded (see :class:`_Window`), also for a refused one.
        """
        await self._pacer._wait(self._lane)
        try:
            yield
        finally:
            self._lane.window.record(self._pacer._clock())
            await self._pacer._overall.release()

    def hold(self, seconds: float) -> None:
        """Telegram said ``retry_after``: this chat (only) waits that long."""
        self._lane.held_until = max(self._lane.held_until, self._pacer._clock() + seconds)


class Pacer:
    """Hands out send slots per chat within :class:`FloodLimits`.

    Args:
        limits: The limits to keep.
        clock: Monotonic seconds (injectable for tests).
        sleep: How to wait (injectable for tests).
    """

    _SWEEP_EVERY = 1000

    def __init__(
        self,
        limits: FloodLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limits = limits or FloodLimits()
        self._clock = clock
        self._sleep = sleep
        self._overall = _Overall(self.limits.overall, self.limits.margin, clock)
        self._lanes: dict[str, _Lane] = {}
        self._turns = 0

    @asynccontextmanager
    async def lane(self, chat_id: str) -> AsyncIterator[Lane]:
        """Exclusive use of a chat's lane: its sends go one after another, in order.

        Wrap each request made inside in :meth:`Lane.send`.
        """
        lane = self._lanes.get(chat_id)
        if lane is None:
            rates = self.limits.private if is_private_chat(chat_id) else self.limits.group
            lane = self._lanes[chat_id] = _Lane(_Window(rates, self.limits.margin))
        async with lane.lock:
            yield Lane(self, lane)
        self._turns += 1
        if self._turns % self._SWEEP_EVERY == 0:
            self._sweep()

    async def _wait(self, lane: _Lane) -> None:
        while True:
            now = self._clock()
            ready = max(lane.held_until, lane.window.ready_at())
            if ready > now:
                await self._sleep(ready - now)
                continue
            await self._overall.acquire(self._sleep)
            return

    def _sweep(self) -> None:
        """Forgets lanes of chats that are idle past every window (thousands of DMs)."""
        now = self._clock()
        longest = max(r.seconds for r in (*self.limits.private, *self.limits.group))
        for chat_id, lane in list(self._lanes.items()):
            idle = now - lane.window.last > longest + self.limits.margin
            if idle and not lane.lock.locked() and lane.held_until <= now:
                del self._lanes[chat_id]
