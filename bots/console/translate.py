"""Console input lines -> steering directives or inbound events (pure functions)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from core.messaging.commands import inbound_from_text
from core.messaging.inbound import ChatKind, ChatRef, Inbound, Sender

PLATFORM = "console"
_OFFSET = re.compile(r"^\+?((?:\d+\s*[mhdw]\s*)+)$")
_PART = re.compile(r"(\d+)\s*([mhdw])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_NAME = re.compile(r"^[\w.\-]{1,64}$")


class DirectiveError(ValueError):
    """A steering line that cannot be understood."""


@dataclass(frozen=True)
class Directive:
    """A steering line (``:as alice``): its verb and argument."""

    verb: str
    arg: str = ""


@dataclass
class ConsoleState:
    """Who is typing, where, and with which client language."""

    user: str = "guest"
    group: str | None = None
    language_hints: dict[str, str] = field(default_factory=dict)

    @property
    def language_hint(self) -> str | None:
        """The current user's client language hint (``:lang``), if set."""
        return self.language_hints.get(self.user)

    @property
    def chat_id(self) -> str:
        """The current chat's id: the group's name, or ``dm:<user>``."""
        return self.group if self.group is not None else dm_chat_id(self.user)


VERBS = ("as", "dm", "chat", "press", "lang", "time", "join", "quit", "help")


def dm_chat_id(user: str) -> str:
    """The console id of a user's private conversation with the bot."""
    return f"dm:{user}"


def parse_directive(line: str) -> Directive | None:
    """A ``:verb arg`` line as a directive; None when the line is a chat message.

    Raises:
        DirectiveError: An unknown verb or a missing / malformed argument.
    """
    if not line.startswith(":"):
        return None
    verb, _, arg = line[1:].strip().partition(" ")
    verb, arg = verb.lower(), arg.strip()
    if verb not in VERBS:
        raise DirectiveError(f"unknown console command :{verb} (try :help)")
    if verb in ("as", "chat", "press", "lang", "time", "join") and not arg:
        raise DirectiveError(f":{verb} needs an argument (try :help)")
    if verb in ("as", "chat") and not _NAME.match(arg):
        raise DirectiveError(f":{verb} takes a name of letters, digits, '.', '-' or '_'")
    return Directive(verb, arg)


def parse_offset(text: str) -> timedelta:
    """``+2h``, ``+3d``, ``+1d2h``, ``+90m`` -> a timedelta.

    Raises:
        DirectiveError: Anything else (time only moves forward).
    """
    match = _OFFSET.match(text.strip().lower())
    if not match:
        raise DirectiveError("use :time +30m, +2h, +3d, +1w or a mix like +1d2h")
    delta = timedelta()
    for amount, unit in _PART.findall(match.group(1)):
        delta += timedelta(**{_UNITS[unit]: int(amount)})
    if delta > timedelta(days=3650):
        raise DirectiveError("that is more than ten years ahead")
    return delta


def to_inbound(line: str, state: ConsoleState, update_id: str) -> Inbound:
    """A chat line from the current user in the current chat."""
    sender = Sender(state.user, state.user, state.language_hint)
    if state.group is None:
        chat = ChatRef(dm_chat_id(state.user), ChatKind.PRIVATE)
    else:
        chat = ChatRef(state.group, ChatKind.GROUP, title=state.group)
    return inbound_from_text(line, platform=PLATFORM, sender=sender, chat=chat, update_id=update_id)
