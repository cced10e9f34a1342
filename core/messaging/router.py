"""Dispatch: command names and action kinds to the handlers registered for them."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from core.errors import InvalidButton, NotAllowed, UnknownCommand, UserError
from core.i18n.message import Msg, _
from core.members.models import Role
from core.members.service import has_role
from core.messaging.actions import Action, ActionError
from core.messaging.batching import BatchHandler
from core.messaging.choices import offered, person_key
from core.messaging.commands import is_valid_command_name
from core.messaging.context import Context
from core.messaging.inbound import (
    BotAddedToChat,
    ButtonPressed,
    CommandReceived,
    Inbound,
    JoinRequested,
    MemberJoined,
    PhotoReceived,
    PollAnswered,
    TextReceived,
    Unreadable,
)

log = logging.getLogger(__name__)

CommandHandler = Callable[[Context, CommandReceived], Awaitable[None]]
ActionHandler = Callable[[Context, Action], Awaitable[None]]
TextHandler = Callable[[Context, TextReceived], Awaitable[bool]]
EventHandler = Callable[[Context, MemberJoined | JoinRequested], Awaitable[None]]
PhotoHandler = Callable[[Context, PhotoReceived], Awaitable[bool]]
PollHandler = Callable[[Context, list[Action]], Awaitable[None]]
MAX_POLL_ANSWERS = 36  # as many as a decision has options (one digit each)
ArrivalHandler = Callable[[Context, BotAddedToChat], Awaitable[None]]


class Where(StrEnum):
    """Where a command may be used."""

    ANYWHERE = "anywhere"
    PRIVATE = "private"
    GROUP = "group"


@dataclass(frozen=True)
class CommandSpec:
    """A command: its name, what /help says of it, who may use it where, and its handler.

    Attributes:
        name: Lowercase, without the slash.
        description: One line for /help.
        handler: The use case.
        requires: A role the sender must hold in the chat's branch (or above); None for all.
        where: Private conversation, group chats, or both.
    """

    name: str
    description: Msg
    handler: CommandHandler
    requires: Role | None = None
    where: Where = Where.ANYWHERE


class Router:
    """Routes inbound events to handlers. Filled by each capability's ``register``."""

    def __init__(self) -> None:
        self._commands: dict[str, CommandSpec] = {}
        self._actions: dict[str, ActionHandler] = {}
        self._batches: dict[str, BatchHandler] = {}
        self._text: list[TextHandler] = []
        self._photos: list[PhotoHandler] = []
        self._events: dict[type, list[EventHandler]] = {MemberJoined: [], JoinRequested: []}
        self._polls: dict[str, PollHandler] = {}
        self._arrivals: list[ArrivalHandler] = []

    def command(self, spec: CommandSpec) -> None:
        """Registers a command; names are unique."""
        if not is_valid_command_name(spec.name):
            raise ValueError(f"invalid command name {spec.name!r}")
        if spec.name in self._commands:
            raise ValueError(f"command /{spec.name} is registered twice")
        self._commands[spec.name] = spec

    def action(self, kind: str, handler: ActionHandler) -> None:
        """Registers the handler of one action kind."""
        if kind in self._actions:
            raise ValueError(f"action {kind!r} is registered twice")
        self._actions[kind] = handler

    def batch(self, kind: str, handler: BatchHandler) -> None:
        """Lets presses of action ``kind`` also be decided many at a time.

        ``kind`` keeps its ordinary handler (registered with :meth:`action`): the batch
        handler takes only the presses it can fully decide (see
        :mod:`core.messaging.batching`) and leaves the rest to it.
        """
        if kind not in self._actions:
            raise ValueError(f"register the ordinary handler of {kind!r} first")
        if kind in self._batches:
            raise ValueError(f"a batch handler for {kind!r} is already registered")
        self._batches[kind] = handler

    @property
    def batch_handlers(self) -> Mapping[str, BatchHandler]:
        """The batch handlers by action kind (read-only)."""
        return MappingProxyType(self._batches)

    def text(self, handler: TextHandler) -> None:
        """Registers a handler offered free text; it returns True when it took it."""
        self._text.append(handler)

    def poll(self, kind: str, handler: PollHandler) -> None:
        """Registers the handler of answers to native polls whose answers are ``kind`` actions.

        The handler gets every chosen answer's verified action at once (one ballot).
        """
        if kind in self._polls:
            raise ValueError(f"poll answers {kind!r} are registered twice")
        self._polls[kind] = handler

    def photo(self, handler: PhotoHandler) -> None:
        """Registers a handler offered pictures; it returns True when it took one."""
        self._photos.append(handler)

    def event(self, kind: type[MemberJoined] | type[JoinRequested], handler: EventHandler) -> None:
        """Registers a handler of joins or join requests."""
        self._events[kind].append(handler)

    def bot_added(self, handler: ArrivalHandler) -> None:
        """Registers a handler of the bot's own arrival in a chat."""
        self._arrivals.append(handler)

    @property
    def commands(self) -> list[CommandSpec]:
        """Every registered command, in registration order."""
        return list(self._commands.values())

    async def may_use(self, ctx: Context, spec: CommandSpec) -> bool:
        """Whether the sender may use ``spec`` in this chat."""
        if spec.where is Where.PRIVATE and not ctx.in_private:
            return False
        if spec.where is Where.GROUP and ctx.in_private:
            return False
        if spec.requires is None:
            return True
        # In a group the role must cover the chat's branch; privately, any branch will do.
        branch_id = None if ctx.in_private else ctx.branch.id if ctx.branch else -1
        return await has_role(ctx.session, ctx.member.id, spec.requires, branch_id)

    async def commands_for(self, ctx: Context) -> list[CommandSpec]:
        """The commands the sender may use here, for /help."""
        return [spec for spec in self._commands.values() if await self.may_use(ctx, spec)]

    async def dispatch(self, ctx: Context, inbound: Inbound) -> None:
        """Runs the handler for ``inbound``.

        Raises:
            UserError: The event cannot be handled as asked; nothing was changed.
        """
        if isinstance(inbound, CommandReceived):
            spec = self._commands.get(inbound.command)
            if spec is None:
                raise UnknownCommand(inbound.command[:32])
            if not await self.may_use(ctx, spec):
                raise NotAllowed(spec.name)
            await spec.handler(ctx, inbound)
        elif isinstance(inbound, ButtonPressed):
            await self._press(ctx, inbound.data)
        elif isinstance(inbound, TextReceived):
            if await self._numbered_choice(ctx, inbound):
                return
            for text_handler in self._text:
                if await text_handler(ctx, inbound):
                    return
            if ctx.in_private:
                ctx.reply(_("I answer to commands. Send /help to see what you can do here."))
        elif isinstance(inbound, PollAnswered):
            await self._poll_answer(ctx, inbound)
        elif isinstance(inbound, Unreadable):
            _tell_unreadable(ctx)
        elif isinstance(inbound, PhotoReceived):
            for photo_handler in self._photos:
                if await photo_handler(ctx, inbound):
                    return
            if ctx.in_private:
                ctx.reply(_("I answer to commands. Send /help to see what you can do here."))
        elif isinstance(inbound, BotAddedToChat):
            for arrival_handler in self._arrivals:
                await arrival_handler(ctx, inbound)
        else:
            for event_handler in self._events[type(inbound)]:
                await event_handler(ctx, inbound)

    def _verified(self, ctx: Context, data: str) -> Action:
        try:
            return ctx.services.signer.decode(data)
        except ActionError:
            log.warning(
                "rejected button data",
                extra={"platform": ctx.inbound.platform, "chat": ctx.inbound.chat.external_id},
            )
            raise InvalidButton() from None

    async def _press(self, ctx: Context, data: str) -> None:
        action = self._verified(ctx, data)
        handler = self._actions.get(action.kind)
        if handler is None:
            raise InvalidButton()
        await handler(ctx, action)

    async def _poll_answer(self, ctx: Context, answer: PollAnswered) -> None:
        """A native poll's answer: every chosen action verified, then one handler call.

        An answer without choices (a withdrawn one) changes nothing: a cast ballot is only
        replaced by another.
        """
        if not answer.data:
            return
        if len(answer.data) > MAX_POLL_ANSWERS:
            raise InvalidButton()
        actions = [self._verified(ctx, data) for data in answer.data]
        kinds = {action.kind for action in actions}
        handler = self._polls.get(kinds.pop()) if len(kinds) == 1 else None
        if handler is None:
            raise InvalidButton()
        await handler(ctx, actions)

    async def _numbered_choice(self, ctx: Context, inbound: TextReceived) -> bool:
        """A bare number answering numbered choices acts as the button press it stands for."""
        answer = inbound.text.strip()
        if not answer.isdecimal() or len(answer) > 3:
            return False
        keys = [inbound.chat.external_id]
        if ctx.in_private:
            keys.append(person_key(inbound.sender.external_id))
        actions = await offered(ctx.session, inbound.platform, keys)
        if actions is None:
            return False
        number = int(answer)
        if not 1 <= number <= len(actions):
            raise UserError(_("Please answer with a number from 1 to {count}.", count=len(actions)))
        await self._press(ctx, actions[number - 1])
        return True


def _tell_unreadable(ctx: Context) -> None:
    """Says in the chat, in the chat's language, that the bot cannot read it."""
    language = ctx.branch.language if ctx.branch is not None and not ctx.in_private else None
    translator = ctx.translator_for(language) if language else ctx.translator
    ctx.outbox.post(
        ctx.inbound.platform,
        ctx.chat.external_id,
        ctx.message(
            _(
                "I cannot read messages in this chat: it is end-to-end encrypted, and I have "
                "no keys to read it. Write to me in a chat without encryption, or ask an "
                "administrator to enable encryption support for me."
            ),
            translator=translator,
        ),
        instruction=ctx.instruction(translator),
    )
