"""``/link_chat SLUG``: an organiser makes a group chat a view of their branch.

The command works in a chat that is not linked yet, so it cannot rely on the router's role
check (which needs the chat's branch): the role is checked here, against the branch asked
for. Being an admin of the group on its platform counts for nothing.
"""

from __future__ import annotations

from core.decisions.posting import branch_name
from core.errors import UserError
from core.federation.models import Branch
from core.federation.service import branch_by_slug, link_chat
from core.i18n.message import _
from core.members.models import Role
from core.members.service import has_role
from core.messaging.context import Context
from core.messaging.inbound import BotAddedToChat, CommandReceived
from core.messaging.router import CommandSpec, Router, Where


class ChatLinking:
    """The /link_chat command.

    Args:
        router: Where the command is registered.
    """

    def __init__(self, router: Router) -> None:
        self._router = router

    def register(self) -> None:
        """Registers /link_chat (in group chats) and the bot's introduction in new chats."""
        self._router.bot_added(self.introduce)
        self._router.command(
            CommandSpec(
                "link_chat",
                _("Link this chat to a branch you organise: /link_chat SLUG"),
                self.link,
                where=Where.GROUP,
            )
        )

    def _name(self, ctx: Context, branch: Branch) -> str:
        return branch_name(branch, ctx.services.organisation, ctx.translator.language)

    async def introduce(self, ctx: Context, event: BotAddedToChat) -> None:
        """The bot was added to a group: says whose chat it is, or how to link it.

        An unlinked chat is where people would otherwise try commands and get nothing
        useful, so it is told politely what the bot needs first, and by whom.
        """
        if ctx.in_private:
            return
        if ctx.branch is not None:
            ctx.reply(
                _(
                    "Hello! This chat belongs to {branch}. Send /help to see what I can do here.",
                    branch=self._name(ctx, ctx.branch),
                )
            )
            return
        ctx.reply(
            _(
                "Hello! This chat is not linked to a branch of the organisation yet, so I can't "
                "do much here. An organiser of a branch can link it by sending /link_chat "
                "with the branch's code, for example /link_chat london-hackney."
            )
        )

    async def link(self, ctx: Context, command: CommandReceived) -> None:
        """Links the chat to the branch named by its slug, for that branch's organisers."""
        words = command.args.split()
        if not words:
            raise UserError(
                _(
                    "Which branch? Send /link_chat with the branch's code, for example "
                    "/link_chat london-hackney."
                )
            )
        slug = words[0].lower()[:64]
        branch = await branch_by_slug(ctx.session, slug)
        if branch is None:
            raise UserError(_("There is no branch “{slug}”.", slug=slug))
        if not await has_role(ctx.session, ctx.member.id, Role.ORGANISER, branch.id):
            raise UserError(
                _(
                    "You are not an organiser of {branch}, so you can't link this chat to it.",
                    branch=self._name(ctx, branch),
                )
            )
        if ctx.branch is not None:
            if ctx.branch.id == branch.id:
                raise UserError(
                    _("This chat is already linked to {branch}.", branch=self._name(ctx, branch))
                )
            # Moving a chat away from a branch is for that branch's organisers too.
            if not await has_role(ctx.session, ctx.member.id, Role.ORGANISER, ctx.branch.id):
                raise UserError(
                    _(
                        "This chat belongs to {branch}; only its organisers can link it elsewhere.",
                        branch=self._name(ctx, ctx.branch),
                    )
                )
        await link_chat(ctx.session, ctx.chat, branch)
        ctx.branch = branch
        ctx.reply(
            _(
                "This chat is now linked to {branch}. Its decisions and announcements will "
                "appear here.",
                branch=self._name(ctx, branch),
            )
        )
