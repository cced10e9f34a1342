"""ConsoleMessenger: the port implemented by printing to a terminal."""

from __future__ import annotations

import itertools
from typing import TextIO

from bots.console.translate import PLATFORM, dm_chat_id
from core.messaging.inbound import ButtonPressed
from core.messaging.outbound import Button, NativeEvent, OutgoingMessage, SentMessage
from core.messaging.port import Capabilities


def render_buttons(buttons: list[Button]) -> str:
    """``[1] Yes  [2] No``: how a terminal shows buttons (pressed with ``:press N``)."""
    return "  ".join(f"[{i}] {b.label}" for i, b in enumerate(buttons, 1))


class ConsoleMessenger:
    """Prints what the bot says, with the chat it says it in, and remembers buttons.

    Args:
        out: Where to print.
    """

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._ids = itertools.count(1)
        self._buttons: dict[str, list[Button]] = {}

    @property
    def platform(self) -> str:
        """``console``."""
        return PLATFORM

    @property
    def capabilities(self) -> Capabilities:
        """Buttons are shown numbered and pressed with ``:press``; edits are reprinted.

        Invitations into a chat are printed; a terminal cannot send pictures, and nobody
        asks to join a console chat.
        """
        return Capabilities(buttons=True, edit=True, max_text_length=100_000, invites=True)

    def _print(self, chat_id: str, message: OutgoingMessage, edited: bool = False) -> None:
        lines = message.text.splitlines() or [""]
        marker = " (edited)" if edited else ""
        self._out.write(f"[{chat_id}] bot{marker}: {lines[0]}\n")
        for line in lines[1:]:
            self._out.write(f"    {line}\n" if line else "\n")
        buttons = message.all_buttons()
        if buttons:
            self._out.write(f"    {render_buttons(buttons)}\n")
            self._buttons[chat_id] = buttons
        for attachment in (message.image, message.file):
            if attachment is not None:
                self._out.write(
                    f"    (attached: {attachment.filename}, {len(attachment.content)} bytes)\n"
                )
        self._out.flush()

    async def send(self, chat_id: str, message: OutgoingMessage) -> SentMessage:
        """Prints a message in a chat."""
        self._print(chat_id, message)
        return SentMessage(chat_id, str(next(self._ids)))

    async def send_direct(self, user_id: str, message: OutgoingMessage) -> SentMessage:
        """Prints a private message to ``user_id``."""
        return await self.send(dm_chat_id(user_id), message)

    async def send_ephemeral(
        self, chat_id: str, user_id: str, message: OutgoingMessage
    ) -> SentMessage:
        """Never called: a terminal has no ephemeral messages (``ephemeral`` is False)."""
        raise LookupError("the console has no ephemeral messages")

    async def edit(self, sent: SentMessage, message: OutgoingMessage) -> None:
        """Reprints the message, marked as edited."""
        self._print(sent.chat_id, message, edited=True)

    async def acknowledge(self, press: ButtonPressed, text: str | None = None) -> None:
        """A terminal has no spinner to stop; the reply itself is the acknowledgement."""

    async def approve_join_request(self, chat_id: str, user_id: str) -> None:
        """Prints that the bot let ``user_id`` into the chat."""
        self._line(chat_id, f"approves the join request of {user_id}")

    async def decline_join_request(self, chat_id: str, user_id: str) -> None:
        """Prints that the bot turned down ``user_id``'s request to join."""
        self._line(chat_id, f"declines the join request of {user_id}")

    async def invite(self, chat_id: str, user_id: str) -> str | None:
        """Prints that the bot invited ``user_id`` into the chat (directly: no link)."""
        self._line(chat_id, f"invites {user_id} (:chat {chat_id} to enter)")
        return None

    async def mirror_event(self, chat_id: str, event: NativeEvent, existing: str | None) -> str:
        """Never called: a terminal has no native events (``native_events`` is False)."""
        raise NotImplementedError("the console has no native events")

    def _line(self, chat_id: str, what: str) -> None:
        self._out.write(f"[{chat_id}] bot {what}\n")
        self._out.flush()

    def button(self, chat_id: str, choice: str) -> Button | None:
        """The button ``choice`` (its number, or its label) of the chat's latest buttons."""
        buttons = self._buttons.get(chat_id, [])
        if choice.isdigit():
            index = int(choice) - 1
            return buttons[index] if 0 <= index < len(buttons) else None
        wanted = choice.casefold().removeprefix("✓ ")
        for button in buttons:
            if button.label.casefold().removeprefix("✓ ") == wanted:
                return button
        return None
