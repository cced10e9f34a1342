"""Use cases of onboarding: applications, the tree a newcomer sees, who decides, decisions."""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.config.organisation import Level
from core.errors import UserError
from core.federation.models import Branch
from core.federation.service import ORIGIN_RUNTIME, ancestor_ids
from core.i18n.message import _
from core.members import audit
from core.members.models import Member, Role, RoleGrant
from core.members.service import grant_role, has_role
from core.onboarding.flow import Answers, Photo, State, Step, normalise
from core.onboarding.models import (
    OPEN_STATUSES,
    Application,
    ApplicationStatus,
    OrganiserPrompt,
    PendingJoinRequest,
)

log = logging.getLogger(__name__)

MAX_SLUG = 64
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


class ApplicationClosed(UserError):
    """An organiser acted on an application that was decided or withdrawn meanwhile."""

    def __init__(self) -> None:
        super().__init__(_("This application has already been decided or withdrawn."))


class NotTheirs(UserError):
    """Someone without the organiser role over the application's branch pressed its buttons."""

    def __init__(self) -> None:
        super().__init__(_("Only organisers of the chapter (or of a branch above it) can do that."))


class ChapterRemoved(UserError):
    """The chapter chosen was removed from the organisation before the decision."""

    def __init__(self) -> None:
        super().__init__(
            _("The chapter of this application no longer exists; it can't be approved.")
        )


# ----------------------------------------------------------------- applications


async def open_application(
    session: AsyncSession, member_id: int, *, lock: bool = False
) -> Application | None:
    """The member's open (draft or submitted) application, if any.

    Args:
        session: The unit of work.
        member_id: Whose.
        lock: Lock the row for this transaction (``FOR UPDATE`` on PostgreSQL; SQLite
            transactions take the write lock up front anyway).
    """
    query = select(Application).where(Application.open_member_id == member_id)
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def application_by_id(
    session: AsyncSession, application_id: int, *, lock: bool = False
) -> Application | None:
    """An application by id, optionally locked for this transaction."""
    query = select(Application).where(Application.id == application_id)
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def start_application(
    session: AsyncSession, member: Member, now: datetime
) -> tuple[Application, bool]:
    """The member's open application, created when there is none.

    Two first messages of the same person on two linked platforms, racing each other, end
    with one application: the loser of the insert (on the unique ``open_member_id``)
    reads the winner's.

    Returns:
        The application, and whether it was created now.
    """
    existing = await open_application(session, member.id, lock=True)
    if existing is not None:
        return existing, False
    try:
        async with session.begin_nested():
            application = Application(
                member_id=member.id,
                open_member_id=member.id,
                status=ApplicationStatus.DRAFT.value,
                step=Step.LANGUAGE.value,
                agreed=False,
                unlisted=False,
                invited=False,
                proposing=False,
                created_at=now,
                updated_at=now,
            )
            session.add(application)
            await session.flush()
        return application, True
    except IntegrityError:
        winner = await open_application(session, member.id, lock=True)
        if winner is None:
            raise
        log.info("a concurrent start of the same application", extra={"member": member.id})
        return winner, False


def state_of(application: Application) -> State:
    """The flow's view of a stored application."""
    photo = None
    if application.photo_mime and application.photo_platform:
        photo = Photo(
            application.photo_platform,
            application.photo_ref,
            application.photo_mime,
            application.photo_data,
        )
    answers = Answers(
        language=application.language,
        agreed=application.agreed,
        country=application.country,
        unlisted=application.unlisted,
        chapter_id=application.chapter_id,
        invited=application.invited,
        proposing=application.proposing,
        proposed_name=application.proposed_name,
        proposed_city=application.proposed_city,
        proposed_parent_id=application.proposed_parent_id,
        name=application.display_name,
        bio=application.bio,
        photo=photo,
        timezone=application.timezone,
        help_with=application.help_with,
        consented=application.consented_at is not None,
        announce=application.announce,
    )
    try:
        step = Step(application.step)
    except ValueError:  # a step code this version does not know
        step = Step.LANGUAGE
    return normalise(State(step, answers))


