"""Recognising commands in chat text, the same way for every adapter."""

from __future__ import annotations

import re

from core.messaging.inbound import ChatRef, CommandReceived, Sender, TextReceived

MAX_COMMAND_LENGTH = 32
MAX_ARGS_LENGTH = 4000
_COMMAND = re.compile(r"^[a-z][a-z0-9_]*$")


def parse_command(
    text: str, *, prefixes: str = "/", bot_username: str | None = None
) -> tuple[str, str] | None:
    """Splits ``/name@bot args`` into ``(name, args)``; None when ``text`` is no command.

    Command names are matched case-insensitively. A command addressed to another bot
    (``/help@OtherBot``) is not ours. Anything that looks like a command but is not a valid
    name (``/ä``, ``/1``, ``/`` alone, or longer than 32 characters) is returned as is so
    that the router can answer "unknown command" rather than ignore it.

    Args:
        text: The message text.
        prefixes: The characters that start a command (``/``; Matrix adds ``!``).
        bot_username: This bot's username, to tell ``/cmd@us`` from ``/cmd@others``.
    """
    if not text or text[0] not in prefixes:
        return None
    head, _, args = text[1:].partition(" ")
    head = head.split("\n", 1)[0]
    if "\n" in text[1:].split(" ", 1)[0]:
        args = text[1 + len(head) :].lstrip()
    name, at, target = head.partition("@")
    if at and bot_username and target.lower() != bot_username.lower():
        return None
    name = name.lower()
    if not name:
        return None
    return name[: MAX_COMMAND_LENGTH + 1], args.strip()[:MAX_ARGS_LENGTH]


def is_valid_command_name(name: str) -> bool:
    """Whether ``name`` could be a registered command."""
    return len(name) <= MAX_COMMAND_LENGTH and bool(_COMMAND.match(name))


def inbound_from_text(
    text: str,
    *,
    platform: str,
    sender: Sender,
    chat: ChatRef,
    update_id: str | None,
    prefixes: str = "/",
    bot_username: str | None = None,
) -> CommandReceived | TextReceived:
    """A typed line as the event it is: a command when it parses as one, else text.

    Every adapter that receives typed text (and the test scenarios) builds events this way,
    so commands are recognised identically on every platform.
    """
    parsed = parse_command(text, prefixes=prefixes, bot_username=bot_username)
    if parsed is not None:
        return CommandReceived(
            platform=platform,
            sender=sender,
            chat=chat,
            update_id=update_id,
            command=parsed[0],
            args=parsed[1],
        )
    return TextReceived(platform=platform, sender=sender, chat=chat, update_id=update_id, text=text)
