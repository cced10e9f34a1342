"""A clock that moves only when a test says so."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta


class FakeClock:
    """Deterministic time for scenarios.

    Args:
        start: The starting instant (aware); default 2026-11-22 09:00 UTC.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("the fake clock needs an aware datetime")

    def now(self) -> datetime:
        """The fake present."""
        return self._now

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """Moves forward by ``delta`` or ``timedelta(**kwargs)``; returns the new time."""
        step = delta if delta is not None else timedelta(**kwargs)
        if step < timedelta():
            raise ValueError("time only moves forward")
        self._now += step
        return self._now

    async def sleep(self, seconds: float) -> None:
        """Yields to the loop without waiting: fake time does not pass by sleeping."""
        await asyncio.sleep(0)
