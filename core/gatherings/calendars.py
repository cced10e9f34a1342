"""Calendar files of a gathering, a branch and a member, built from the database.

A file is generated from the current rows each time it is asked for (the announcement's
button, ``/calendar``, ``iopsbot calendar BRANCH``) or rewritten after a change (the feed
files, see :mod:`.feeds`), so it always reflects the last change; SEQUENCE and STATUS tell
calendar programs what changed since they imported it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.config.organisation import OrganisationConfig
from core.db.database import Database
from core.db.migrate import current_revision, head_revision
from core.decisions.posting import branch_name
from core.federation.models import Branch
from core.federation.service import ancestor_ids, branch_by_slug
from core.gatherings import ics
from core.gatherings.models import Answer, Gathering, GatheringStatus
from core.gatherings.recurrence import Series, find_original
from core.gatherings.render import description_for_calendar
from core.gatherings.service import (
    IN_MY_CALENDAR,
    answers_of,
    gatherings_for_calendar,
    series_of,
)
from core.i18n.catalogs import Catalogs
from core.i18n.message import _
from core.i18n.translator import Translator
from core.members.models import Member


def uid_domain(organisation: OrganisationConfig) -> str:
    """The right-hand side of the UIDs: the organisation's short name, made safe."""
    name = re.sub(r"[^a-z0-9]+", "-", organisation.organisation.short_name.lower()).strip("-")
    return f"{name or 'organisation'}.iopsbot"


def answer_mark(t: Translator, answer: Answer) -> ics.Mark:
    """How a member's answer shows in their own calendar, in their language."""
    if answer is Answer.GOING:
        return ics.Mark("✅", t.render(_("Your answer: going.")))
    if answer is Answer.MAYBE:
        return ics.Mark("🤔", t.render(_("Your answer: maybe.")))
    if answer is Answer.WAITING:
        return ics.Mark("⏳", t.render(_("You are on the waiting list.")))
    return ics.Mark("❌", t.render(_("Your answer: can't come.")), free=True)


