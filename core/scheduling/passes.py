"""A background worker's loop: a pass now, then again on a nudge or after a while."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


async def run_passes(
    work: Callable[[], Awaitable[object]],
    stop: asyncio.Event,
    wake: asyncio.Event,
    poll: float,
    what: str,
) -> None:
    """Runs ``work`` until ``stop`` is set: again when ``wake`` is set, or every ``poll`` s.

    The rows are the truth and every pass looks at them afresh, so a nudge lost between
    passes only costs the wait until the next poll. A failing pass (a database hiccup) is
    logged and the loop goes on.

    Args:
        work: One pass.
        stop: Ends the loop.
        wake: Set by whoever just made work (cleared before each wait).
        poll: The longest wait between passes, in seconds.
        what: The worker's name, for the log.
    """
    while not stop.is_set():
        try:
            await work()
        except Exception:  # a database hiccup must not end the loop
            log.exception("background pass failed", extra={"worker": what})
        wake.clear()
        waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED), timeout=poll
            )
        for waiter in waiters:
            waiter.cancel()
