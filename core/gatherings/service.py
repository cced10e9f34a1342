"""Gatherings' use cases on the database: create, answer, the waiting list, change, list.

Capacity is enforced under a lock of the gathering's row (``FOR UPDATE`` on PostgreSQL;
SQLite's single writer serialises anyway), so two members pressing "Going" for the last
place at once cannot both get it: the second lands on the waiting list.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidButton, UserError
from core.federation.models import Branch
from core.gatherings.models import (
    ONE_OFF,
    Answer,
    Gathering,
    GatheringStatus,
    OccurrenceChange,
    Rsvp,
)
from core.gatherings.recurrence import Occurrence, Series, find, occurrences
from core.gatherings.spec import Plan
from core.i18n.message import _
from core.members.models import Member

# How far ahead listings and the welcome note look for the next occurrences.
LOOK_AHEAD = timedelta(days=366)
ATTENDING = (Answer.GOING.value, Answer.MAYBE.value)
# The answers that put a gathering of another branch in a member's own calendar.
IN_MY_CALENDAR = (*ATTENDING, Answer.WAITING.value)


@dataclass(frozen=True)
class Counts:
    """How one occurrence's answers stand."""

    going: int = 0
    maybe: int = 0
    no: int = 0
    waiting: int = 0


@dataclass(frozen=True)
class RsvpOutcome:
    """What an answer did.

    Attributes:
        answer: What is now recorded (``waiting`` when "going" found it full).
        previous: What was recorded before, if anything.
        position: The place on the waiting list, when waiting.
        promoted: Members moved up from the waiting list because a place came free.
    """

    answer: Answer
    previous: Answer | None
    position: int | None = None
    promoted: list[int] = field(default_factory=list)


def duration_of(gathering: Gathering) -> timedelta:
    """Each occurrence's length."""
    return timedelta(minutes=gathering.duration_minutes)


async def series_of(session: AsyncSession, gathering: Gathering) -> Series:
    """What the gathering's occurrences are computed from (its rule and exceptions)."""
    rows = await session.scalars(
        select(OccurrenceChange).where(OccurrenceChange.gathering_id == gathering.id)
    )
    return Series(
        gathering.starts_at,
        gathering.timezone,
        duration_of(gathering),
        gathering.rrule,
        {row.occurrence: row.moved_to for row in rows.all()},
    )


async def create(
    session: AsyncSession,
    plan: Plan,
    branch: Branch,
    organiser: Member,
    language: str,
    now: datetime,
) -> Gathering:
    """Writes a checked gathering (see :func:`core.gatherings.spec.resolve`)."""
    gathering = Gathering(
        branch_id=branch.id,
        organiser_id=organiser.id,
        title=plan.title,
        description=plan.description,
        language=language,
        timezone=plan.zone,
        starts_at=plan.start,
        duration_minutes=int(plan.duration.total_seconds()) // 60,
        place=plan.place,
        online_url=plan.online,
        capacity=plan.capacity,
        childcare=plan.childcare,
        accessibility=plan.accessibility,
        meeting_language=plan.meeting_language,
        reminder_minutes=list(plan.reminders),
        rrule=plan.rule,
        status=GatheringStatus.SCHEDULED.value,
        sequence=0,
        created_at=now,
        updated_at=now,
    )
    session.add(gathering)
    await session.flush()
    return gathering


async def gathering_by_id(
    session: AsyncSession, raw: str, *, lock: bool = False, button: bool = False
) -> Gathering:
    """The gathering ``raw`` (``12`` or ``#12``) names.

    Args:
        session: The unit of work.
        raw: As typed, or as a button carried it.
        lock: Lock its row until the transaction ends (answers that count places).
        button: It came from a button: a malformed id is a stale or forged button.

    Raises:
        UserError: No such gathering.
    """
    text = raw.strip().lstrip("#")
    if not text.isdecimal() or len(text) > 12:
        if button:
            raise InvalidButton()
        raise UserError(_("Which gathering? Give its number, like #12."))
    gathering = await session.get(Gathering, int(text), with_for_update=lock)
    if gathering is None:
        raise UserError(_("There is no gathering #{id}.", id=text))
    return gathering


def ensure_on(gathering: Gathering) -> None:
    """Refuses anything but a look at a cancelled gathering.

    Raises:
        UserError: It was cancelled.
    """
    if gathering.status == GatheringStatus.CANCELLED.value:
        raise UserError(
            _(
                "Gathering #{id} ({title}) was cancelled.",
                id=gathering.id,
                title=gathering.title[:80],
            )
        )


