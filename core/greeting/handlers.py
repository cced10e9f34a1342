"""The first conversation: /start greets, /help lists what this person may do here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from core.config.organisation import Level
from core.i18n.message import Msg, _, ngettext
from core.messaging.context import Context
from core.messaging.inbound import CommandReceived
from core.messaging.router import CommandSpec, Router


def branch_name(ctx: Context) -> str | None:
    """The chat's branch name in the sender's language."""
    if ctx.branch is None:
        return None
    cfg = ctx.services.organisation.branch(ctx.branch.slug)
    return cfg.display_name(ctx.translator.language) if cfg else ctx.branch.name


StartHook = Callable[[Context, CommandReceived], Awaitable[bool]]
"""Offered a private /start first; True when it answered (onboarding, for newcomers)."""


class Greeting:
    """The /start and /help commands.

    Args:
        router: Where the commands are registered; /help reads the commands from it.
        newcomer: Takes over a private /start from someone who is not a member yet (the
            onboarding); members are greeted as before.
    """

    def __init__(self, router: Router, newcomer: StartHook | None = None) -> None:
        self._router = router
        self._newcomer = newcomer

    def register(self) -> None:
        """Registers /start and /help."""
        self._router.command(
            CommandSpec("start", _("Welcome, and what I can do for you"), self.start)
        )
        self._router.command(CommandSpec("help", _("The commands you can use here"), self.help))

    async def _command_list(self, ctx: Context) -> str:
        lines = [
            _("/{command} — {description}", command=spec.name, description=spec.description)
            for spec in await self._router.commands_for(ctx)
        ]
        return "\n".join(ctx.render(line) for line in lines)

    def _where(self, ctx: Context) -> Msg | None:
        if ctx.in_private:
            return None
        name = branch_name(ctx)
        if name is None:
            return _("This chat is not linked to a branch of the organisation yet.")
        return _("This chat belongs to {branch}.", branch=name)

    async def start(self, ctx: Context, command: CommandReceived) -> None:
        """Greets the sender by name with the organisation's name and the command list."""
        if ctx.in_private and self._newcomer is not None and await self._newcomer(ctx, command):
            return
        config = ctx.services.organisation
        chapters = sum(1 for b in config.branches if b.level is Level.LOCAL)
        parts = [
            ctx.render(
                _(
                    "Hello, {name}! I am the assistant of {organisation}.",
                    name=ctx.member.display_name,
                    organisation=config.organisation.display_name(ctx.translator.language),
                )
            )
            + " "
            + ctx.render(
                ngettext(
                    "We have {count} local chapter so far.",
                    "We have {count} local chapters so far.",
                    chapters,
                )
            )
        ]
        where = self._where(ctx)
        if where is not None:
            parts.append(ctx.render(where))
        parts.append(ctx.render(_("Here is what you can do with me:")))
        parts.append(await self._command_list(ctx))
        ctx.reply("\n\n".join(parts[:-1]) + "\n" + parts[-1])

    async def help(self, ctx: Context, command: CommandReceived) -> None:
        """Lists the commands the sender may use in this chat."""
        heading = ctx.render(_("Commands you can use here:"))
        ctx.reply(heading + "\n" + await self._command_list(ctx))
