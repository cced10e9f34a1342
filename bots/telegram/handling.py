"""One Telegram update through the core: translate, handle, make sure a press is answered."""

from __future__ import annotations

from typing import Protocol

from telegram import Update

from bots.telegram.callbacks import CallbackAnswers
from bots.telegram.translate import BotIdentity, to_inbound
from core.messaging.inbound import Inbound


class Core(Protocol):
    """The part of ``CoreApp`` an update needs."""

    async def handle(self, inbound: Inbound) -> None:
        """Handles one event exactly once per ``update_id``."""
        ...


class UpdateHandler:
    """Handles one update completely (the lanes call it; it never raises for bad input).

    Args:
        core: The core.
        answers: The messenger's press answers.
        me: The bot itself.
    """

    def __init__(self, core: Core, answers: CallbackAnswers, me: BotIdentity) -> None:
        self._core = core
        self._answers = answers
        self._me = me

    async def __call__(self, update: Update) -> None:
        """Translates ``update`` and hands each event to the core."""
        query = update.callback_query
        if query is not None:
            self._answers.expect(query.id)  # the spinner stops soon whatever happens next
        try:
            for inbound in to_inbound(update, self._me):
                await self._core.handle(inbound)
        finally:
            if query is not None:
                await self._answers.finish(query.id)
