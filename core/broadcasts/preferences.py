"""``/settings``: whether announcements come by private message, and on which platform.

Button actions:

====  ==========  ===================================================
bsd   on|off      announcements by private message
bsp   platform    reach me there; ``-`` for "the platform I used last"
====  ==========  ===================================================
"""

from __future__ import annotations

from sqlalchemy import select

from core.broadcasts.models import BroadcastPreference
from core.errors import InvalidButton
from core.i18n.message import Msg, _
from core.members.models import PlatformAccount
from core.members.notify import platform_name
from core.messaging.actions import Action
from core.messaging.context import ButtonSpec, Context
from core.messaging.inbound import CommandReceived
from core.messaging.router import CommandSpec, Router, Where

DIRECT, PLATFORM = "bsd", "bsp"
LAST_USED = "-"


class Settings:
    """The /settings command and its buttons.

    Args:
        router: Where they are registered.
    """

    def __init__(self, router: Router) -> None:
        self._router = router

    def register(self) -> None:
        """Registers /settings and its buttons."""
        self._router.command(
            CommandSpec(
                "settings",
                _("Choose how announcements reach you"),
                self.show,
                where=Where.PRIVATE,
            )
        )
        self._router.action(DIRECT, self.direct)
        self._router.action(PLATFORM, self.platform)

    async def _preference(self, ctx: Context) -> BroadcastPreference:
        found = await ctx.session.get(BroadcastPreference, ctx.member.id)
        if found is None:
            found = BroadcastPreference(
                member_id=ctx.member.id, direct_messages=True, platform=None, updated_at=ctx.now
            )
            ctx.session.add(found)
        return found

    async def _platforms(self, ctx: Context) -> list[str]:
        rows = await ctx.session.scalars(
            select(PlatformAccount.platform)
            .where(PlatformAccount.member_id == ctx.member.id)
            .distinct()
            .order_by(PlatformAccount.platform)
        )
        return [p for p in rows.all() if p in ctx.services.messengers]

    async def show(self, ctx: Context, command: CommandReceived | None = None) -> None:
        """The member's announcement settings, with a button to change each."""
        preference = await ctx.session.get(BroadcastPreference, ctx.member.id)
        direct = preference.direct_messages if preference else True
        chosen = preference.platform if preference else None
        lines: list[Msg] = [
            _("Your settings for announcements"),
            _("Announcements by private message: on")
            if direct
            else _("Announcements by private message: off (you still see them in your chats)"),
        ]
        platforms = await self._platforms(ctx)
        buttons: list[list[ButtonSpec]] = [
            [
                ButtonSpec(_("Turn them off"), Action(DIRECT, ("off",)))
                if direct
                else ButtonSpec(_("Turn them on"), Action(DIRECT, ("on",)))
            ]
        ]
        if len(platforms) > 1:
            if chosen in platforms:
                lines.append(
                    _("They reach you on {platform}.", platform=platform_name(chosen or ""))
                )
            else:
                lines.append(_("They reach you on the platform you used last."))
            row = [
                ButtonSpec(_("On {platform}", platform=platform_name(p)), Action(PLATFORM, (p,)))
                for p in platforms
                if p != chosen
            ]
            if chosen in platforms:
                row.append(ButtonSpec(_("Where I was last"), Action(PLATFORM, (LAST_USED,))))
            buttons.append(row)
        heading, *rest = (ctx.render(line) for line in lines)
        ctx.reply(heading + "\n\n" + "\n".join(rest), buttons)

    async def direct(self, ctx: Context, action: Action) -> None:
        """Turns announcements by private message on or off."""
        if action.args not in (("on",), ("off",)):
            raise InvalidButton()
        preference = await self._preference(ctx)
        preference.direct_messages = action.args[0] == "on"
        preference.updated_at = ctx.now
        await ctx.session.flush()
        await self.show(ctx)

    async def platform(self, ctx: Context, action: Action) -> None:
        """Chooses the platform announcements reach the member on."""
        if len(action.args) != 1:
            raise InvalidButton()
        choice = action.args[0]
        if choice != LAST_USED and choice not in await self._platforms(ctx):
            raise InvalidButton()
        preference = await self._preference(ctx)
        preference.platform = None if choice == LAST_USED else choice
        preference.updated_at = ctx.now
        await ctx.session.flush()
        await self.show(ctx)
