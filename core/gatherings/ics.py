"""Gatherings as an RFC 5545 calendar (``.ics``), with the icalendar library (pure).

One VEVENT per gathering, with its zone (a VTIMEZONE is included for every zone used),
its RRULE when it repeats, an EXDATE for each skipped date and an overriding VEVENT
(same UID, RECURRENCE-ID of the date the rule gives) for each moved one. SEQUENCE is the
gathering's change counter, so calendar programs replace what they imported before; a
cancelled gathering stays in the file with STATUS:CANCELLED so it disappears from them.

A member's own calendar marks the occurrences they answered (:class:`Mark`): the title
starts with the answer's sign, the description says it, and one they can't come to does
not block their time (TRANSP:TRANSPARENT). On a repeating gathering each answered
occurrence gets its own overriding VEVENT, as answers are per occurrence.

Files are assembled from serialised pieces (each gathering's events, each zone's
VTIMEZONE) that a :class:`Pieces` cache keeps: the feed files of a whole branch tree share
most of them, and serialising with icalendar is what costs (tens of milliseconds a file).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vRecur

PRODUCT = "-//iopsbot//gatherings//EN"
_END = b"END:VCALENDAR\r\n"


@dataclass(frozen=True)
class Mark:
    """How the reader of a personal calendar answered one occurrence.

    Attributes:
        sign: Put before the title (``✅``), so the answer shows in any calendar view.
        note: A line added to the description, in the reader's language.
        free: The time is not blocked (they can't come).
    """

    sign: str
    note: str
    free: bool = False


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
        marks: (where the rule put it, the reader's answer) for each answered occurrence
            (the start, for a one-off gathering).
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
    marks: tuple[tuple[datetime, Mark], ...] = ()


def _event(entry: CalendarEntry, start: datetime, now: datetime, mark: Mark | None) -> Event:
    zone = ZoneInfo(entry.zone)
    event = Event()
    event.add("uid", entry.uid)
    event.add("dtstamp", now.astimezone(UTC))
    if entry.modified is not None:
        event.add("last-modified", entry.modified.astimezone(UTC))
    event.add("dtstart", start.astimezone(zone))
    event.add("dtend", (start + entry.duration).astimezone(zone))
    title = f"{mark.sign} {entry.title}" if mark else entry.title
    event.add("summary", title, parameters={"LANGUAGE": entry.language})
    description = "\n\n".join(part for part in (mark and mark.note, entry.description) if part)
    if description:
        event.add("description", description)
    if entry.location:
        event.add("location", entry.location)
    if entry.url:
        event.add("url", entry.url)
    event.add("sequence", entry.sequence)
    event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
    if mark is not None and mark.free:
        event.add("transp", "TRANSPARENT")
    return event


def events(entry: CalendarEntry, now: datetime) -> list[Event]:
    """The VEVENTs of one entry: the main one, then one per moved or answered occurrence."""
    zone = ZoneInfo(entry.zone)
    marks = dict(entry.marks)
    if entry.rule is None:
        return [_event(entry, entry.start, now, marks.get(entry.start))]
    main = _event(entry, entry.start, now, None)
    main.add("rrule", vRecur.from_ical(entry.rule))
    if entry.skipped:
        main.add("exdate", [moment.astimezone(zone) for moment in sorted(entry.skipped)])
    found = [main]
    moved = dict(entry.moved)
    skipped = set(entry.skipped)
    for original in sorted((set(moved) | set(marks)) - skipped):
        override = _event(entry, moved.get(original, original), now, marks.get(original))
        override.add("recurrence-id", original.astimezone(zone))
        found.append(override)
    return found


def _years(entries: Sequence[CalendarEntry], now: datetime) -> tuple[date, date]:
    """The span the VTIMEZONEs cover, in whole years.

    The zones' rules for the years the calendar spans, with a margin before and a longer
    one after (repeats go on).
    """
    moments = [now, *(e.start for e in entries), *(s for e in entries for _o, s in e.moved)]
    first = min(m.date() for m in moments)
    last = max(m.date() for m in moments)
    return date(first.year - 1, 1, 1), date(last.year + 4, 1, 1)


@dataclass
class Pieces:
    """Serialised calendar pieces, reused by the files built with the same cache.

    A cache is meant for one batch of files built at one moment (``now`` is in every
    DTSTAMP): make a new one for the next batch.
    """

    _events: dict[tuple[CalendarEntry, datetime], tuple[bytes, frozenset[str]]] = field(
        default_factory=dict
    )
    _zones: dict[tuple[str, date, date], bytes] = field(default_factory=dict)
    _heads: dict[str, bytes] = field(default_factory=dict)

    def head(self, name: str) -> bytes:
        """The calendar's own properties, up to its first component."""
        found = self._heads.get(name)
        if found is None:
            cal = Calendar()
            cal.add("prodid", PRODUCT)
            cal.add("version", "2.0")
            cal.add("calscale", "GREGORIAN")
            cal.add("method", "PUBLISH")
            cal.add("x-wr-calname", name)
            whole = bytes(cal.to_ical())
            found = whole.removesuffix(_END)
            self._heads[name] = found
        return found

    def event_block(self, entry: CalendarEntry, now: datetime) -> tuple[bytes, frozenset[str]]:
        """An entry's VEVENTs as bytes, and the zones (TZIDs) they refer to."""
        key = (entry, now)
        found = self._events.get(key)
        if found is None:
            holder = Calendar()
            for event in events(entry, now):
                holder.add_component(event)
            used = frozenset(holder.get_used_tzids() - {"UTC"})
            found = (b"".join(e.to_ical() for e in holder.subcomponents), used)
            self._events[key] = found
        return found

    def zone_block(self, tzid: str, first: date, last: date) -> bytes:
        """A zone's VTIMEZONE as bytes (empty for a zone icalendar does not know)."""
        key = (tzid, first, last)
        found = self._zones.get(key)
        if found is None:
            try:
                found = bytes(Timezone.from_tzid(tzid, first_date=first, last_date=last).to_ical())
            except ValueError:
                found = b""
            self._zones[key] = found
        return found


def calendar(
    entries: Sequence[CalendarEntry], name: str, now: datetime, pieces: Pieces | None = None
) -> bytes:
    """The ``.ics`` file of ``entries``, named ``name`` (shown by calendar programs)."""
    pieces = pieces if pieces is not None else Pieces()
    blocks = [pieces.event_block(entry, now) for entry in entries]
    tzids = sorted(set().union(*(used for _b, used in blocks)))
    first, last = _years(entries, now)
    # The zones come before the events that refer to them.
    zones = [pieces.zone_block(tzid, first, last) for tzid in tzids]
    return b"".join([pieces.head(name), *zones, *(b for b, _u in blocks), _END])
