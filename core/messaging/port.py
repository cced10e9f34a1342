"""The port every platform adapter implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from core.messaging.inbound import ButtonPressed
from core.messaging.outbound import OutgoingMessage, SentMessage


@dataclass(frozen=True)
class Capabilities:
    """What a platform can show; the core renders one message, adapters degrade the rest.

    Attributes:
        buttons: Inline buttons under a message.
        edit: Editing a sent message.
        select: Select menus (drop-downs).
        modal: Pop-up forms for free text.
        threads: Threads / replies in threads.
        ephemeral: Messages only the addressee sees, inside a group.
        images: Sending images.
        files: Sending documents.
        max_text_length: The longest text one message may hold (adapters split longer ones).
    """

    buttons: bool
    edit: bool
    select: bool = False
    modal: bool = False
    threads: bool = False
    ephemeral: bool = False
    images: bool = True
    files: bool = True
    max_text_length: int = 4096


class Messenger(Protocol):
    """Sends what the core says on one platform."""

    @property
    def platform(self) -> str:
        """The platform name inbound events carry (``telegram``, ``console``…)."""
        ...

    @property
    def capabilities(self) -> Capabilities:
        """What this platform can show."""
        ...

    async def send(self, chat_id: str, message: OutgoingMessage) -> SentMessage:
        """Posts ``message`` in a chat."""
        ...

    async def send_direct(self, user_id: str, message: OutgoingMessage) -> SentMessage:
        """Sends ``message`` to a person privately, opening the conversation if needed."""
        ...

    async def edit(self, sent: SentMessage, message: OutgoingMessage) -> None:
        """Replaces a sent message's text and buttons."""
        ...

    async def acknowledge(self, press: ButtonPressed, text: str | None = None) -> None:
        """Tells the platform the press was handled (stops a spinner), with a short note."""
        ...
