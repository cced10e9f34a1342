"""The audit log of roles: every grant and revoke, kept for organisers to read."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n.languages import autonym
from core.i18n.message import Msg, _, pgettext
from core.members.models import Role, RoleChange

RECENT = 20


class RoleAction(StrEnum):
    """What was done with a role."""

    GRANT = "grant"
    REVOKE = "revoke"


def role_label(role: str, language: str | None = None) -> Msg | str:
    """A role as people read it ("organiser", "translator (Español)")."""
    labels = {
        Role.MEMBER.value: pgettext("role", "member"),
        Role.ORGANISER.value: pgettext("role", "organiser"),
        Role.TRANSLATOR.value: pgettext("role", "translator"),
        Role.ADMIN.value: pgettext("role", "admin"),
    }
    label: Msg | str = labels.get(role, role)  # a role from a later version: as stored
    if language is not None:
        return _("{role} ({language})", role=label, language=autonym(language))
    return label


async def record(
    session: AsyncSession,
    *,
    action: RoleAction,
    actor_id: int | None,
    subject_id: int,
    role: Role,
    branch_id: int,
    language: str | None,
    now: datetime,
) -> None:
    """Writes one entry of the audit log (in the same transaction as the change).

    ``actor_id`` None marks a change the bot made itself (see ``RoleChange.automatic``).
    """
    session.add(
        RoleChange(
            automatic=actor_id is None,
            branch_id=branch_id,
            actor_id=actor_id,
            subject_id=subject_id,
            role=role.value,
            language=language,
            action=action.value,
            at=now,
        )
    )
    await session.flush()


async def recent(
    session: AsyncSession, branch_ids: Collection[int], limit: int = RECENT
) -> list[RoleChange]:
    """The latest entries about these branches, newest first."""
    rows = await session.scalars(
        select(RoleChange)
        .where(RoleChange.branch_id.in_(branch_ids))
        .order_by(RoleChange.at.desc(), RoleChange.id.desc())
        .limit(limit)
    )
    return list(rows.all())
