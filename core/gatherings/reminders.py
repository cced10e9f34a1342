"""When reminders go out, and how late one may still go (pure).

Each reminder is a durable job booked for ``start - offset``. Its *kind* depends on how far
ahead it reminds, because how late it may still help does too: a week-ahead reminder is
still useful half a day late, a two-hours-ahead one is useless after twenty minutes. The
scheduler skips (and logs) a job found later than its kind's grace, e.g. after the bot was
down; a reminder is never sent once its occurrence has started.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.errors import UserError
from core.gatherings.times import parse_duration
from core.i18n.message import _

MAX_REMINDERS = 6
LONGEST = timedelta(days=30)  # the booking horizon must be longer (see the config check)
SHORTEST = timedelta(minutes=5)


@dataclass(frozen=True)
class ReminderKind:
    """One kind of reminder job.

    Attributes:
        name: The scheduler's job kind.
        shortest: Offsets from this one up (to the next kind's) are of this kind.
        grace: How late a job of this kind may run.
    """

    name: str
    shortest: timedelta
    grace: timedelta


KINDS = (
    ReminderKind("gathering.remind.days", timedelta(days=2), timedelta(hours=12)),
    ReminderKind("gathering.remind.day", timedelta(hours=6), timedelta(hours=3)),
    ReminderKind("gathering.remind.soon", timedelta(), timedelta(minutes=20)),
)


def kind_for(offset_minutes: int) -> ReminderKind:
    """The kind of a reminder ``offset_minutes`` before the start."""
    offset = timedelta(minutes=offset_minutes)
    return next(kind for kind in KINDS if offset >= kind.shortest)


def parse_offsets(text: str) -> tuple[int, ...]:
    """``7d,1d,2h`` (or ``none``) as minutes before the start, latest first.

    Raises:
        UserError: Not durations, too many, or outside 5 minutes to 30 days.
    """
    if text.strip().lower() in ("none", "no", "0", "-"):
        return ()
    offsets = [parse_duration(part) for part in text.split(",") if part.strip()]
    return check_offsets(int(o.total_seconds()) // 60 for o in offsets)


def check_offsets(minutes: Iterable[int]) -> tuple[int, ...]:
    """Offsets deduplicated, sorted latest first, and checked.

    Raises:
        UserError: Too many, or outside 5 minutes to 30 days.
    """
    unique = tuple(sorted(set(minutes), reverse=True))
    if len(unique) > MAX_REMINDERS:
        raise UserError(_("At most {count} reminders, please.", count=MAX_REMINDERS))
    for offset in unique:
        if not SHORTEST <= timedelta(minutes=offset) <= LONGEST:
            raise UserError(_("A reminder goes out between 5 minutes and 30 days before."))
    return unique


def due_times(start: datetime, offsets: Iterable[int], now: datetime) -> list[tuple[int, datetime]]:
    """The reminders of an occurrence starting at ``start`` that are still ahead.

    A reminder whose moment has already passed when it is booked (a gathering announced
    the day before has no week-ahead reminder) is not sent late: it is left out.
    """
    due = [(offset, start - timedelta(minutes=offset)) for offset in offsets]
    return [(offset, moment) for offset, moment in due if moment > now]
