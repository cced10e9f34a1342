"""Local dates and times as organisers write them, made exact or refused (pure).

A wall-clock time in a zone is not always one instant: when the clocks go forward an hour
does not exist, and when they go back an hour happens twice. An organiser who announces
"01:30" on such a night means one particular instant, and a bot that guesses sends half
the members an hour early. So a time that does not exist is refused (choose another), and
a time that happens twice is refused unless the organiser writes the UTC offset that says
which one (``01:30+01:00``). Both answers say exactly how to fix the line.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.errors import UserError
from core.i18n.message import _
from core.members.timezones import resolve_zone

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_TIME = re.compile(r"^(\d{1,2})[:.h](\d{2})(?:([+-])(\d{2}):?(\d{2})|(Z))?$", re.IGNORECASE)
_DURATION = re.compile(r"^(?:(\d{1,3})w)?(?:(\d{1,3})d)?(?:(\d{1,4})h)?(?:(\d{1,5})m)?$")


def parse_date(text: str) -> date:
    """A date written ``2026-12-06``.

    Raises:
        UserError: Any other shape, or no such day.
    """
    match = _DATE.match(text.strip())
    if match:
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            pass
    raise UserError(
        _("“{value}” is not a date I understand: write it like 2026-12-06.", value=text[:30])
    )


def parse_time(text: str) -> tuple[time, timedelta | None]:
    """A time of day ``11:00`` (also ``11.00``, ``11h00``), optionally with a UTC offset.

    Returns:
        The wall-clock time and the offset written after it (``+01:00``, ``Z``), if any.

    Raises:
        UserError: Not a time.
    """
    match = _TIME.match(text.strip())
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour <= 23 and minute <= 59:
            offset = None
            if match.group(6):
                offset = timedelta()
            elif match.group(3):
                sign = -1 if match.group(3) == "-" else 1
                offset = sign * timedelta(hours=int(match.group(4)), minutes=int(match.group(5)))
            return time(hour, minute), offset
    raise UserError(
        _("“{value}” is not a time I understand: write it like 18:30.", value=text[:30])
    )


def parse_duration(text: str) -> timedelta:
    """A length of time: ``2h``, ``90m``, ``1h30m``, ``7d``, ``1w``.

    Raises:
        UserError: Not a duration (or zero).
    """
    match = _DURATION.match(text.strip().lower())
    if match and any(match.groups()):
        weeks, days, hours, minutes = (int(g) if g else 0 for g in match.groups())
        delta = timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes)
        if delta > timedelta():
            return delta
    raise UserError(
        _(
            "“{value}” is not a length of time I understand: write it like 2h, 90m or 1h30m.",
            value=text[:30],
        )
    )


def zone_named(text: str) -> str:
    """The IANA zone an organiser named (any case).

    Raises:
        UserError: No such zone.
    """
    zone = resolve_zone(text)
    if zone is None:
        raise UserError(
            _(
                "I don't know the time zone “{zone}”. Use a name like Europe/London or "
                "America/Sao_Paulo.",
                zone=text[:40],
            )
        )
    return zone


def _offset_text(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def exact(day: date, wall: time, zone: str, offset: timedelta | None = None) -> datetime:
    """The one instant a local date and time in ``zone`` means, in UTC.

    Args:
        day: The local date.
        wall: The wall-clock time.
        zone: An IANA zone.
        offset: The UTC offset the organiser wrote, to say which of two equal wall times.

    Raises:
        UserError: The time does not exist that day (clocks go forward), happens twice
            and no offset says which, or the offset is not one the zone uses then.
    """
    tz = ZoneInfo(zone)
    naive = datetime.combine(day, wall)
    first, second = naive.replace(tzinfo=tz, fold=0), naive.replace(tzinfo=tz, fold=1)
    when = f"{day.isoformat()} {wall:%H:%M}"
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        raise UserError(
            _(
                "{when} does not exist in {zone}: the clocks go forward that night. "
                "Please choose another time.",
                when=when,
                zone=zone,
            )
        )
    candidates = {first.utcoffset(), second.utcoffset()}
    if offset is not None:
        if offset not in candidates:
            raise UserError(
                _(
                    "{zone} is not at UTC{offset} on {when}. Leave the offset out, or use "
                    "the one in force then.",
                    zone=zone,
                    offset=_offset_text(offset),
                    when=when,
                )
            )
        return (naive - offset).replace(tzinfo=UTC)
    if len(candidates) > 1:
        earlier, later = first.utcoffset(), second.utcoffset()
        assert earlier is not None and later is not None
        raise UserError(
            _(
                "{when} happens twice in {zone}: the clocks go back that night. Say which "
                "one with its UTC offset: {time}{first} for the first, {time}{second} for "
                "the second.",
                when=when,
                zone=zone,
                time=f"{wall:%H:%M}",
                first=_offset_text(earlier),
                second=_offset_text(later),
            )
        )
    return first.astimezone(UTC)


def local(moment: datetime, zone: str) -> datetime:
    """An aware instant as the wall clock in ``zone`` shows it (still aware)."""
    return moment.astimezone(ZoneInfo(zone))
