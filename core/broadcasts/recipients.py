"""Who a broadcast reaches: the branch chats, and each member once, on one platform.

A member with several linked accounts is one recipient. Their **preferred platform** is the
one they chose in ``/settings``, else the one they used most recently (the account seen
last): that is where they are reading now. Only platforms attached to the bot count: a
member whose accounts are all elsewhere is *unreachable* (counted, never silently dropped).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.broadcasts.models import BroadcastPreference, Channels, DeliveryKind
from core.decisions.service import subtree_ids
from core.federation.models import Branch, Chat
from core.members.models import Erasure, Member, PlatformAccount
from core.members.service import language_of
from core.messaging.context import Services
from core.messaging.inbound import ChatKind


@dataclass(frozen=True)
class Recipient:
    """One delivery to make: a chat post or a member's private message."""

    kind: DeliveryKind
    platform: str
    target: str
    language: str
    member_id: int | None = None


@dataclass
class Plan:
    """Everyone a broadcast would reach now, and who it cannot.

    Attributes:
        recipients: Chat posts first (one post reaches many), then members.
        members: Members of the branch and below.
        opted_out: Members who turned announcements by private message off.
        unreachable: Members with no account on an attached platform.
    """

    recipients: list[Recipient] = field(default_factory=list)
    members: int = 0
    opted_out: int = 0
    unreachable: int = 0

    @property
    def languages(self) -> set[str]:
        """Every language someone will read it in."""
        return {r.language for r in self.recipients}

    def counts(self) -> Counter[tuple[str, str, DeliveryKind]]:
        """Recipients by (language, platform, kind)."""
        return Counter((r.language, r.platform, r.kind) for r in self.recipients)


async def plan(
    session: AsyncSession, services: Services, branch_id: int, channels: Channels
) -> Plan:
    """Who a broadcast to ``branch_id`` (and every branch below it) reaches on ``channels``."""
    ids = await subtree_ids(session, branch_id)
    attached = set(services.messengers)
    result = Plan()
    if channels in (Channels.CHATS, Channels.BOTH):
        rows = await session.execute(
            select(Chat.platform, Chat.external_id, Branch.language)
            .join(Branch, Branch.id == Chat.branch_id)
            .where(Chat.branch_id.in_(ids), Chat.kind == ChatKind.GROUP.value)
            .order_by(Chat.id)
        )
        for platform, chat_id, language in rows:
            if platform in attached:
                result.recipients.append(Recipient(DeliveryKind.CHAT, platform, chat_id, language))
    languages = {
        b: lang
        for b, lang in (
            await session.execute(select(Branch.id, Branch.language).where(Branch.id.in_(ids)))
        )
    }
    erased = select(Erasure.member_id)
    members = (
        await session.execute(
            select(
                Member.id,
                Member.language,
                Member.chapter_id,
                BroadcastPreference.direct_messages,
                BroadcastPreference.platform,
            )
            .outerjoin(BroadcastPreference, BroadcastPreference.member_id == Member.id)
            .where(Member.chapter_id.in_(ids), Member.id.not_in(erased))
            .order_by(Member.id)
        )
    ).all()
    result.members = len(members)
    if channels not in (Channels.DMS, Channels.BOTH):
        return result
    accounts: dict[int, list[tuple[str, str, str | None]]] = {}
    account_rows = await session.execute(
        select(
            PlatformAccount.member_id,
            PlatformAccount.platform,
            PlatformAccount.external_id,
            PlatformAccount.language_hint,
        )
        .join(Member, Member.id == PlatformAccount.member_id)
        .where(Member.chapter_id.in_(ids), PlatformAccount.platform.in_(attached))
        .order_by(PlatformAccount.last_seen_at.desc(), PlatformAccount.id.desc())
    )
    for member_id, platform, external_id, hint in account_rows:
        accounts.setdefault(member_id, []).append((platform, external_id, hint))
    organisation = services.organisation.organisation
    for member_id, chosen, chapter_id, wants_dms, preferred in members:
        if wants_dms is False:
            result.opted_out += 1
            continue
        mine = accounts.get(member_id)
        if not mine:
            result.unreachable += 1
            continue
        platform, external_id, hint = next((a for a in mine if a[0] == preferred), mine[0])
        language = language_of(
            chosen,
            hint,
            languages.get(chapter_id) if chapter_id is not None else None,
            organisation.languages,
            organisation.default_language,
        )
        result.recipients.append(
            Recipient(DeliveryKind.DM, platform, external_id, language, member_id)
        )
    return result
