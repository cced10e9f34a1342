"""Whether the bot accepts an invitation into a chat (on platforms where it is invited).

The bot serves one organisation: it joins a chat that is already linked to a branch (it was
removed and invited back), or one a member of the organisation invites it to (so that an
organiser can then link it with /link_chat). Anyone may invite it into a private
conversation: that is how a newcomer starts joining.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.federation.models import Chat
from core.members.models import Member, PlatformAccount


async def accepts_invitation(
    session: AsyncSession, platform: str, inviter_id: str, chat_id: str, private: bool
) -> bool:
    """Whether to join ``chat_id`` on ``platform`` at ``inviter_id``'s invitation."""
    if private:
        return True
    linked = await session.scalar(
        select(Chat.id).where(
            Chat.platform == platform, Chat.external_id == chat_id, Chat.branch_id.is_not(None)
        )
    )
    if linked is not None:
        return True
    member = await session.scalar(
        select(Member.id)
        .join(PlatformAccount, PlatformAccount.member_id == Member.id)
        .where(
            PlatformAccount.platform == platform,
            PlatformAccount.external_id == inviter_id,
            Member.chapter_id.is_not(None),
        )
    )
    return member is not None