async def occurrence_of(
    session: AsyncSession, gathering: Gathering, key: int, now: datetime
) -> Occurrence:
    """Occurrence ``key``, still to come or going on.

    Raises:
        UserError: It does not exist, was skipped, or is over.
    """
    found = find(await series_of(session, gathering), key)
    if found is None:
        raise UserError(_("Gathering #{id} does not take place on that date.", id=gathering.id))
    if found.end <= now:
        raise UserError(_("That gathering is over."))
    return found


async def next_occurrence(
    session: AsyncSession, gathering: Gathering, now: datetime
) -> Occurrence | None:
    """The occurrence going on now or coming next; None when there is none left."""
    found = occurrences(await series_of(session, gathering), now, now + LOOK_AHEAD, limit=1)
    return found[0] if found else None


async def counts(session: AsyncSession, gathering_id: int, key: int) -> Counts:
    """How the answers to one occurrence stand."""
    rows = await session.execute(
        select(Rsvp.answer, func.count())
        .where(Rsvp.gathering_id == gathering_id, Rsvp.occurrence == key)
        .group_by(Rsvp.answer)
    )
    by_answer = {answer: int(n) for answer, n in rows.all()}
    return Counts(
        going=by_answer.get(Answer.GOING.value, 0),
        maybe=by_answer.get(Answer.MAYBE.value, 0),
        no=by_answer.get(Answer.NO.value, 0),
        waiting=by_answer.get(Answer.WAITING.value, 0),
    )


async def answer_of(
    session: AsyncSession, gathering_id: int, key: int, member_id: int
) -> Rsvp | None:
    """A member's answer to one occurrence, if any."""
    return await session.get(Rsvp, (gathering_id, key, member_id))


async def _waiting_position(session: AsyncSession, rsvp: Rsvp) -> int:
    ahead = await session.scalar(
        select(func.count()).where(
            Rsvp.gathering_id == rsvp.gathering_id,
            Rsvp.occurrence == rsvp.occurrence,
            Rsvp.answer == Answer.WAITING.value,
            (Rsvp.answered_at < rsvp.answered_at)
            | ((Rsvp.answered_at == rsvp.answered_at) & (Rsvp.member_id < rsvp.member_id)),
        )
    )
    return int(ahead or 0) + 1


async def respond(
    session: AsyncSession,
    gathering: Gathering,
    key: int,
    member_id: int,
    wanted: Answer,
    now: datetime,
) -> RsvpOutcome:
    """Records a member's answer; "going" to a full occurrence joins the waiting list.

    Call with the gathering's row locked (:func:`gathering_by_id` with ``lock``).
    """
    rsvp = await answer_of(session, gathering.id, key, member_id)
    previous = Answer(rsvp.answer) if rsvp is not None else None
    stored = wanted
    if wanted is Answer.GOING and previous in (Answer.GOING, Answer.WAITING):
        stored = previous
    elif wanted is Answer.GOING and gathering.capacity is not None:
        going = (await counts(session, gathering.id, key)).going
        if going >= gathering.capacity:
            stored = Answer.WAITING
    if rsvp is None:
        rsvp = Rsvp(
            gathering_id=gathering.id,
            occurrence=key,
            member_id=member_id,
            answer=stored.value,
            answered_at=now,
        )
        session.add(rsvp)
    elif stored is not previous:
        rsvp.answer, rsvp.answered_at = stored.value, now
    await session.flush()
    promoted: list[int] = []
    if previous is Answer.GOING and stored is not Answer.GOING:
        promoted = await promote(session, gathering, key, now)
    position = await _waiting_position(session, rsvp) if stored is Answer.WAITING else None
    return RsvpOutcome(stored, previous, position, promoted)


async def promote(
    session: AsyncSession, gathering: Gathering, key: int, now: datetime
) -> list[int]:
    """Moves people up from the waiting list while there are places; returns who moved."""
    moved: list[int] = []
    going = (await counts(session, gathering.id, key)).going
    while gathering.capacity is None or going < gathering.capacity:
        first = await session.scalar(
            select(Rsvp)
            .where(
                Rsvp.gathering_id == gathering.id,
                Rsvp.occurrence == key,
                Rsvp.answer == Answer.WAITING.value,
            )
            .order_by(Rsvp.answered_at, Rsvp.member_id)
            .limit(1)
        )
        if first is None:
            break
        first.answer = Answer.GOING.value
        first.answered_at = now
        await session.flush()
        moved.append(first.member_id)
        going += 1
    return moved


async def attendees(
    session: AsyncSession, gathering_id: int, key: int
) -> list[tuple[Member, Answer]]:
    """Who answered one occurrence: going, maybe, the waiting list in order, can't."""
    order = case(
        (Rsvp.answer == Answer.GOING.value, 0),
        (Rsvp.answer == Answer.MAYBE.value, 1),
        (Rsvp.answer == Answer.WAITING.value, 2),
        else_=3,
    )
    rows = await session.execute(
        select(Member, Rsvp.answer)
        .join(Rsvp, Rsvp.member_id == Member.id)
        .where(Rsvp.gathering_id == gathering_id, Rsvp.occurrence == key)
        .order_by(order, Rsvp.answered_at, Member.id)
    )
    return [(member, Answer(answer)) for member, answer in rows.all()]


