"""Writing privately to a member other than the sender, in their own language."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import select

from core.decisions.posting import reach
from core.federation.service import ancestor_ids
from core.i18n.message import Msg
from core.i18n.translator import Translator
from core.members.models import Role, RoleGrant
from core.messaging.context import ButtonSpec, Context

PLATFORM_NAMES = {"telegram": "Telegram", "discord": "Discord", "matrix": "Matrix"}


def platform_name(platform: str) -> str:
    """A platform as people name it (``Telegram``); unknown ones capitalised."""
    return PLATFORM_NAMES.get(platform, platform.capitalize())


async def notify(
    ctx: Context,
    member_id: int,
    text: Msg | str | Callable[[Translator], Msg | str],
    buttons: Sequence[Sequence[ButtonSpec]] = (),
) -> bool:
    """Sends a member a private message on the platform they used last.

    Args:
        ctx: The unit of work (the message waits in its outbox).
        member_id: Whom to write to.
        text: The message, or a function making it for the reader's translator (for
            parts such as branch names that have their own translations).
        buttons: Rows of buttons.

    Returns:
        False when the member has no account on any attached platform.
    """
    found = await reach(ctx.session, ctx.services, member_id)
    if found is None:
        return False
    account, translator, _zone = found
    message = text(translator) if callable(text) else text
    ctx.outbox.direct(
        account.platform,
        account.external_id,
        ctx.message(message, buttons, translator),
        instruction=ctx.instruction(translator),
    )
    return True


async def organisers_of(ctx: Context, branch_id: int) -> list[int]:
    """The members who organise a branch: organisers and admins of it or of a branch above."""
    rows = await ctx.session.scalars(
        select(RoleGrant.member_id)
        .where(
            RoleGrant.branch_id.in_(await ancestor_ids(ctx.session, branch_id)),
            RoleGrant.role.in_({Role.ORGANISER.value, Role.ADMIN.value}),
        )
        .distinct()
        .order_by(RoleGrant.member_id)
    )
    return list(rows.all())
