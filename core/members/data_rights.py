"""Members' data rights in chat: ``/mydata`` (a copy of it all) and ``/forgetme`` (erasure).

Both are logged without the data: a log line with the member id, and for an erasure a
:class:`~core.members.models.Erasure` row.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from core.errors import InvalidButton, UserError
from core.i18n.message import _
from core.members.erasure import erase_member
from core.members.export import as_json, member_data
from core.messaging.actions import Action
from core.messaging.context import ButtonSpec, Context
from core.messaging.inbound import CommandReceived
from core.messaging.outbound import Attachment, OutgoingMessage
from core.messaging.router import CommandSpec, Router, Where

log = logging.getLogger(__name__)

CONFIRM = "fgt"
CANCEL = "fgx"
# A confirmation button older than this is refused: the person should decide afresh.
CONFIRM_WITHIN = timedelta(minutes=15)


class DataRights:
    """The /mydata and /forgetme commands and the erasure confirmation buttons.

    Args:
        router: Where the commands and actions are registered.
    """

    def __init__(self, router: Router) -> None:
        self._router = router

    def register(self) -> None:
        """Registers /mydata, /forgetme and the confirm / cancel actions."""
        self._router.command(
            CommandSpec(
                "mydata",
                _("Get a copy of everything I store about you"),
                self.mydata,
                where=Where.PRIVATE,
            )
        )
        self._router.command(
            CommandSpec(
                "forgetme",
                _("Erase your personal data and accounts"),
                self.forgetme,
                where=Where.PRIVATE,
            )
        )
        self._router.action(CONFIRM, self.confirmed)
        self._router.action(CANCEL, self.cancelled)

    async def mydata(self, ctx: Context, command: CommandReceived) -> None:
        """Sends the member a JSON file with everything stored about them."""
        data = await member_data(ctx.session, ctx.member.id, ctx.now)
        stamp = ctx.now.astimezone(UTC).strftime("%Y-%m-%d")
        attachment = Attachment(f"my-data-{stamp}.json", as_json(data), "application/json")
        text = ctx.render(
            _(
                "Here is everything I store about you, as a JSON file: your profile, your "
                "accounts, your roles and what you did with them."
            )
        )
        if ctx.messenger.capabilities.files:
            message = OutgoingMessage(text, file=attachment, rtl=ctx.translator.rtl)
        else:  # a platform that cannot take files gets the same JSON as text
            message = OutgoingMessage(
                f"{text}\n\n{attachment.content.decode('utf-8')}", rtl=ctx.translator.rtl
            )
        ctx.outbox.post(
            ctx.inbound.platform, ctx.chat.external_id, message, instruction=ctx.instruction()
        )
        log.info("member data exported", extra={"member": ctx.member.id})

    async def forgetme(self, ctx: Context, command: CommandReceived) -> None:
        """Explains what erasure does and asks for confirmation."""
        issued = str(int(ctx.now.timestamp()))
        ctx.reply(
            _(
                "Erase your personal data?\n\n"
                "I will delete your name, bio, photo, time zone, language and chapter, your "
                "accounts on every platform and your roles. Your votes in open ballots stay "
                "counted but no longer show who cast them; secret ballots were never linked "
                "to you. The turnout of decisions stays as it was.\n\n"
                "This cannot be undone."
            ),
            [
                [
                    ButtonSpec(_("Erase my data"), Action(CONFIRM, (str(ctx.member.id), issued))),
                    ButtonSpec(_("Cancel"), Action(CANCEL)),
                ]
            ],
        )

    async def confirmed(self, ctx: Context, action: Action) -> None:
        """The member confirmed: their personal data is erased."""
        if len(action.args) != 2 or not all(arg.isdecimal() for arg in action.args):
            raise InvalidButton()
        if not ctx.in_private:
            raise InvalidButton()
        member_id, issued = int(action.args[0]), int(action.args[1])
        asked = datetime.fromtimestamp(issued, UTC)
        # Another member's button (accounts linked or erased since) or an old one: ask anew.
        if member_id != ctx.member.id or not timedelta(0) <= ctx.now - asked <= CONFIRM_WITHIN:
            raise UserError(
                _("This confirmation is out of date. Send /forgetme again if you still want it.")
            )
        ctx.reply(
            _(
                "Your personal data is erased. Thank you for the time you spent with us. If "
                "you write to me again, you will start as a new member."
            )
        )
        await erase_member(
            ctx.session, ctx.member, ctx.now, (ctx.inbound.platform, ctx.chat.external_id)
        )

    async def cancelled(self, ctx: Context, action: Action) -> None:
        """The member changed their mind."""
        ctx.reply(_("Nothing was erased."))
