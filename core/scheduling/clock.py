"""Time, injectable: the real clock, a shifted one for the console, a fake one for tests."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Tells the time and waits."""

    def now(self) -> datetime:
        """The current time, aware, in UTC."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Waits about ``seconds`` of real time."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        """The current UTC time."""
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        """Sleeps for real."""
        await asyncio.sleep(seconds)


class OffsetClock(SystemClock):
    """The machine's clock moved forward by hand (the console's ``:time +2h``).

    Args:
        offset: How far ahead of real time to start.
    """

    def __init__(self, offset: timedelta = timedelta()) -> None:
        self.offset = offset

    def now(self) -> datetime:
        """Real time plus the offset."""
        return super().now() + self.offset

    def advance(self, delta: timedelta) -> None:
        """Moves the clock forward."""
        if delta < timedelta():
            raise ValueError("time only moves forward")
        self.offset += delta
