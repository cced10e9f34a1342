"""Repeating gatherings: RRULEs checked, and occurrences expanded lazily (pure).

A rule is kept as an RFC 5545 RRULE value. Occurrences are computed with
:mod:`dateutil.rrule` from the first start *as a wall-clock time in the gathering's zone*,
so a weekly 19:00 meeting stays at 19:00 local time across daylight-saving changes.

Every expansion is bounded by a date, never by the rule alone: a rule that never ends is
only ever expanded up to a horizon (the reminders of the next weeks are booked, and
re-booked as time passes), and a rule whose filters can never match (30 February) costs
no more than the days up to that bound. A gathering repeats at most once a day: each
occurrence is named by its local date (see :mod:`core.gatherings.models`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from core.errors import UserError
from core.gatherings.models import ONE_OFF
from core.i18n.message import _, ngettext

MAX_RULE = 300
MAX_COUNT = 1000
# When counting what a runaway rule would give, stop here: the answer is "too many" anyway.
COUNT_CAP = 10_000
SHORTCUTS = {
    "daily": "FREQ=DAILY",
    "weekly": "FREQ=WEEKLY",
    "fortnightly": "FREQ=WEEKLY;INTERVAL=2",
    "biweekly": "FREQ=WEEKLY;INTERVAL=2",
    "monthly": "FREQ=MONTHLY",
    "yearly": "FREQ=YEARLY",
}
_DAILY_OR_SLOWER = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_ALLOWED = frozenset(
    {
        "FREQ",
        "INTERVAL",
        "COUNT",
        "UNTIL",
        "BYDAY",
        "BYMONTHDAY",
        "BYMONTH",
        "BYYEARDAY",
        "BYWEEKNO",
        "BYSETPOS",
        "WKST",
    }
)
# The time of day comes from the start; these would put several occurrences in one day.
_TIME_PARTS = frozenset({"BYHOUR", "BYMINUTE", "BYSECOND"})


@dataclass(frozen=True)
class Occurrence:
    """One occurrence of a gathering.

    Attributes:
        key: ``0`` for a one-off gathering, else the rule's local date as ``YYYYMMDD``.
        start: When it starts (aware, UTC), after any move.
        end: When it ends.
        original: When the rule (or the one-off gathering) puts it, before any move: the
            iCalendar RECURRENCE-ID.
    """

    key: int
    start: datetime
    end: datetime
    original: datetime

    @property
    def moved(self) -> bool:
        """Whether this occurrence was moved away from where the rule puts it."""
        return self.start != self.original


@dataclass(frozen=True)
class Series:
    """What the occurrences of one gathering are computed from.

    Attributes:
        start: The first occurrence's start (aware).
        zone: The IANA zone the wall-clock times are kept in.
        duration: Each occurrence's length.
        rule: The RRULE value, or None for a one-off gathering.
        changes: Occurrence key → its new start, or None when it is skipped.
    """

    start: datetime
    zone: str
    duration: timedelta
    rule: str | None = None
    changes: Mapping[int, datetime | None] = field(default_factory=dict)


def key_of(day: date) -> int:
    """The occurrence key of a local date."""
    return day.year * 10000 + day.month * 100 + day.day


def date_of(key: int) -> date | None:
    """The local date an occurrence key names; None for a key that names no date."""
    try:
        return date(key // 10000, key // 100 % 100, key % 100)
    except ValueError:
        return None


def _parts(rule: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for item in rule.split(";"):
        name, sep, value = item.partition("=")
        name = name.strip().upper()
        if not sep or not name or not value.strip():
            raise _bad_rule(rule)
        if name in parts:
            raise _bad_rule(rule)
        parts[name] = value.strip().upper()
    return parts


def _bad_rule(rule: str) -> UserError:
    return UserError(
        _(
            "“{rule}” is not a repeat rule I understand. Use weekly, fortnightly, monthly, "
            "or an RRULE like FREQ=MONTHLY;BYDAY=1SU.",
            rule=rule[:60],
        )
    )


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def normalise(text: str, start: datetime, zone: str, until: date | None = None) -> str:
    """An organiser's repeat rule as a checked RRULE value (UNTIL in UTC).

    Args:
        text: ``weekly``, ``fortnightly``, ``monthly``, ``daily``, ``yearly`` or an RRULE
            (with or without the ``RRULE:`` prefix).
        start: The first occurrence's start.
        zone: The gathering's zone (an UNTIL date is the end of that local day).
        until: The last date, from ``--until``.

    Raises:
        UserError: Not a rule, more often than daily, a time-of-day part, or a COUNT that
            is not between 1 and 1000.
    """
    raw = text.strip()
    if len(raw) > MAX_RULE:
        raise _bad_rule(raw)
    raw = SHORTCUTS.get(raw.lower(), raw)
    if raw.upper().startswith("RRULE:"):
        raw = raw[6:]
    parts = _parts(raw)
    unknown = set(parts) - _ALLOWED
    if unknown & _TIME_PARTS:
        raise UserError(
            _(
                "A gathering repeats at most once a day, at its start time: leave BYHOUR, "
                "BYMINUTE and BYSECOND out of the rule."
            )
        )
    if unknown or "FREQ" not in parts:
        raise _bad_rule(raw)
    if parts["FREQ"] not in ("SECONDLY", "MINUTELY", "HOURLY", *_DAILY_OR_SLOWER):
        raise _bad_rule(raw)
    if parts["FREQ"] not in _DAILY_OR_SLOWER:
        raise UserError(
            _("A gathering repeats at most once a day: use FREQ=DAILY, WEEKLY, MONTHLY or YEARLY.")
        )
    if "COUNT" in parts:
        if not parts["COUNT"].isdecimal() or not 1 <= int(parts["COUNT"]) <= MAX_COUNT:
            raise UserError(_("COUNT should be a whole number from 1 to {most}.", most=MAX_COUNT))
        if until is not None or "UNTIL" in parts:
            raise UserError(_("Give the rule a COUNT or an end date, not both."))
    if until is not None:
        parts["UNTIL"] = _until_stamp(until, zone)
    elif "UNTIL" in parts:
        parts["UNTIL"] = _rule_until(parts["UNTIL"], zone, raw)
    normal = ";".join(f"{name}={value}" for name, value in parts.items())
    try:
        rrulestr(normal, dtstart=start.astimezone(ZoneInfo(zone)))
        satisfiable = _ever(parts, start.astimezone(ZoneInfo(zone)).replace(tzinfo=None))
    except (ValueError, TypeError, IndexError, KeyError, OverflowError):
        raise _bad_rule(raw) from None
    if not satisfiable:
        raise UserError(_("That rule never gives a date (like 30 February). Please check it."))
    return normal


def _ever(parts: Mapping[str, str], start: datetime) -> bool:
    """Whether the rule's filters ever match, answered in bounded time.

    dateutil only stops walking at a result past UNTIL or at the year 9999, so a rule
    whose filters never match (30 February) would walk for tens of seconds. The Gregorian
    calendar repeats exactly every 400 years (146,097 days: whole weeks and months), so the
    same rule started a multiple of 400 years later matches exactly as often; started in
    the last cycle before 9999, the walk is short either way.
    """
    filters = {k: v for k, v in parts.items() if k not in ("COUNT", "UNTIL")}
    cycles = (9999 - start.year) // 400
    shifted = start.replace(year=start.year + 400 * cycles)
    text = ";".join(f"{name}={value}" for name, value in filters.items())
    return next(iter(rrulestr(text, dtstart=shifted)), None) is not None


def _until_stamp(day: date, zone: str) -> str:
    end_of_day = datetime.combine(day, time(23, 59, 59), tzinfo=ZoneInfo(zone))
    return _stamp(end_of_day)


def _rule_until(value: str, zone: str, raw: str) -> str:
    """An UNTIL as written in a rule: a UTC stamp, a local date-time, or a local date."""
    try:
        if len(value) == 8:
            return _until_stamp(datetime.strptime(value, "%Y%m%d").date(), zone)
        if value.endswith("Z"):
            return _stamp(datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC))
        moment = datetime.strptime(value, "%Y%m%dT%H%M%S").replace(tzinfo=ZoneInfo(zone))
        return _stamp(moment)
    except ValueError:
        raise _bad_rule(raw) from None


def _bounded(series: Series, bound: datetime) -> Iterator[datetime]:
    """The rule's occurrences (aware, local) from the first one, never past ``bound``."""
    assert series.rule is not None
    parts = _parts(series.rule)
    count = int(parts.pop("COUNT")) if "COUNT" in parts else None
    until = bound
    if "UNTIL" in parts:
        written = datetime.strptime(parts.pop("UNTIL"), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        until = min(until, written)
    if until < series.start:
        return
    text = ";".join(f"{name}={value}" for name, value in parts.items())
    # The bound goes into the rule itself, so dateutil stops there even when the rule's
    # filters never match again.
    rule = rrulestr(
        f"{text};UNTIL={_stamp(until)}", dtstart=series.start.astimezone(ZoneInfo(series.zone))
    )
    for index, moment in enumerate(rule):
        if count is not None and index >= count:
            return
        yield moment


def check(series: Series, now: datetime, horizon: timedelta) -> None:
    """Refuses a rule that does not start on the first date, or runs away.

    Raises:
        UserError: The first date is not one the rule gives, the rule gives no date at
            all, or it gives more than one a day within the horizon.
    """
    if series.rule is None:
        return
    zone = ZoneInfo(series.zone)
    first = next(_bounded(series, series.start + timedelta(days=400)), None)
    if first is None or first != series.start.astimezone(zone):
        raise UserError(
            _(
                "The first date, {date}, is not one of the dates the rule gives. Start on "
                "a date that matches the rule.",
                date=series.start.astimezone(zone).date().isoformat(),
            )
        )
    limit = max(now, series.start) + horizon
    days: set[date] = set()
    count = 0
    for moment in _bounded(series, limit):
        count += 1
        days.add(moment.date())
        if count > COUNT_CAP:
            break
    if count > len(days):
        raise UserError(
            ngettext(
                "That rule gives {count} date in the next {days} days, several on the same "
                "day; a gathering repeats at most once a day.",
                "That rule gives {count} dates in the next {days} days, several on the same "
                "day; a gathering repeats at most once a day.",
                count,
                days=horizon.days,
            )
        )


def _one_off(series: Series) -> Occurrence:
    start = series.changes.get(ONE_OFF) or series.start
    return Occurrence(ONE_OFF, start, start + series.duration, series.start)


def occurrences(
    series: Series, after: datetime, before: datetime, limit: int | None = None
) -> list[Occurrence]:
    """The occurrences still going on at ``after`` and starting before ``before``.

    Skipped ones are left out; moved ones are where they were moved to. Sorted by start.
    """
    found: list[Occurrence] = []
    if series.rule is None:
        candidates = [_one_off(series)]
    else:
        candidates = []
        earliest = after - series.duration
        for moment in _bounded(series, before):
            if moment < earliest:
                continue
            key = key_of(moment.date())
            if key in series.changes:
                continue
            start = moment.astimezone(UTC)
            candidates.append(Occurrence(key, start, start + series.duration, start))
        for key, moved in series.changes.items():
            if moved is None:
                continue
            original = find_original(series, key)
            if original is not None:
                candidates.append(Occurrence(key, moved, moved + series.duration, original))
    for occurrence in sorted(candidates, key=lambda o: (o.start, o.key)):
        if occurrence.end > after and occurrence.start < before:
            found.append(occurrence)
            if limit is not None and len(found) >= limit:
                break
    return found


def find_original(series: Series, key: int) -> datetime | None:
    """Where the rule puts occurrence ``key`` (aware, UTC); None when it puts none there."""
    if series.rule is None:
        return series.start if key == ONE_OFF else None
    day = date_of(key)
    if day is None:
        return None
    zone = ZoneInfo(series.zone)
    end_of_day = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
    for moment in _bounded(series, end_of_day):
        if moment.date() == day:
            return moment.astimezone(UTC)
        if moment.date() > day:
            return None
    return None


def find(series: Series, key: int) -> Occurrence | None:
    """Occurrence ``key`` as it stands; None when it does not exist or is skipped."""
    original = find_original(series, key)
    if original is None:
        return None
    if key in series.changes:
        moved = series.changes[key]
        if moved is None:
            return None
        return Occurrence(key, moved, moved + series.duration, original)
    return Occurrence(key, original, original + series.duration, original)
