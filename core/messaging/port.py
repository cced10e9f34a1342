"""The port every platform adapter implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from core.messaging.inbound import ButtonPressed
from core.messaging.outbound import NativeEvent, OutgoingMessage, SentMessage


class DirectMessagesClosed(Exception):
    """The platform refuses to let the bot message this person privately.

    Raised by :meth:`Messenger.send_direct` when the person has closed their DMs (Discord),
    has never started the bot or blocked it (Telegram), or cannot be invited to a direct
    room (Matrix). The core then tells them where they asked, so nobody waits for a DM
    that never comes.
    """


class RateLimited(Exception):
    """The platform asked the bot to slow down (HTTP 429, Matrix ``M_LIMIT_EXCEEDED``).

    Raised by :meth:`Messenger.send` and :meth:`Messenger.send_direct` when the platform
    refused a message for going too fast; nothing was sent. Bulk senders (broadcasts) wait
    ``retry_after`` seconds, slow down and send it again.

    Args:
        retry_after: Seconds the platform asked to wait (0 when it did not say).
    """

    def __init__(self, retry_after: float = 0.0) -> None:
        super().__init__(f"rate limited, retry after {retry_after:.1f} s")
        self.retry_after = max(0.0, retry_after)


@dataclass(frozen=True)
class Pace:
    """How fast a platform accepts the bot's messages, for bulk sending (broadcasts).

    The core paces itself below these; a platform that still says "too fast" raises
    :class:`RateLimited`, and the sender backs off (halves its rate, then creeps back up).

    Attributes:
        per_second: Messages per second overall (Telegram: about 30).
        direct_per_second: Private messages per second, when lower than ``per_second``
            (Discord opens a DM channel per person and watches bulk DMs closely).
        per_chat_interval: Seconds between two messages in the same chat (Telegram: 1).
        in_flight: Requests allowed at once, to reach ``per_second`` over network latency.
    """

    per_second: float = 10.0
    direct_per_second: float | None = None
    per_chat_interval: float = 1.0
    in_flight: int = 8


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
        photos: People can send the bot pictures (adapters deliver ``PhotoReceived``).
        join_requests: The platform has join requests that the bot can approve or decline
            (Telegram's chat join requests, Matrix knocks).
        invites: The bot can invite a person into a chat (a Matrix invite, a one-time invite
            link sent privately on Telegram or Discord; see :meth:`Messenger.invite`).
        native_events: The platform has its own scheduled events that gatherings are
            mirrored to (:meth:`Messenger.mirror_event`).
        polls: The platform shows :attr:`OutgoingMessage.poll` as its own poll and reports
            answers as :class:`~core.messaging.inbound.PollAnswered` (Matrix).
        pace: How fast bulk messages may go (see :class:`Pace`); a cautious default.
        idempotent_sends: The platform drops a second send carrying the same
            :attr:`~core.messaging.outbound.OutgoingMessage.idempotency_key` (a Matrix
            transaction id, a Discord nonce), so a send whose outcome is unknown can be
            repeated without the person getting it twice.
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
    photos: bool = False
    join_requests: bool = False
    invites: bool = False
    native_events: bool = False
    polls: bool = False
    pace: Pace = Pace()
    idempotent_sends: bool = False


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

    async def send_ephemeral(
        self, chat_id: str, user_id: str, message: OutgoingMessage
    ) -> SentMessage:
        """Shows ``message`` in a group chat to ``user_id`` alone (``Capabilities.ephemeral``).

        Only called on platforms with ephemeral messages, while the core handles something
        that person just did in that chat (a platform may only allow it in answer to that).

        Raises:
            LookupError: The platform cannot show it to them there now; the core then
                falls back to a note that names no private content.
        """
        ...

    async def edit(self, sent: SentMessage, message: OutgoingMessage) -> None:
        """Replaces a sent message's text and buttons."""
        ...

    async def acknowledge(self, press: ButtonPressed, text: str | None = None) -> None:
        """Tells the platform the press was handled (stops a spinner), with a short note."""
        ...

    async def approve_join_request(self, chat_id: str, user_id: str) -> None:
        """Lets a person who asked to join a chat in (``Capabilities.join_requests``)."""
        ...

    async def decline_join_request(self, chat_id: str, user_id: str) -> None:
        """Turns down a person's request to join a chat (``Capabilities.join_requests``)."""
        ...

    async def invite(self, chat_id: str, user_id: str) -> str | None:
        """Invites a person into a chat, as the platform does it (``Capabilities.invites``).

        Returns:
            None when the platform invited the person itself (a Matrix invite). A link
            (a one-time Telegram invite link) when the invitation is a link that the person
            must be sent: the core then sends it privately, after its own words.
        """
        ...

    async def mirror_event(self, chat_id: str, event: NativeEvent, existing: str | None) -> str:
        """Creates (``existing`` None) or updates the native event for ``chat_id``'s place.

        Only called when ``Capabilities.native_events``. A cancelled ``event`` cancels it.

        Returns:
            The platform's id of the native event, which the core keeps and passes back
            as ``existing`` next time.
        """
        ...