def store(application: Application, state: State, now: datetime) -> None:
    """Writes a state back into the application row (the caller's transaction commits it)."""
    a = state.answers
    application.step = state.step.value
    application.language = a.language
    application.agreed = a.agreed
    application.country = a.country
    application.unlisted = a.unlisted
    application.chapter_id = a.chapter_id
    application.invited = a.invited
    application.proposing = a.proposing
    application.proposed_name = a.proposed_name
    application.proposed_city = a.proposed_city
    application.proposed_parent_id = a.proposed_parent_id
    application.display_name = a.name
    application.bio = a.bio
    application.help_with = a.help_with
    photo = a.photo
    application.photo_platform = photo.platform if photo else None
    application.photo_ref = photo.ref if photo else None
    application.photo_mime = photo.mime if photo else None
    application.photo_data = photo.data if photo else None
    application.timezone = a.timezone
    if not a.consented:
        application.consented_at = None
    elif application.consented_at is None:
        application.consented_at = now
    application.announce = a.announce
    application.updated_at = now


def _forget_personal_answers(application: Application) -> None:
    # A closed application that did not lead to membership keeps who and where (the
    # history organisers need), not the bio, the photo or what they wanted to help with.
    application.bio = None
    application.help_with = None
    application.photo_platform = None
    application.photo_ref = None
    application.photo_data = None
    application.photo_mime = None


async def close(
    session: AsyncSession,
    application: Application,
    status: ApplicationStatus,
    now: datetime,
    decided_by: int | None = None,
) -> None:
    """Closes an application: it stops being the member's open one."""
    application.status = status.value
    application.open_member_id = None
    application.question_from_id = None
    application.updated_at = now
    if status in (ApplicationStatus.APPROVED, ApplicationStatus.DECLINED):
        application.decided_at = now
        application.decided_by_id = decided_by
    if status is not ApplicationStatus.APPROVED:
        _forget_personal_answers(application)
    await session.execute(
        delete(OrganiserPrompt).where(OrganiserPrompt.application_id == application.id)
    )
    await session.flush()


# ----------------------------------------------------------------- the tree, as a newcomer sees it


@dataclass(frozen=True)
class Tree:
    """The active branches, and each one's country (inherited from its national branch)."""

    branches: dict[int, Branch]
    countries: dict[int, str | None]

    def chapters_in(self, country: str) -> list[Branch]:
        """The active local chapters of a country, by name."""
        found = [
            b
            for b in self.branches.values()
            if b.level == Level.LOCAL.value and self.countries.get(b.id) == country
        ]
        return sorted(found, key=lambda b: b.name.casefold())

    def regions_in(self, country: str) -> list[Branch]:
        """The active regional branches of a country, by name."""
        found = [
            b
            for b in self.branches.values()
            if b.level == Level.REGIONAL.value and self.countries.get(b.id) == country
        ]
        return sorted(found, key=lambda b: b.name.casefold())

    def national(self, country: str) -> Branch | None:
        """The national branch of a country."""
        return next(
            (
                b
                for b in self.branches.values()
                if b.level == Level.NATIONAL.value and b.country == country
            ),
            None,
        )

    def root(self) -> Branch | None:
        """The international branch."""
        return next((b for b in self.branches.values() if b.parent_id is None), None)

    def country_codes(self) -> set[str]:
        """The countries that have an active branch."""
        return {code for code in self.countries.values() if code is not None}


async def tree(session: AsyncSession) -> Tree:
    """The active branches with their countries (one query; the tree is small)."""
    rows = (await session.scalars(select(Branch).where(Branch.active))).all()
    branches = {b.id: b for b in rows}
    countries: dict[int, str | None] = {}
    for branch in rows:
        current: Branch | None = branch
        seen: set[int] = set()
        while current is not None and current.country is None and current.id not in seen:
            seen.add(current.id)
            current = branches.get(current.parent_id) if current.parent_id else None
        countries[branch.id] = current.country if current else None
    return Tree(branches, countries)


# ----------------------------------------------------------------- who decides


def deciding_branch_id(application: Application) -> int | None:
    """The branch whose organisers decide: the chapter, or a proposed chapter's parent."""
    if application.proposing:
        return application.proposed_parent_id
    return application.chapter_id


