"""Answering button presses: once, at once, with the core's note when it is ready in time.

Telegram shows a spinner on a pressed button until the bot calls ``answerCallbackQuery``,
which can be called only once per press and carries the only toast the presser sees. The
core decides the note ("Your vote is recorded: Yes") while handling the press and calls
``Messenger.acknowledge`` as soon as its work commits, before sending any replies (which may
wait for flood limits). So:

* the note normally arrives within milliseconds and *is* the answer (a toast);
* if it has not arrived within :attr:`CallbackAnswers.deadline` (a slow database), the press
  is answered empty so that the spinner stops, and a note arriving later is sent privately;
* a note too long for a toast (200 characters) is sent privately, the press answered empty;
* a press the core never acknowledges (a redelivered update it skips) is answered empty
  when its handling ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from bots.telegram.text import CALLBACK_TEXT_LIMIT, utf16_len

log = logging.getLogger(__name__)

Answer = Callable[[str, str | None], Awaitable[None]]
"""Calls ``answerCallbackQuery(query_id, text)``."""


class CallbackAnswers:
    """Makes sure every press is answered exactly once, and soon.

    Args:
        answer: Makes the Bot API call.
        deadline: Seconds to wait for the core's note before answering empty.
    """

    def __init__(self, answer: Answer, deadline: float = 1.5) -> None:
        self._answer = answer
        self.deadline = deadline
        self._timers: dict[str, asyncio.Task[None]] = {}

    def expect(self, query_id: str) -> None:
        """A press arrived: answer it empty if the core is not quicker than the deadline."""
        if query_id not in self._timers:
            self._timers[query_id] = asyncio.create_task(self._expire(query_id))

    async def _expire(self, query_id: str) -> None:
        await asyncio.sleep(self.deadline)
        self._timers.pop(query_id, None)
        await self._send(query_id, None)

    async def acknowledge(self, query_id: str, text: str | None) -> bool:
        """The core's note for a press.

        Returns:
            True when the note (if any) reached the presser as the answer's toast; False
            when the caller should send it privately (too late, or too long for a toast).
        """
        timer = self._timers.pop(query_id, None)
        if timer is None:
            return not text  # answered already (the deadline passed)
        timer.cancel()
        fits = text is None or utf16_len(text) <= CALLBACK_TEXT_LIMIT
        await self._send(query_id, text if fits else None)
        return fits

    async def finish(self, query_id: str) -> None:
        """Handling of the press ended: answers it empty if nothing answered it yet."""
        timer = self._timers.pop(query_id, None)
        if timer is not None:
            timer.cancel()
            await self._send(query_id, None)

    async def close(self) -> None:
        """Stops the pending timers (at shutdown)."""
        timers = list(self._timers.values())
        self._timers.clear()
        for timer in timers:
            timer.cancel()
        for timer in timers:
            with contextlib.suppress(asyncio.CancelledError):
                await timer

    async def _send(self, query_id: str, text: str | None) -> None:
        try:
            await self._answer(query_id, text)
        except Exception as error:  # an expired query: the presser sees nothing worse
            log.warning("could not answer a button press", extra={"error": str(error)})
