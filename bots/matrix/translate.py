"""Matrix events (as matrix-nio parses them) -> the core's inbound events. Pure functions.

What becomes what:

* a text message -> a command (``!name args``, or ``/name args`` where the client sends
  it as text) or text; a reply's quoted fallback is dropped; edits and ``m.notice``
  messages (what bots send) are ignored;
* an image -> ``PhotoReceived`` with its ``mxc://`` URI (stable on the homeserver);
* a keycap reaction (1️⃣ … 🔟) -> the number as text: the core maps it back to the numbered
  choice it offered in that chat, exactly like a typed number;
* a poll response -> ``PollAnswered`` with the chosen answers (their ids are the actions);
* a join -> ``MemberJoined``; a knock -> ``JoinRequested``;
* without end-to-end support, an encrypted message or encryption being switched on ->
  ``Unreadable``, with one update id per room so the core says it once there.

Every event's ``update_id`` is its event id: the core handles each event once, however
often a sync delivers it. Matrix has no client language to pass as a language hint.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nio import (
    Event,
    MegolmEvent,
    ReactionEvent,
    RoomEncryptionEvent,
    RoomMemberEvent,
    RoomMessageEmote,
    RoomMessageImage,
    RoomMessageText,
    UnknownEvent,
)

from bots.matrix.polls import POLL_RESPONSE_TYPES, response_answers
from core.messaging.commands import inbound_from_text
from core.messaging.inbound import (
    ChatKind,
    ChatRef,
    Inbound,
    JoinRequested,
    MemberJoined,
    PhotoReceived,
    PollAnswered,
    Sender,
    TextReceived,
    Unreadable,
)

PLATFORM = "matrix"
VS16 = "\ufe0f"
KEYCAP = "\u20e3"
KEYCAPS: Mapping[str, int] = {
    **{f"{n}{VS16}{KEYCAP}": n for n in range(1, 10)},
    **{f"{n}{KEYCAP}": n for n in range(1, 10)},  # some keyboards leave out the selector
    "\U0001f51f": 10,  # 🔟
}


def keycap(number: int) -> str:
    """The keycap emoji for 1 … 10."""
    return "\U0001f51f" if number == 10 else f"{number}{VS16}{KEYCAP}"


@dataclass(frozen=True)
class RoomView:
    """What the adapter knows of the room an event happened in.

    Attributes:
        room_id: The room.
        title: Its name, if it has one.
        direct_with: The person this room is the bot's direct room with, if it is one.
    """

    room_id: str
    title: str | None = None
    direct_with: str | None = None

    def chat_for(self, user_id: str) -> ChatRef:
        """The chat as the core sees it for ``user_id``: private only in their direct room."""
        if self.direct_with is not None and self.direct_with == user_id:
            return ChatRef(self.room_id, ChatKind.PRIVATE)
        return ChatRef(self.room_id, ChatKind.GROUP, title=self.title)


@dataclass(frozen=True)
class Reading:
    """How this bot reads events.

    Attributes:
        bot_user_id: The bot's own user id (its own events are not for it).
        prefixes: The characters that start a command (``!/``).
        can_decrypt: End-to-end encryption support is installed and on.
    """

    bot_user_id: str
    prefixes: str = "!/"
    can_decrypt: bool = False


def unreadable_update(room_id: str) -> str:
    """The one update id of every unreadable event of a room (so it is answered once)."""
    return f"unreadable:{room_id}"


def strip_reply_fallback(body: str) -> str:
    """A reply's own text, without the ``> <@someone> quoted`` lines clients put first."""
    lines = body.split("\n")
    at = 0
    while at < len(lines) and lines[at].startswith(">"):
        at += 1
    if at == 0:
        return body
    if at < len(lines) and not lines[at].strip():
        at += 1
    return "\n".join(lines[at:])


def _content(event: Event) -> Mapping[str, Any]:
    content = event.source.get("content")
    return content if isinstance(content, Mapping) else {}


def _relation(event: Event) -> Mapping[str, Any]:
    relation = _content(event).get("m.relates_to")
    return relation if isinstance(relation, Mapping) else {}


def to_inbound(
    event: Event, room: RoomView, reading: Reading, names: Mapping[str, str]
) -> Inbound | None:
    """The core event for a timeline event; None for what the core has no use for.

    Args:
        event: The event as matrix-nio parsed it.
        room: Where it happened.
        reading: How the bot reads events.
        names: Display names of the room's members by user id (others go by their id).
    """
    if event.sender == reading.bot_user_id:
        return None
    if isinstance(event, RoomMemberEvent):
        return _membership(event, room, reading, names)
    sender = Sender(event.sender, names.get(event.sender) or event.sender)
    where = room.chat_for(event.sender)
    common: dict[str, Any] = {
        "platform": PLATFORM,
        "sender": sender,
        "chat": where,
        "update_id": event.event_id,
    }
    if isinstance(event, (RoomMessageText, RoomMessageEmote)):
        if _relation(event).get("rel_type") == "m.replace":
            return None  # an edit: the original was handled already
        text = event.body
        if "m.in_reply_to" in _relation(event):
            text = strip_reply_fallback(text)
        if not text.strip():
            return None
        return inbound_from_text(text.strip(), prefixes=reading.prefixes, **common)
    if isinstance(event, RoomMessageImage):
        info = _content(event).get("info")
        mime = info.get("mimetype") if isinstance(info, Mapping) else None
        return PhotoReceived(
            file_id=event.url, mime_type=mime if isinstance(mime, str) else None, **common
        )
    if isinstance(event, ReactionEvent):
        number = KEYCAPS.get(event.key)
        return None if number is None else TextReceived(text=str(number), **common)
    if isinstance(event, UnknownEvent) and event.type in POLL_RESPONSE_TYPES:
        parsed = response_answers(_content(event))
        if parsed is None:
            return None
        poll_id, answers = parsed
        return PollAnswered(data=answers, poll_id=poll_id, **common)
    if isinstance(event, (MegolmEvent, RoomEncryptionEvent)) and not reading.can_decrypt:
        common["update_id"] = unreadable_update(room.room_id)
        return Unreadable(**common)
    return None


def _membership(
    event: RoomMemberEvent, room: RoomView, reading: Reading, names: Mapping[str, str]
) -> Inbound | None:
    """A join of someone else into a group room, or a knock on one."""
    user_id = event.state_key
    if user_id == reading.bot_user_id or room.direct_with is not None:
        return None
    shown = event.content.get("displayname")
    name = shown if isinstance(shown, str) and shown else names.get(user_id) or user_id
    common: dict[str, Any] = {
        "platform": PLATFORM,
        "sender": Sender(user_id, name),
        "chat": ChatRef(room.room_id, ChatKind.GROUP, title=room.title),
        "update_id": event.event_id,
    }
    if event.membership == "join" and event.prev_membership != "join":
        return MemberJoined(**common)
    if event.membership == "knock":
        return JoinRequested(**common)
    return None
