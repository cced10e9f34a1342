"""``/link``: one person's accounts on several platforms become one member.

``/link`` alone (in a private chat) gives a one-time code; ``/link CODE`` sent privately
from an account on another platform merges that account's member into the code's owner
(:mod:`core.members.merge`). Codes expire, work once and are stored hashed; wrong tries
are limited (:mod:`core.members.codes`). A code never reaches a log line.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta

from babel.lists import format_list
from sqlalchemy import delete, select, update

from core.errors import UserError
from core.i18n.message import Msg, _, ngettext
from core.members.codes import (
    FAILURE_WINDOW,
    LIFETIME,
    LOCKOUT,
    code_digest,
    locked_until,
    new_code,
    normalise_code,
    show_code,
    tries_left,
)
from core.members.merge import merge_members
from core.members.models import LinkCode, LinkFailure, Member, PlatformAccount
from core.members.notify import platform_name
from core.members.service import language_of
from core.messaging.context import Context
from core.messaging.inbound import CommandReceived
from core.messaging.router import CommandSpec, Router, Where

log = logging.getLogger(__name__)


class AccountLinking:
    """The /link command.

    Args:
        router: Where the command is registered.
    """

    def __init__(self, router: Router) -> None:
        self._router = router

    def register(self) -> None:
        """Registers /link."""
        self._router.command(
            CommandSpec(
                "link",
                _("Link your accounts on other platforms into one member"),
                self.command,
                where=Where.PRIVATE,
            )
        )

    async def command(self, ctx: Context, command: CommandReceived) -> None:
        """``/link`` gives a code; ``/link CODE`` uses one."""
        if command.args.strip():
            await self._redeem(ctx, command.args.strip())
        else:
            await self._issue(ctx)

    async def _platforms(self, ctx: Context, member_id: int) -> list[str]:
        rows = await ctx.session.scalars(
            select(PlatformAccount.platform)
            .where(PlatformAccount.member_id == member_id)
            .order_by(PlatformAccount.platform)
        )
        return list(rows.all())

    def _list(self, ctx: Context, platforms: list[str]) -> str:
        names = [platform_name(p) for p in dict.fromkeys(platforms)]
        return format_list(names, locale=ctx.translator.locale)

    async def _issue(self, ctx: Context) -> None:
        # One live code per member: a new one replaces any unused one.
        await ctx.session.execute(
            delete(LinkCode).where(LinkCode.member_id == ctx.member.id, LinkCode.used_at.is_(None))
        )
        code = new_code()
        ctx.session.add(
            LinkCode(
                member_id=ctx.member.id,
                code_hash=code_digest(code),
                created_at=ctx.now,
                expires_at=ctx.now + LIFETIME,
            )
        )
        await ctx.session.flush()
        minutes = int(LIFETIME.total_seconds() // 60)
        ctx.reply(
            "\n\n".join(
                [
                    ctx.render(_("Your link code: {code}", code=show_code(code))),
                    ctx.render(
                        ngettext(
                            "On your other platform, send me this in a private chat within "
                            "{count} minute:",
                            "On your other platform, send me this in a private chat within "
                            "{count} minutes:",
                            minutes,
                        )
                    )
                    + f"\n/link {show_code(code)}",
                    ctx.render(
                        _(
                            "The code works once. Your profile, chapter and roles here are "
                            "kept, and the other account joins them."
                        )
                    ),
                    ctx.render(
                        _(
                            "Linked now: {platforms}.",
                            platforms=self._list(ctx, await self._platforms(ctx, ctx.member.id)),
                        )
                    ),
                ]
            )
        )

    async def _redeem(self, ctx: Context, typed: str) -> None:
        failures = list(
            (
                await ctx.session.scalars(
                    select(LinkFailure.failed_at).where(
                        LinkFailure.member_id == ctx.member.id,
                        LinkFailure.failed_at > ctx.now - FAILURE_WINDOW - LOCKOUT,
                    )
                )
            ).all()
        )
        until = locked_until(failures)
        if until is not None and ctx.now < until:
            raise UserError(self._locked(until - ctx.now))
        code = normalise_code(typed)
        found = None
        if code is not None:
            found = await ctx.session.scalar(
                select(LinkCode)
                .where(LinkCode.code_hash == code_digest(code))
                .order_by(LinkCode.used_at.is_not(None), LinkCode.expires_at.desc())
                .limit(1)
            )
        if found is not None and found.member_id == ctx.member.id:
            if found.used_at is not None:
                raise UserError(_("This code was already used to link your accounts."))
            raise UserError(
                _("This code is yours. Send it from your account on the other platform.")
            )
        if found is None or found.used_at is not None or found.expires_at <= ctx.now:
            await self._wrong(ctx, failures)
            return
        await self._link(ctx, found)

    @staticmethod
    def _locked(remaining: timedelta) -> Msg:
        minutes = max(math.ceil(remaining.total_seconds() / 60), 1)
        return ngettext(
            "Too many wrong codes. For your safety, try again in {count} minute.",
            "Too many wrong codes. For your safety, try again in {count} minutes.",
            minutes,
        )

    async def _wrong(self, ctx: Context, failures: list[datetime]) -> None:
        """Records a wrong try (it must survive, so this answers instead of raising)."""
        ctx.session.add(LinkFailure(member_id=ctx.member.id, failed_at=ctx.now))
        await ctx.session.flush()
        failures = [*failures, ctx.now]
        log.info("wrong link code", extra={"member": ctx.member.id})
        until = locked_until(failures)
        if until is not None and ctx.now < until:
            ctx.reply(self._locked(until - ctx.now))
            return
        ctx.reply(
            ngettext(
                "That code does not work: it may be mistyped, expired or already used. Send "
                "/link from your other account for a new one. You have {count} more try this "
                "hour.",
                "That code does not work: it may be mistyped, expired or already used. Send "
                "/link from your other account for a new one. You have {count} more tries "
                "this hour.",
                tries_left(failures, ctx.now),
            )
        )

    async def _link(self, ctx: Context, found: LinkCode) -> None:
        keep = await ctx.session.get(Member, found.member_id)
        assert keep is not None  # the foreign key guarantees it
        theirs = await self._platforms(ctx, keep.id)
        mine = await self._platforms(ctx, ctx.member.id)
        shared = sorted(set(theirs) & set(mine))
        if shared:
            raise UserError(
                _(
                    "Both accounts are on {platform}. You can link one account per platform.",
                    platform=platform_name(shared[0]),
                )
            )
        # Claimed with a guarded update: of two uses at once, exactly one succeeds.
        claimed = await ctx.session.execute(
            update(LinkCode)
            .where(LinkCode.id == found.id, LinkCode.used_at.is_(None))
            .values(used_at=ctx.now)
            .execution_options(synchronize_session=False)
        )
        if getattr(claimed, "rowcount", 0) != 1:
            raise UserError(_("This code was just used. Ask for a new one with /link."))
        earlier = list(
            (
                await ctx.session.scalars(
                    select(PlatformAccount).where(PlatformAccount.member_id == keep.id)
                )
            ).all()
        )
        merged_id = ctx.member.id
        await merge_members(ctx.session, keep, ctx.member)
        await ctx.session.refresh(ctx.account)
        ctx.member = keep
        organisation = ctx.services.organisation.organisation
        ctx.translator = ctx.translator_for(
            language_of(
                keep.language,
                ctx.account.language_hint,
                None,
                organisation.languages,
                organisation.default_language,
            )
        )
        log.info("accounts linked", extra={"member": keep.id, "merged": merged_id})
        platforms = await self._platforms(ctx, keep.id)
        ctx.reply(
            _(
                "Your accounts are linked: you are one member, {name}, on {platforms}.",
                name=keep.display_name,
                platforms=self._list(ctx, platforms),
            )
        )
        # The other accounts hear of it too: a code shown to the wrong person is noticed.
        for account in earlier:
            if account.platform not in ctx.services.messengers:
                continue
            translator = ctx.translator_for(
                language_of(
                    keep.language,
                    account.language_hint,
                    None,
                    organisation.languages,
                    organisation.default_language,
                )
            )
            ctx.outbox.direct(
                account.platform,
                account.external_id,
                ctx.message(
                    _(
                        "Your {platform} account “{name}” is now linked to you. If that was "
                        "not you, tell an organiser of your chapter.",
                        platform=platform_name(ctx.account.platform),
                        name=ctx.account.display_name,
                    ),
                    translator=translator,
                ),
                instruction=ctx.instruction(translator),
            )