async def answered(
    session: AsyncSession,
    gathering_id: int,
    key: int | None = None,
    only: Sequence[str] | None = None,
) -> list[tuple[int, int]]:
    """(member id, occurrence key) of everyone who answered (one occurrence, or all)."""
    query = select(Rsvp.member_id, Rsvp.occurrence).where(Rsvp.gathering_id == gathering_id)
    if key is not None:
        query = query.where(Rsvp.occurrence == key)
    if only is not None:
        query = query.where(Rsvp.answer.in_(list(only)))
    rows = await session.execute(query.order_by(Rsvp.member_id, Rsvp.occurrence))
    return [(member_id, occurrence) for member_id, occurrence in rows.all()]


async def answered_by(session: AsyncSession, member_id: int) -> list[int]:
    """The gatherings a member said they would (or might) come to, or waits for."""
    rows = await session.scalars(
        select(Rsvp.gathering_id)
        .where(Rsvp.member_id == member_id, Rsvp.answer != Answer.NO.value)
        .distinct()
    )
    return list(rows.all())


async def upcoming(
    session: AsyncSession,
    branch_ids: Iterable[int],
    now: datetime,
    limit: int,
    gathering_ids: Iterable[int] = (),
) -> list[tuple[Gathering, Occurrence]]:
    """The next occurrences of the gatherings of some branches (and some named ones)."""
    wanted: ColumnElement[bool] = Gathering.branch_id.in_(list(branch_ids))
    extra = list(gathering_ids)
    if extra:
        wanted = wanted | Gathering.id.in_(extra)
    found = await session.scalars(
        select(Gathering)
        .where(wanted, Gathering.status == GatheringStatus.SCHEDULED.value)
        .order_by(Gathering.starts_at, Gathering.id)
    )
    listed: list[tuple[Gathering, Occurrence]] = []
    for gathering in found.all():
        series = await series_of(session, gathering)
        for occurrence in occurrences(series, now, now + LOOK_AHEAD, limit=limit):
            listed.append((gathering, occurrence))
    listed.sort(key=lambda pair: (pair[1].start, pair[0].id))
    return listed[:limit]


async def gatherings_for_calendar(
    session: AsyncSession, branch_ids: Iterable[int], member_id: int | None = None
) -> list[Gathering]:
    """Gatherings of some branches, and those a member is going to, might go to or waits for.

    Cancelled ones are included (a calendar program removes them on STATUS:CANCELLED).
    """
    wanted: ColumnElement[bool] = Gathering.branch_id.in_(list(branch_ids))
    if member_id is not None:
        mine = select(Rsvp.gathering_id).where(
            Rsvp.member_id == member_id, Rsvp.answer.in_(IN_MY_CALENDAR)
        )
        wanted = wanted | Gathering.id.in_(mine)
    rows = await session.scalars(select(Gathering).where(wanted).order_by(Gathering.id))
    return list(rows.all())


async def answers_of(
    session: AsyncSession, member_ids: Sequence[int]
) -> dict[int, dict[int, dict[int, Answer]]]:
    """Every answer of some members: member id → gathering id → occurrence key → answer."""
    rows = await session.execute(
        select(Rsvp.member_id, Rsvp.gathering_id, Rsvp.occurrence, Rsvp.answer).where(
            Rsvp.member_id.in_(list(member_ids))
        )
    )
    found: dict[int, dict[int, dict[int, Answer]]] = {}
    for member_id, gathering_id, key, answer in rows.all():
        found.setdefault(member_id, {}).setdefault(gathering_id, {})[key] = Answer(answer)
    return found


def changed(gathering: Gathering, now: datetime) -> None:
    """Marks a change people hear about: a new iCalendar SEQUENCE."""
    gathering.sequence += 1
    gathering.updated_at = now


async def set_exception(
    session: AsyncSession, gathering: Gathering, key: int, moved_to: datetime | None
) -> None:
    """Skips occurrence ``key`` (``moved_to`` None) or moves it."""
    row = await session.get(OccurrenceChange, (gathering.id, key))
    if row is None:
        session.add(OccurrenceChange(gathering_id=gathering.id, occurrence=key, moved_to=moved_to))
    else:
        row.moved_to = moved_to
    await session.flush()


def parse_occurrence_arg(raw: str) -> int:
    """A button's occurrence key.

    Raises:
        InvalidButton: Not one.
    """
    if not raw.isdecimal() or len(raw) > 8:
        raise InvalidButton()
    return int(raw) if raw != "0" else ONE_OFF