async def organisers_at(session: AsyncSession, branch_id: int) -> list[int]:
    """Members holding the organiser (or admin) role in exactly this branch."""
    rows = await session.scalars(
        select(RoleGrant.member_id)
        .where(
            RoleGrant.branch_id == branch_id,
            RoleGrant.role.in_({Role.ORGANISER.value, Role.ADMIN.value}),
        )
        .distinct()
        .order_by(RoleGrant.member_id)
    )
    return list(rows.all())


async def deciders(
    session: AsyncSession, branch_id: int, *, above: bool = False
) -> tuple[int | None, list[int]]:
    """The organisers nearest to a branch: its own, else the first branch above with any.

    Everyone from the branch up may decide (the role covers the branches below), but asking
    them all would send every application to the international organisers; the nearest
    ones are asked, and the branch above only when they leave it waiting.

    Args:
        session: The unit of work.
        branch_id: Where to start.
        above: Start at the branch above the nearest one that has organisers (an
            escalation).

    Returns:
        The branch whose organisers these are (None when nobody organises anything up the
        tree), and their member ids.
    """
    found_level = False
    for candidate in await ancestor_ids(session, branch_id):
        members = await organisers_at(session, candidate)
        if not members:
            continue
        if above and not found_level:
            found_level = True
            continue
        return candidate, members
    return None, []


async def may_decide(session: AsyncSession, member_id: int, application: Application) -> bool:
    """Whether the member organises the application's branch or a branch above it."""
    branch_id = deciding_branch_id(application)
    if branch_id is None:
        return False
    return await has_role(session, member_id, Role.ORGANISER, branch_id)


# ----------------------------------------------------------------- decisions


@dataclass(frozen=True)
class JoinToAct:
    """A platform join request to approve or decline after commit."""

    platform: str
    chat_id: str
    user_id: str


@dataclass(frozen=True)
class Approval:
    """What approving an application changed.

    Attributes:
        member: The new member.
        chapter: Their chapter (created now when they proposed it).
        created: The chapter was created by this approval.
        approve_joins: Join requests to approve (chats of the chapter or a branch above).
    """

    member: Member
    chapter: Branch
    created: bool
    approve_joins: list[JoinToAct]


