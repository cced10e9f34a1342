"""Use cases about members: who is this account, what language do they read, what may they do."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.federation.service import ancestors_query
from core.i18n.languages import normalise_language
from core.members.models import Member, PlatformAccount, Role, RoleGrant
from core.messaging.inbound import Sender

MAX_NAME = 128


def clean_name(name: str, fallback: str) -> str:
    """A display name trimmed to the column, never empty."""
    name = " ".join(name.split())[:MAX_NAME]
    return name or fallback[:MAX_NAME]


async def resolve_account(
    session: AsyncSession, platform: str, sender: Sender, now: datetime
) -> tuple[Member, PlatformAccount]:
    """The member behind a platform account, created on first contact.

    Keeps the account's name and language hint current. Two first messages of the same new
    person racing each other end with one member: the loser of the insert reads the winner's.
    """
    query = select(PlatformAccount).where(
        PlatformAccount.platform == platform, PlatformAccount.external_id == sender.external_id
    )
    account = await session.scalar(query)
    if account is None:
        name = clean_name(sender.display_name, sender.external_id)
        try:
            async with session.begin_nested():
                member = Member(display_name=name, created_at=now)
                session.add(member)
                await session.flush()
                account = PlatformAccount(
                    platform=platform,
                    external_id=sender.external_id,
                    member_id=member.id,
                    display_name=name,
                    language_hint=(sender.language_hint or None) and sender.language_hint[:35],
                    created_at=now,
                    last_seen_at=now,
                )
                session.add(account)
                await session.flush()
            return member, account
        except IntegrityError:
            account = await session.scalar(query)
            if account is None:
                raise
    account.last_seen_at = now
    if sender.display_name.strip():
        account.display_name = clean_name(sender.display_name, sender.external_id)
    if sender.language_hint:
        account.language_hint = sender.language_hint[:35]
    owner = await session.get(Member, account.member_id)
    assert owner is not None  # the foreign key guarantees it
    return owner, account


def language_of(
    chosen: str | None,
    hint: str | None,
    chat_language: str | None,
    supported: tuple[str, ...],
    default: str,
) -> str:
    """The language to address a member in.

    Their own choice, else the platform's hint (when it is one of ours), else the chat's
    language, else the organisation's default.
    """
    if chosen is not None and chosen in supported:
        return chosen
    hinted = normalise_language(hint, supported)
    if hinted:
        return hinted
    if chat_language in supported:
        assert chat_language is not None
        return chat_language
    return default


async def set_language(session: AsyncSession, member: Member, language: str) -> None:
    """Remembers the member's chosen language."""
    member.language = language
    await session.flush()


async def has_role(
    session: AsyncSession, member_id: int, role: Role, branch_id: int | None
) -> bool:
    """Whether the member holds ``role`` (or admin) for a branch or any of its ancestors.

    Args:
        session: The unit of work.
        member_id: Who.
        role: The role needed.
        branch_id: The branch it is needed in; None for "in any branch".
    """
    roles = [role.value, Role.ADMIN.value]
    if branch_id is None:
        found = await session.scalar(_HOLDS_ANYWHERE, {"member": member_id, "roles": roles})
    else:
        found = await session.scalar(
            _HOLDS_HERE, {"member": member_id, "roles": roles, "branch": branch_id}
        )
    return found is not None


# Built once (statements are immutable): /help asks this for every command that needs a role.
_HOLDS_ANYWHERE = (
    select(RoleGrant.id)
    .where(
        RoleGrant.member_id == bindparam("member"),
        RoleGrant.role.in_(bindparam("roles", expanding=True)),
    )
    .limit(1)
)
# The branch and its ancestors walked in the same statement.
_HOLDS_HERE = _HOLDS_ANYWHERE.where(RoleGrant.branch_id.in_(ancestors_query().order_by(None)))


async def grant_role(
    session: AsyncSession,
    member_id: int,
    role: Role,
    branch_id: int,
    now: datetime,
    language: str | None = None,
) -> bool:
    """Gives a member a role in a branch; False (and nothing done) when they hold it."""
    exists = await session.scalar(
        select(RoleGrant.id).where(
            RoleGrant.member_id == member_id,
            RoleGrant.role == role.value,
            RoleGrant.branch_id == branch_id,
            RoleGrant.language.is_(None) if language is None else RoleGrant.language == language,
        )
    )
    if exists is None:
        session.add(
            RoleGrant(
                member_id=member_id,
                role=role.value,
                branch_id=branch_id,
                language=language,
                granted_at=now,
            )
        )
        await session.flush()
        return True
    return False
