"""python-telegram-bot ``Update`` -> the core's inbound events (pure functions).

One update may carry several events (a message adding three members); each gets its own
``update_id`` key, derived from Telegram's, so the core handles each exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Chat, ChatMemberUpdated, Message, Update, User

from core.messaging.commands import inbound_from_text
from core.messaging.inbound import (
    BotAddedToChat,
    ButtonPressed,
    ChatKind,
    ChatRef,
    Inbound,
    JoinRequested,
    MemberJoined,
    PhotoReceived,
    Sender,
)

PLATFORM = "telegram"
PHOTO_MIME = "image/jpeg"  # Telegram re-encodes every photo as JPEG and declares no type
ALLOWED_UPDATES = ("message", "callback_query", "chat_join_request", "my_chat_member")
"""The update types the adapter asks Telegram for (``allowed_updates``)."""

_PRESENT = ("member", "administrator", "creator", "restricted")


@dataclass(frozen=True)
class BotIdentity:
    """Who the bot is, from ``getMe``: to tell ``/cmd@us`` from ``/cmd@others``."""

    id: int
    username: str


def sender_of(user: User) -> Sender:
    """A Telegram user as the core's sender (``language_code`` is the language hint)."""
    return Sender(str(user.id), user.full_name, user.language_code or None)


def chat_of(chat: Chat) -> ChatRef | None:
    """A Telegram chat as the core's chat; None for channels (the bot serves no channel)."""
    if chat.type == Chat.PRIVATE:
        return ChatRef(str(chat.id), ChatKind.PRIVATE)
    if chat.type in (Chat.GROUP, Chat.SUPERGROUP):
        return ChatRef(str(chat.id), ChatKind.GROUP, title=chat.title)
    return None


def lane_key(update: Update) -> str:
    """The chat an update belongs to: updates of one chat are handled in order."""
    chat = update.effective_chat
    if chat is not None:
        return str(chat.id)
    user = update.effective_user
    return f"user:{user.id}" if user is not None else f"update:{update.update_id}"


def to_inbound(update: Update, me: BotIdentity) -> list[Inbound]:
    """The core's events in one update; empty for what the bot does not act on."""
    key = str(update.update_id)
    if update.message is not None:
        return _message(update.message, key, me)
    if update.callback_query is not None:
        query = update.callback_query
        message = query.message
        if message is None or query.data is None:
            return []  # inline-mode or game buttons: the bot posts neither
        chat = chat_of(message.chat)
        if chat is None:
            return []
        return [
            ButtonPressed(
                platform=PLATFORM,
                sender=sender_of(query.from_user),
                chat=chat,
                update_id=key,
                data=query.data,
                message_id=str(message.message_id),
                interaction_id=query.id,
            )
        ]
    if update.chat_join_request is not None:
        request = update.chat_join_request
        chat = chat_of(request.chat)
        if chat is None:
            return []
        return [
            JoinRequested(
                platform=PLATFORM, sender=sender_of(request.from_user), chat=chat, update_id=key
            )
        ]
    if update.my_chat_member is not None:
        return _bot_membership(update.my_chat_member, key)
    return []


def _message(message: Message, key: str, me: BotIdentity) -> list[Inbound]:
    chat = chat_of(message.chat)
    user = message.from_user
    if chat is None or user is None or user.is_bot:
        return []
    if message.new_chat_members:
        # The bot's own arrival comes as ``my_chat_member`` (also with privacy mode on).
        return [
            MemberJoined(
                platform=PLATFORM,
                sender=sender_of(member),
                chat=chat,
                update_id=f"{key}:{member.id}",
            )
            for member in message.new_chat_members
            if not member.is_bot
        ]
    sender = sender_of(user)
    if message.photo:
        largest = max(message.photo, key=lambda size: (size.width * size.height, size.file_size))
        return [
            PhotoReceived(
                platform=PLATFORM,
                sender=sender,
                chat=chat,
                update_id=key,
                file_id=largest.file_id,
                mime_type=PHOTO_MIME,
            )
        ]
    document = message.document
    if document is not None and (document.mime_type or "").startswith("image/"):
        # A picture sent "as a file" keeps its type; the core checks which it accepts.
        return [
            PhotoReceived(
                platform=PLATFORM,
                sender=sender,
                chat=chat,
                update_id=key,
                file_id=document.file_id,
                mime_type=document.mime_type,
            )
        ]
    if message.text is None:
        return []
    event = inbound_from_text(
        message.text,
        platform=PLATFORM,
        sender=sender,
        chat=chat,
        update_id=key,
        bot_username=me.username,
    )
    if message.text.startswith("/") and _addressed_elsewhere(message.text, me):
        return []
    return [event]


def _addressed_elsewhere(text: str, me: BotIdentity) -> bool:
    """``/cmd@OtherBot …``: a command for another bot in the same group."""
    head = text.split(maxsplit=1)[0]
    _name, at, target = head.partition("@")
    return bool(at) and target.lower() != me.username.lower()


def _bot_membership(change: ChatMemberUpdated, key: str) -> list[Inbound]:
    """The bot was added to a group (it was not in it before, and now is)."""
    chat = chat_of(change.chat)
    if chat is None or chat.kind is ChatKind.PRIVATE:
        return []
    was_in = change.old_chat_member.status in _PRESENT
    is_in = change.new_chat_member.status in _PRESENT
    if was_in or not is_in:
        return []
    return [
        BotAddedToChat(
            platform=PLATFORM, sender=sender_of(change.from_user), chat=chat, update_id=key
        )
    ]