def slugify(name: str) -> str:
    """A branch slug from a chapter's name: ASCII letters and digits joined by hyphens."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return _NOT_SLUG.sub("-", ascii_name.lower()).strip("-")[:48].strip("-")


async def create_chapter(
    session: AsyncSession, name: str, parent: Branch, timezone: str | None, number: int
) -> Branch:
    """A new local chapter below ``parent``, created at runtime (it survives config syncs).

    Args:
        session: The unit of work.
        name: Its name, as the proposer gave it.
        parent: The region (or country, or the international branch) it belongs to.
        timezone: Its time zone (the proposer's; else the parent's).
        number: A number to make the slug unique when the name gives none (the
            application's id).
    """
    base = slugify(name) or f"chapter-{number}"
    slug, suffix = base, 2
    while await session.scalar(select(Branch.id).where(Branch.slug == slug)) is not None:
        slug = f"{base}-{suffix}"[:MAX_SLUG]
        suffix += 1
    branch = Branch(
        slug=slug,
        name=name[:120],
        level=Level.LOCAL.value,
        parent_id=parent.id,
        country=None,
        language=parent.language,
        timezone=timezone or parent.timezone,
        active=True,
        origin=ORIGIN_RUNTIME,
    )
    session.add(branch)
    await session.flush()
    return branch


async def _take_join_requests(session: AsyncSession, member_id: int) -> list[PendingJoinRequest]:
    rows = list(
        (
            await session.scalars(
                select(PendingJoinRequest)
                .where(PendingJoinRequest.member_id == member_id)
                .order_by(PendingJoinRequest.id)
            )
        ).all()
    )
    for row in rows:
        await session.delete(row)
    await session.flush()
    return rows


async def approve(
    session: AsyncSession, application: Application, decided_by: int | None, now: datetime
) -> Approval:
    """Makes the applicant an interim member of their chapter.

    The profile they gave becomes their member profile; they hold the member role in the
    chapter (and, having started it, the organiser role of a chapter they proposed). Their
    join requests to chats of the chapter or of a branch above it are to be approved.

    Raises:
        ApplicationClosed: It is not waiting for a decision.
        ChapterRemoved: The chapter was removed meanwhile.
    """
    if application.status not in OPEN_STATUSES:
        raise ApplicationClosed()
    member = await session.get(Member, application.member_id)
    assert member is not None  # the foreign key guarantees it
    created = False
    if application.proposing:
        parent_id = application.proposed_parent_id
        parent = await session.get(Branch, parent_id) if parent_id else None
        if parent is None or not parent.active:
            raise ChapterRemoved()
        chapter = await create_chapter(
            session,
            application.proposed_name or member.display_name,
            parent,
            application.timezone,
            application.id,
        )
        application.chapter_id = chapter.id
        created = True
    else:
        found = (
            await session.get(Branch, application.chapter_id) if application.chapter_id else None
        )
        if found is None or not found.active:
            raise ChapterRemoved()
        chapter = found
    if application.display_name:
        member.display_name = application.display_name
    member.chapter_id = chapter.id
    member.joined_at = now
    member.language = application.language or member.language
    member.timezone = application.timezone or member.timezone
    member.bio = application.bio
    member.help_with = application.help_with
    member.photo_platform = application.photo_platform
    member.photo_ref = application.photo_ref
    member.photo_data = application.photo_data
    member.photo_mime = application.photo_mime
    member.consented_at = application.consented_at
    # Audited like any grant: by the organiser who approved (None: auto-approval).
    for role in (Role.MEMBER, Role.ORGANISER) if created else (Role.MEMBER,):
        if await grant_role(session, member.id, role, chapter.id, now):
            await audit.record(
                session,
                action=audit.RoleAction.GRANT,
                actor_id=decided_by,
                subject_id=member.id,
                role=role,
                branch_id=chapter.id,
                language=None,
                now=now,
            )
    await close(session, application, ApplicationStatus.APPROVED, now, decided_by)
    above = set(await ancestor_ids(session, chapter.id))
    joins = [
        JoinToAct(r.platform, r.chat_id, r.user_id)
        for r in await _take_join_requests(session, member.id)
        if r.branch_id in above
    ]
    return Approval(member, chapter, created, joins)


async def decline(
    session: AsyncSession,
    application: Application,
    decided_by: int | None,
    reason: str,
    now: datetime,
) -> list[JoinToAct]:
    """Declines an application with the organiser's reason.

    Returns:
        The applicant's join requests, to decline on their platforms.

    Raises:
        ApplicationClosed: It is not waiting for a decision.
    """
    if application.status != ApplicationStatus.SUBMITTED.value:
        raise ApplicationClosed()
    application.decline_reason = reason
    await close(session, application, ApplicationStatus.DECLINED, now, decided_by)
    return [
        JoinToAct(r.platform, r.chat_id, r.user_id)
        for r in await _take_join_requests(session, application.member_id)
    ]


async def record_join_request(
    session: AsyncSession,
    member_id: int,
    platform: str,
    chat_id: str,
    user_id: str,
    branch_id: int | None,
    now: datetime,
) -> None:
    """Remembers a platform join request until the member's application is decided."""
    exists = await session.scalar(
        select(PendingJoinRequest).where(
            PendingJoinRequest.member_id == member_id,
            PendingJoinRequest.platform == platform,
            PendingJoinRequest.chat_id == chat_id[:255],
        )
    )
    if exists is not None:
        exists.requested_at = now
        return
    session.add(
        PendingJoinRequest(
            member_id=member_id,
            platform=platform,
            chat_id=chat_id[:255],
            user_id=user_id[:255],
            branch_id=branch_id,
            requested_at=now,
        )
    )
    await session.flush()


async def prompt_of(session: AsyncSession, member_id: int) -> OrganiserPrompt | None:
    """What the organiser's next private message is for, if anything."""
    return await session.get(OrganiserPrompt, member_id)


async def set_prompt(
    session: AsyncSession, member_id: int, application_id: int, kind: str, now: datetime
) -> None:
    """Remembers that the organiser's next private message is a question or a reason."""
    existing = await session.get(OrganiserPrompt, member_id)
    if existing is None:
        session.add(
            OrganiserPrompt(
                member_id=member_id, application_id=application_id, kind=kind, asked_at=now
            )
        )
    else:
        existing.application_id, existing.kind, existing.asked_at = application_id, kind, now
    await session.flush()
