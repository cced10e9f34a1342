"""What reaches the core from a platform: frozen, platform-free events."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ChatKind(StrEnum):
    """A private conversation with the bot, or a chat with several people."""

    PRIVATE = "private"
    GROUP = "group"


@dataclass(frozen=True)
class Sender:
    """Who did it, as the platform knows them.

    Attributes:
        external_id: The platform's stable user id.
        display_name: The name to call them by (untrusted text).
        language_hint: The client's language tag (``pt-BR``), if the platform tells.
    """

    external_id: str
    display_name: str
    language_hint: str | None = None


@dataclass(frozen=True)
class ChatRef:
    """Where it happened.

    Attributes:
        external_id: The platform's chat / channel / room id.
        kind: Private or group.
        title: The chat's title, for groups.
    """

    external_id: str
    kind: ChatKind
    title: str | None = None


@dataclass(frozen=True, kw_only=True)
class InboundBase:
    """Fields every inbound event has.

    Attributes:
        platform: The adapter's platform name (``telegram``, ``console``…).
        sender: Who.
        chat: Where.
        update_id: The platform's id for this delivery; the same id is handled once.
    """

    platform: str
    sender: Sender
    chat: ChatRef
    update_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class CommandReceived(InboundBase):
    """``/name args`` (or the platform's equivalent: slash command, ``!name``)."""

    command: str
    args: str = ""


@dataclass(frozen=True, kw_only=True)
class ButtonPressed(InboundBase):
    """A button (or its degraded form: a numbered reply, a reaction) was chosen.

    Attributes:
        data: The signed action string the button carried (untrusted until verified).
        message_id: The message the button was on, if known.
        interaction_id: The platform handle needed to acknowledge the press, if any.
    """

    data: str
    message_id: str | None = None
    interaction_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class TextReceived(InboundBase):
    """Plain text that is not a command."""

    text: str


@dataclass(frozen=True, kw_only=True)
class MemberJoined(InboundBase):
    """The sender joined ``chat``."""


@dataclass(frozen=True, kw_only=True)
class JoinRequested(InboundBase):
    """The sender asked to join ``chat`` (a join request or a knock)."""


@dataclass(frozen=True, kw_only=True)
class BotAddedToChat(InboundBase):
    """The bot itself was added to ``chat`` (by ``sender``): a group it has not served yet.

    The core introduces itself there; a chat that is not linked to a branch is told how an
    organiser links it.
    """


@dataclass(frozen=True, kw_only=True)
class PhotoReceived(InboundBase):
    """A picture sent to the bot (a member's photo, during onboarding or later).

    The platform's own reference is what the core keeps where it is stable (a Telegram
    ``file_id``, a Matrix ``mxc://`` URI): it stays valid on that platform and costs no
    storage. Only a platform whose references expire (Discord's attachment URLs) has its
    adapter download the picture and pass the bytes; the core then stores them. The core
    checks the type itself: only JPEG, PNG, GIF and WebP images are accepted, and bytes
    must start like one. Adapters without pictures (the console) never send this event;
    the onboarding's photo step then only offers Skip.

    Attributes:
        file_id: The platform's stable reference to the file; empty when there is none.
        mime_type: The type the platform declares (``image/jpeg``), if it declares one.
            Adapters pass ``image/jpeg`` for a Telegram photo (which has no declared type).
        data: The bytes, only when ``file_id`` is not a stable reference; else None.
    """

    file_id: str
    mime_type: str | None = None
    data: bytes | None = None


@dataclass(frozen=True, kw_only=True)
class PollAnswered(InboundBase):
    """A person answered a platform's own poll (see ``OutgoingMessage.poll``).

    One answer replaces that person's earlier answer to the same poll, so it is one whole
    ballot: every chosen answer at once (several for an approval vote).

    Attributes:
        data: The signed actions of the chosen answers (untrusted until verified); empty
            when the person withdrew their answer.
        poll_id: The platform's id of the poll, if known.
    """

    data: tuple[str, ...]
    poll_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class Unreadable(InboundBase):
    """Someone wrote in a chat where the bot cannot read messages (end-to-end encrypted).

    The core tells the chat once, in its language, that the bot cannot read it there;
    adapters make it once by giving every such event of one chat the same ``update_id``.
    """


Inbound = (
    CommandReceived
    | ButtonPressed
    | TextReceived
    | MemberJoined
    | JoinRequested
    | PhotoReceived
    | PollAnswered
    | Unreadable
    | BotAddedToChat
)