class Builder:
    """Builds calendar files from the database.

    The files one builder makes share its work: each gathering's series and entry (per
    language) are made once, and so are the serialised events and zones. Use one builder
    for a batch of files made at one moment (``now``), then drop it.

    Args:
        session: The unit of work.
        organisation: For the names and the UIDs.
        now: The files' DTSTAMP.
    """

    def __init__(
        self, session: AsyncSession, organisation: OrganisationConfig, now: datetime
    ) -> None:
        self.session = session
        self.organisation = organisation
        self.now = now
        self._series: dict[int, Series] = {}
        self._by_chapter: dict[int, list[Gathering]] = {}
        self._entries: dict[tuple[int, str], ics.CalendarEntry] = {}
        self._pieces = ics.Pieces()

    async def _series_of(self, gathering: Gathering) -> Series:
        found = self._series.get(gathering.id)
        if found is None:
            found = self._series[gathering.id] = await series_of(self.session, gathering)
        return found

    async def entry(self, gathering: Gathering, t: Translator) -> ics.CalendarEntry:
        """One gathering as a calendar entry (its notes in ``t``'s language)."""
        cached = self._entries.get((gathering.id, t.language))
        if cached is not None:
            return cached
        series = await self._series_of(gathering)
        skipped: list[datetime] = []
        moved: list[tuple[datetime, datetime]] = []
        for key, moved_to in sorted(series.changes.items()):
            original = find_original(series, key)
            if original is None:
                continue
            if moved_to is None:
                skipped.append(original)
            else:
                moved.append((original, moved_to))
        entry = ics.CalendarEntry(
            uid=f"gathering-{gathering.id}@{uid_domain(self.organisation)}",
            title=gathering.title,
            description=description_for_calendar(t, gathering),
            language=gathering.language,
            zone=gathering.timezone,
            start=gathering.starts_at,
            duration=series.duration,
            location=gathering.place,
            url=gathering.online_url,
            rule=gathering.rrule,
            skipped=tuple(skipped),
            moved=tuple(moved),
            sequence=gathering.sequence,
            cancelled=gathering.status == GatheringStatus.CANCELLED.value,
            modified=gathering.updated_at,
        )
        self._entries[(gathering.id, t.language)] = entry
        return entry

    async def _marked(
        self, gathering: Gathering, t: Translator, answers: Mapping[int, Answer]
    ) -> ics.CalendarEntry:
        """The entry with the reader's answer on each occurrence they answered."""
        entry = await self.entry(gathering, t)
        if not answers:
            return entry
        series = await self._series_of(gathering)
        marks: list[tuple[datetime, ics.Mark]] = []
        for key, answer in sorted(answers.items()):
            original = find_original(series, key)
            if original is not None and series.changes.get(key, original) is not None:
                marks.append((original, answer_mark(t, answer)))
        return replace(entry, marks=tuple(marks))

    async def file(
        self,
        gatherings: Sequence[Gathering],
        name: str,
        t: Translator,
        answers: Mapping[int, Mapping[int, Answer]] | None = None,
    ) -> bytes:
        """The ``.ics`` bytes of some gatherings, with one reader's answers if given."""
        answers = answers or {}
        entries = [await self._marked(g, t, answers.get(g.id, {})) for g in gatherings]
        return ics.calendar(entries, name, self.now, self._pieces)

    async def for_branch(self, branch: Branch, t: Translator) -> bytes:
        """A branch's calendar: its gatherings and those of the branches above it."""
        found = await gatherings_for_calendar(
            self.session, await ancestor_ids(self.session, branch.id)
        )
        name = branch_name(branch, self.organisation, t.language)
        return await self.file(found, name, t)

    async def for_member(self, member: Member, t: Translator) -> bytes:
        """A member's calendar, each occurrence they answered marked with their answer.

        It holds their chapter's gatherings and those above it, and those they said they'd
        come to (or wait for).
        """
        [found] = await self.for_members([(member, t)])
        return found

    async def for_members(self, readers: Sequence[tuple[Member, Translator]]) -> list[bytes]:
        """The calendars of several members (see :meth:`for_member`), each in their language.

        In a few queries for all of them: a change above a whole country rewrites thousands.
        """
        answers = await answers_of(self.session, [member.id for member, _t in readers])
        files = []
        for member, t in readers:
            mine = answers.get(member.id, {})
            found = {g.id: g for g in await self._chapter_gatherings(member.chapter_id)}
            coming = {
                gathering_id
                for gathering_id, by_key in mine.items()
                if any(answer.value in IN_MY_CALENDAR for answer in by_key.values())
            }
            for gathering in await self._gatherings(coming - found.keys()):
                found[gathering.id] = gathering
            name = self.organisation.organisation.display_name(t.language)
            files.append(await self.file([found[i] for i in sorted(found)], name, t, mine))
        return files

    async def _chapter_gatherings(self, chapter_id: int | None) -> list[Gathering]:
        """The gatherings of a chapter and the branches above it (cancelled ones too)."""
        if chapter_id is None:
            return []
        found = self._by_chapter.get(chapter_id)
        if found is None:
            branches = await ancestor_ids(self.session, chapter_id)
            found = await gatherings_for_calendar(self.session, branches)
            self._by_chapter[chapter_id] = found
        return found

    async def _gatherings(self, ids: set[int]) -> list[Gathering]:
        """Some gatherings by id; those already loaded come from the session's identity map."""
        if not ids:
            return []
        rows = await self.session.scalars(select(Gathering).where(Gathering.id.in_(sorted(ids))))
        return list(rows.all())


async def build(
    session: AsyncSession,
    organisation: OrganisationConfig,
    gatherings: Sequence[Gathering],
    name: str,
    t: Translator,
    now: datetime,
) -> bytes:
    """The ``.ics`` bytes of some gatherings."""
    return await Builder(session, organisation, now).file(gatherings, name, t)


async def for_branch(
    session: AsyncSession,
    organisation: OrganisationConfig,
    branch: Branch,
    t: Translator,
    now: datetime,
) -> bytes:
    """A branch's calendar: its gatherings and those of the branches above it."""
    return await Builder(session, organisation, now).for_branch(branch, t)


async def for_member(
    session: AsyncSession,
    organisation: OrganisationConfig,
    member: Member,
    t: Translator,
    now: datetime,
) -> bytes:
    """A member's calendar (see :meth:`Builder.for_member`)."""
    return await Builder(session, organisation, now).for_member(member, t)


class CalendarUnavailable(Exception):
    """The calendar cannot be made (the database is not migrated); the message says why."""


async def branch_file(
    database_url: str, organisation: OrganisationConfig, slug: str, now: datetime
) -> bytes | None:
    """The calendar file of the branch ``slug`` (for ``iopsbot calendar``); None if none.

    Notes are in the branch's language.

    Raises:
        CalendarUnavailable: The database is missing migrations.
    """
    db = Database(database_url)
    try:
        if await current_revision(db) != head_revision():
            raise CalendarUnavailable("the database is not up to date: run `iopsbot db upgrade`")
        async with db.sessions() as session:
            branch = await branch_by_slug(session, slug)
            if branch is None:
                return None
            languages = organisation.organisation.languages
            default = organisation.organisation.default_language
            catalogs = Catalogs((default, *[x for x in languages if x != default]))
            return await for_branch(
                session, organisation, branch, catalogs.get(branch.language), now
            )
    finally:
        await db.dispose()
