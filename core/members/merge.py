"""Merging two members into one, when a person links their accounts on two platforms.

The member who issued the link code is kept; everything that refers to the other member
is moved over, and the other (then empty) member is deleted. Where both members hold the
same thing under a unique key (a role, a place in an electorate, a vote in the register),
the kept member's row stays and the other's goes: one person counts once.

One case cannot be repaired: if both accounts cast a *secret* ballot in the same decision,
both ballots stay, because nothing links a secret ballot to its voter — that is the point
of secrecy. The register then shows one voter; the merge logs the decision ids.
"""

from __future__ import annotations

import logging
from typing import cast

from sqlalchemy import Table, and_, delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.decisions.models import Ballot, Decision, DecisionStatus, VoteRecord
from core.members.models import Member
from core.members.references import MemberReference, member_references

log = logging.getLogger(__name__)

# Profile fields a kept member without a value takes from the merged one.
_PROFILE_FIELDS = (
    "language",
    "timezone",
    "chapter_id",
    "bio",
    "help_with",
    "consented_at",
    "joined_at",
)
_PHOTO_FIELDS = ("photo_platform", "photo_ref", "photo_data", "photo_mime")


async def merge_members(session: AsyncSession, keep: Member, other: Member) -> None:
    """Moves everything of ``other`` to ``keep`` and deletes ``other``.

    ``keep``'s profile wins field by field; the fields it lacks are filled from ``other``
    (so linking from a fresh account loses nothing). The caller must not use ``other``
    afterwards, and should refresh loaded rows that referred to it (its accounts).

    Args:
        session: The unit of work (pending changes are flushed first).
        keep: The member who stays.
        other: The member who is merged into ``keep``.
    """
    if keep.id == other.id:
        raise ValueError("a member cannot be merged into itself")
    _fill_profile(keep, other)
    await session.flush()
    await _double_secret_votes(session, keep.id, other.id)
    await _open_ballots(session, keep.id, other.id)
    for reference in member_references():
        await _move(session, reference, keep.id, other.id)
    other_id = other.id
    session.expunge(other)
    await session.execute(
        delete(Member).where(Member.id == other_id).execution_options(synchronize_session=False)
    )


def _fill_profile(keep: Member, other: Member) -> None:
    for name in _PROFILE_FIELDS:
        if getattr(keep, name) is None and getattr(other, name) is not None:
            setattr(keep, name, getattr(other, name))
    # The photo's fields belong together: take all of them or none.
    if keep.photo_ref is None and keep.photo_data is None:
        for name in _PHOTO_FIELDS:
            setattr(keep, name, getattr(other, name))


async def _double_secret_votes(session: AsyncSession, keep: int, other: int) -> None:
    """Logs decisions where both members are in the register of a secret ballot."""
    theirs = select(VoteRecord.decision_id).where(VoteRecord.member_id == other)
    both = await session.scalars(
        select(VoteRecord.decision_id)
        .join(Decision, Decision.id == VoteRecord.decision_id)
        .where(
            VoteRecord.member_id == keep,
            VoteRecord.decision_id.in_(theirs),
            Decision.secret.is_(True),
        )
    )
    decisions = sorted(both.all())
    if decisions:
        log.warning(
            "linked accounts had both cast a secret ballot",
            extra={"member": keep, "decisions": decisions},
        )


async def _open_ballots(session: AsyncSession, keep: int, other: int) -> None:
    """Resolves decisions where both members cast an open ballot.

    While the decision is open the kept member's ballot stands and the other one is
    withdrawn (one person, one vote). Once it is closed the count is history: the other
    ballot stays, counted as it was, but anonymous.
    """
    ballots = cast(Table, Ballot.__table__)
    mine = ballots.alias("mine")
    both = and_(
        ballots.c.voter_id == other,
        exists().where(mine.c.voter_id == keep, mine.c.decision_id == ballots.c.decision_id),
    )
    closed = select(Decision.id).where(Decision.status != DecisionStatus.OPEN.value)
    await session.execute(
        update(ballots).where(both, ballots.c.decision_id.in_(closed)).values(voter_id=None)
    )
    await session.execute(delete(ballots).where(both))


async def _move(session: AsyncSession, reference: MemberReference, keep: int, other: int) -> None:
    table, column = reference.table, reference.column
    # A row of ``other`` that would collide with one of ``keep`` under a unique key goes.
    for others in reference.unique_with:
        twin = table.alias("twin")
        same_key = [twin.c[c.name].is_not_distinct_from(table.c[c.name]) for c in others]
        await session.execute(
            delete(table).where(
                column == other, exists().where(twin.c[column.name] == keep, *same_key)
            )
        )
    await session.execute(update(table).where(column == other).values({column.name: keep}))
