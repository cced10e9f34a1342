"""Calendar files of a gathering, a branch and a member, built from the database.

A file is generated from the current rows each time it is asked for (the announcement's
button, ``/calendar``, ``iopsbot calendar BRANCH``), so it always reflects the last change;
SEQUENCE and STATUS tell calendar programs what changed since they imported it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.config.organisation import OrganisationConfig
from core.db.database import Database
from core.db.migrate import current_revision, head_revision
from core.decisions.posting import branch_name
from core.federation.models import Branch
from core.federation.service import ancestor_ids, branch_by_slug
from core.gatherings import ics
from core.gatherings.models import Gathering, GatheringStatus
from core.gatherings.recurrence import find_original
from core.gatherings.render import description_for_calendar
from core.gatherings.service import gatherings_for_calendar, series_of
from core.i18n.catalogs import Catalogs
from core.i18n.translator import Translator
from core.members.models import Member


def uid_domain(organisation: OrganisationConfig) -> str:
    """The right-hand side of the UIDs: the organisation's short name, made safe."""
    name = re.sub(r"[^a-z0-9]+", "-", organisation.organisation.short_name.lower()).strip("-")
    return f"{name or 'organisation'}.iopsbot"


async def entry_for(
    session: AsyncSession, organisation: OrganisationConfig, gathering: Gathering, t: Translator
) -> ics.CalendarEntry:
    """One gathering as a calendar entry (its notes in ``t``'s language)."""
    series = await series_of(session, gathering)
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
    return ics.CalendarEntry(
        uid=f"gathering-{gathering.id}@{uid_domain(organisation)}",
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


async def build(
    session: AsyncSession,
    organisation: OrganisationConfig,
    gatherings: Sequence[Gathering],
    name: str,
    t: Translator,
    now: datetime,
) -> bytes:
    """The ``.ics`` bytes of some gatherings."""
    entries = [await entry_for(session, organisation, g, t) for g in gatherings]
    return ics.calendar(entries, name, now)


async def for_branch(
    session: AsyncSession,
    organisation: OrganisationConfig,
    branch: Branch,
    t: Translator,
    now: datetime,
) -> bytes:
    """A branch's calendar: its gatherings and those of the branches above it."""
    found = await gatherings_for_calendar(session, await ancestor_ids(session, branch.id))
    name = branch_name(branch, organisation, t.language)
    return await build(session, organisation, found, name, t, now)


async def for_member(
    session: AsyncSession,
    organisation: OrganisationConfig,
    member: Member,
    t: Translator,
    now: datetime,
) -> bytes:
    """A member's calendar: their chapter's (and above), and what they said they'd come to."""
    branches = await ancestor_ids(session, member.chapter_id) if member.chapter_id else []
    found = await gatherings_for_calendar(session, branches, member.id)
    name = organisation.organisation.display_name(t.language)
    return await build(session, organisation, found, name, t, now)


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
