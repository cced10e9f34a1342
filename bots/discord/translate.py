"""discord.py objects -> the core's inbound events (pure functions, no I/O).

Every id becomes a string; a private conversation is ``ChatKind.PRIVATE`` with the DM
channel's id; a server channel (or thread) is a group chat. Each event carries an
``update_id`` built from Discord's own ids, so a redelivered gateway event is handled once.
"""

from __future__ import annotations

from typing import Any

import discord

from core.messaging.commands import inbound_from_text
from core.messaging.inbound import (
    ButtonPressed,
    ChatKind,
    ChatRef,
    CommandReceived,
    MemberJoined,
    PhotoReceived,
    Sender,
    TextReceived,
)

PLATFORM = "discord"
DM_PREFIXES = "/!"
"""In a private chat ``/start`` typed as text is a command too (no slash commands there)."""


def sender_of(user: discord.abc.User, locale: discord.Locale | None = None) -> Sender:
    """Who: the user's id, the name people see them by, their client's language."""
    return Sender(
        external_id=str(user.id),
        display_name=user.display_name,
        language_hint=str(locale) if locale is not None else None,
    )


def is_private(channel: Any) -> bool:
    """Whether ``channel`` is a private conversation with the bot."""
    return getattr(channel, "type", None) is discord.ChannelType.private


def chat_of(channel: Any) -> ChatRef:
    """Where: a DM channel is private; a server channel or thread is a group chat."""
    if is_private(channel):
        return ChatRef(str(channel.id), ChatKind.PRIVATE)
    return ChatRef(str(channel.id), ChatKind.GROUP, title=getattr(channel, "name", None))


def _chat_of_interaction(interaction: discord.Interaction[Any]) -> ChatRef:
    if interaction.channel is not None:
        return chat_of(interaction.channel)
    # A DM interaction may come without a cached channel: only its id is known.
    kind = ChatKind.PRIVATE if interaction.guild_id is None else ChatKind.GROUP
    return ChatRef(str(interaction.channel_id), kind)


def command_inbound(
    interaction: discord.Interaction[Any], command: str, args: str
) -> CommandReceived:
    """A slash command: invoked by its default (English) name, whatever the client shows."""
    return CommandReceived(
        platform=PLATFORM,
        sender=sender_of(interaction.user, interaction.locale),
        chat=_chat_of_interaction(interaction),
        update_id=f"i{interaction.id}",
        command=command,
        args=args.strip(),
    )


def press_inbound(interaction: discord.Interaction[Any], data: str) -> ButtonPressed:
    """A button click or a select menu choice: the signed action it carried."""
    message = interaction.message
    return ButtonPressed(
        platform=PLATFORM,
        sender=sender_of(interaction.user, interaction.locale),
        chat=_chat_of_interaction(interaction),
        update_id=f"i{interaction.id}",
        data=data,
        message_id=str(message.id) if message is not None else None,
        interaction_id=str(interaction.id),
    )


def form_inbound(
    interaction: discord.Interaction[Any], text: str, private_chat_id: str
) -> TextReceived:
    """A submitted modal: the text typed into it, as if typed in the person's DM channel.

    Only the person sees a form, and the bot offers one only where it asks them something
    privately (a DM, or its ephemeral stand-in in a channel when their DMs are closed): the
    answer is private text, whichever channel the form was opened in.
    """
    return TextReceived(
        platform=PLATFORM,
        sender=sender_of(interaction.user, interaction.locale),
        chat=ChatRef(private_chat_id, ChatKind.PRIVATE),
        update_id=f"i{interaction.id}",
        text=text,
    )


def message_inbound(
    message: discord.Message, prefix: str, bot_name: str | None = None
) -> CommandReceived | TextReceived | None:
    """A typed message: a command, or text; None for what the core need not see.

    In a server channel only prefixed commands (``!decide …``) reach the core: everything
    else there is members talking among themselves. In a private chat every message does
    (the answer to an onboarding step, a block reason), and ``/`` starts a command too.
    """
    if message.author.bot or not message.content:
        return None
    private = is_private(message.channel)
    prefixes = DM_PREFIXES + prefix if private else prefix
    event = inbound_from_text(
        message.content,
        platform=PLATFORM,
        sender=sender_of(message.author),
        chat=chat_of(message.channel),
        update_id=f"m{message.id}",
        prefixes=prefixes,
        bot_username=bot_name,
    )
    if isinstance(event, TextReceived) and not private:
        return None
    return event


def photo_inbound(message: discord.Message, data: bytes, mime_type: str | None) -> PhotoReceived:
    """A picture sent privately: Discord's attachment URLs expire, so the bytes go along."""
    return PhotoReceived(
        platform=PLATFORM,
        sender=sender_of(message.author),
        chat=chat_of(message.channel),
        update_id=f"p{message.id}",
        file_id="",
        mime_type=mime_type,
        data=data,
    )


def member_joined(member: discord.Member, channel: Any) -> MemberJoined:
    """Someone joined a server: the event happens in its greeting channel."""
    joined = int(member.joined_at.timestamp()) if member.joined_at else 0
    return MemberJoined(
        platform=PLATFORM,
        sender=sender_of(member),
        chat=chat_of(channel),
        update_id=f"j{member.guild.id}:{member.id}:{joined}",
    )
