"""Finding a member by the name people call them, within a branch and the branches below it.

Only exact names count (the member's name or the name of one of their accounts, ignoring
case and extra spaces): a role is never granted to a near match. Several people with the
same name are listed with their numbers, and ``#12`` picks one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, union
from sqlalchemy.ext.asyncio import AsyncSession

from core.decisions.service import subtree_ids
from core.errors import UserError
from core.i18n.message import _
from core.members.models import Member, PlatformAccount, RoleGrant

MAX_LISTED = 10


def fold_name(name: str) -> str:
    """A name for comparison: no case, single spaces."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class Candidate:
    """A member who could be meant, with every name they go by."""

    member: Member
    names: frozenset[str]


async def candidates(session: AsyncSession, branch_id: int) -> list[Candidate]:
    """Members of the branch or below it, and members holding a role there."""
    ids = await subtree_ids(session, branch_id)
    inside = union(
        select(Member.id).where(Member.chapter_id.in_(ids)),
        select(RoleGrant.member_id).where(RoleGrant.branch_id.in_(ids)),
    ).subquery()
    members = (
        await session.scalars(
            select(Member).where(Member.id.in_(select(inside))).order_by(Member.id)
        )
    ).all()
    names: dict[int, set[str]] = {m.id: {fold_name(m.display_name)} for m in members}
    accounts = await session.execute(
        select(PlatformAccount.member_id, PlatformAccount.display_name).where(
            PlatformAccount.member_id.in_(select(inside))
        )
    )
    for member_id, name in accounts.all():
        names.setdefault(member_id, set()).add(fold_name(name))
    return [Candidate(m, frozenset(names[m.id])) for m in members]


def describe(member: Member, chapter: str | None) -> str:
    """One line of a list of members: ``Ana López (#12, London – Hackney)``."""
    where = f", {chapter}" if chapter else ""
    return f"{member.display_name} (#{member.id}{where})"


async def find_member(
    session: AsyncSession,
    branch_id: int,
    branch: str,
    query: str,
    chapter_names: dict[int, str],
) -> Member:
    """The one member of the branch (or below) called ``query``, or ``#id``.

    Args:
        session: The unit of work.
        branch_id: Where to look (and below).
        branch: The branch's name, for messages.
        query: A name, or ``#`` and a member number.
        chapter_names: Chapter names by branch id, for telling namesakes apart.

    Raises:
        UserError: Nobody, or several people, answer to that name.
    """
    wanted = fold_name(query.strip().strip("\"“”«»'"))
    if not wanted:
        raise UserError(_("Whose role? Give the member's name."))
    found = await candidates(session, branch_id)
    if wanted.startswith("#") and wanted[1:].isdecimal():
        by_id = [c.member for c in found if c.member.id == int(wanted[1:])]
        if not by_id:
            raise UserError(
                _("Member {number} is not a member of {branch}.", number=wanted, branch=branch)
            )
        return by_id[0]
    exact = [c.member for c in found if wanted in c.names]
    if len(exact) == 1:
        return exact[0]
    if exact:
        listed = "\n".join(
            describe(m, chapter_names.get(m.chapter_id or 0)) for m in exact[:MAX_LISTED]
        )
        raise UserError(
            _(
                "Several members of {branch} are called “{name}”:\n{members}\nUse the number "
                "instead of the name, like #{id}.",
                branch=branch,
                name=query.strip()[:60],
                members=listed,
                id=str(exact[0].id),
            )
        )
    near = [c.member for c in found if any(wanted in name for name in c.names)]
    if near:
        listed = "\n".join(
            describe(m, chapter_names.get(m.chapter_id or 0)) for m in near[:MAX_LISTED]
        )
        raise UserError(
            _(
                "No member of {branch} is called exactly “{name}”. Did you mean:\n{members}",
                branch=branch,
                name=query.strip()[:60],
                members=listed,
            )
        )
    raise UserError(
        _("No member of {branch} is called “{name}”.", branch=branch, name=query.strip()[:60])
    )
