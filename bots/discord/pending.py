"""Interactions being handled: where acknowledgements and ephemeral messages go.

Discord lets a bot show a message to one person in a server channel only in answer to an
interaction of theirs (a slash command, a click, a form), within 15 minutes. The client
acknowledges each interaction at once (Discord wants an answer within 3 seconds), then
registers it here while the core handles the event; the messenger answers through it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import discord

log = logging.getLogger(__name__)


@dataclass
class PendingInteraction:
    """One interaction being handled.

    Attributes:
        interaction: discord.py's object (its followup webhook is what answers).
        thinking: It was deferred with a "thinking…" response (a slash command), which
            the first followup replaces, and which is removed if nothing replaced it.
        answered: A followup was sent.
        private_chat: The id of the person's DM channel when the interaction is them
            answering the bot privately (a submitted form): a reply there that Discord
            refuses (DMs closed) is shown to them through this interaction instead.
    """

    interaction: discord.Interaction[Any]
    thinking: bool
    answered: bool = False
    private_chat: str | None = None

    @property
    def chat_id(self) -> str:
        """The channel it happened in."""
        return str(self.interaction.channel_id)

    @property
    def user_id(self) -> str:
        """Who did it."""
        return str(self.interaction.user.id)


class PendingInteractions:
    """The interactions being handled now, by id and by (channel, person)."""

    def __init__(self) -> None:
        self._pending: dict[str, PendingInteraction] = {}

    @contextlib.asynccontextmanager
    async def track(
        self,
        interaction: discord.Interaction[Any],
        *,
        thinking: bool,
        private_chat: str | None = None,
    ) -> AsyncIterator[PendingInteraction]:
        """Registers ``interaction`` while the core handles it; tidies up afterwards."""
        pending = PendingInteraction(interaction, thinking, private_chat=private_chat)
        key = str(interaction.id)
        self._pending[key] = pending
        try:
            yield pending
        finally:
            self._pending.pop(key, None)
            if thinking and not pending.answered:
                # Everything went to the channel or to DMs: the "thinking…" placeholder
                # only the invoker sees has nothing left to say.
                with contextlib.suppress(discord.HTTPException):
                    await interaction.delete_original_response()

    def by_id(self, interaction_id: str | None) -> PendingInteraction | None:
        """The pending interaction with this id, if it is still being handled."""
        return self._pending.get(interaction_id or "")

    def answering_in(self, private_chat: str) -> PendingInteraction | None:
        """The latest pending private answer (a form) whose replies go to ``private_chat``."""
        found = None
        for pending in self._pending.values():
            if pending.private_chat == private_chat:
                found = pending
        return found

    def of_person(self, chat_id: str, user_id: str) -> PendingInteraction | None:
        """The latest pending interaction of ``user_id`` in ``chat_id``."""
        found = None
        for pending in self._pending.values():
            if pending.chat_id == chat_id and pending.user_id == user_id:
                found = pending
        return found
