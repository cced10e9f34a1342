"""Gatherings as an RFC 5545 calendar (``.ics``), with the icalendar library (pure).

One VEVENT per gathering, with its zone (a VTIMEZONE is included for every zone used),
its RRULE when it repeats, an EXDATE for each skipped date and an overriding VEVENT
(same UID, RECURRENCE-ID of the date the rule gives) for each moved one. SEQUENCE is the
gathering's change counter, so calendar programs replace what they imported before; a
cancelled gathering stays in the file with STATUS:CANCELLED so it disappears from them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vRecur

PRODUCT = "-//iopsbot//gatherings//EN"


@dataclass(frozen=True)
class CalendarEntry:
    """One gathering as a calendar shows it.

    Attributes:
        uid: Stable across changes (calendar programs match on it).
        title: As written (content).
        description: The description with the practical notes, in the reader's language.
        language: The language the title was written in.
        zone: The gathering's IANA zone.
        start: The first occurrence's start as the rule puts it (aware).
        duration: Each occurrence's length.
        location: The place, if any.
        url: The online link, if any.
        rule: The RRULE value, if it repeats.
        skipped: Where the rule put each skipped occurrence.
        moved: (where the rule put it, where it is now) for each moved occurrence.
        sequence: The change counter.
        cancelled: The whole gathering is called off.
        modified: When it last changed.
    """

    uid: str
    title: str
    description: str
    language: str
    zone: str
    start: datetime
    duration: timedelta
    location: str | None = None
    url: str | None = None
    rule: str | None = None
    skipped: tuple[datetime, ...] = ()
    moved: tuple[tuple[datetime, datetime], ...] = ()
    sequence: int = 0
    cancelled: bool = False
    modified: datetime | None = None


def _event(entry: CalendarEntry, start: datetime, now: datetime) -> Event:
    zone = ZoneInfo(entry.zone)
    event = Event()
    event.add("uid", entry.uid)
    event.add("dtstamp", now.astimezone(UTC))
    if entry.modified is not None:
        event.add("last-modified", entry.modified.astimezone(UTC))
    event.add("dtstart", start.astimezone(zone))
    event.add("dtend", (start + entry.duration).astimezone(zone))
    event.add("summary", entry.title, parameters={"LANGUAGE": entry.language})
    if entry.description:
        event.add("description", entry.description)
    if entry.location:
        event.add("location", entry.location)
    if entry.url:
        event.add("url", entry.url)
    event.add("sequence", entry.sequence)
    event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
    return event


def calendar(entries: Sequence[CalendarEntry], name: str, now: datetime) -> bytes:
    """The ``.ics`` file of ``entries``, named ``name`` (shown by calendar programs)."""
    cal = Calendar()
    cal.add("prodid", PRODUCT)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    first: date = now.date()
    last: date = now.date()
    for entry in entries:
        zone = ZoneInfo(entry.zone)
        main = _event(entry, entry.start, now)
        if entry.rule is not None:
            main.add("rrule", vRecur.from_ical(entry.rule))
            if entry.skipped:
                main.add("exdate", [moment.astimezone(zone) for moment in sorted(entry.skipped)])
        cal.add_component(main)
        for original, start in entry.moved:
            override = _event(entry, start, now)
            override.add("recurrence-id", original.astimezone(zone))
            cal.add_component(override)
        moments = [entry.start, *(s for _o, s in entry.moved)]
        first = min(first, *(m.date() for m in moments))
        last = max(last, *(m.date() for m in moments))
    # The zones' rules for the years the calendar spans (and a margin for repeats).
    cal.add_missing_timezones(first - timedelta(days=366), last + timedelta(days=3 * 366))
    return bytes(cal.to_ical())
