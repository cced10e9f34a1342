"""Reading a gathering from one line, and checking it before anything is written (pure).

``/gathering "Welcome event" 2026-12-06 11:00 Europe/London @ "Firebox café, London"
--online https://meet.example/x --duration 2h --capacity 30 --remind 7d,1d,2h
--repeat "FREQ=MONTHLY;BYDAY=1SU" --until 2027-06-30 --childcare
--accessibility "Step-free entrance" --language es --description "…" --branch SLUG``

The zone is optional (the branch's by default). Straight or typographic quotes. The guided
conversation fills the same :class:`GatheringRequest`, so both ways are checked alike by
:func:`resolve`.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from core.errors import UserError
from core.gatherings import recurrence, reminders, times
from core.i18n.message import Msg, _

MAX_LINE = 4000
MAX_TITLE = 200
MAX_DESCRIPTION = 2000
MAX_PLACE = 300
MAX_URL = 500
MAX_NOTE = 300
MAX_CAPACITY = 100_000
LONGEST_GATHERING = timedelta(days=14)
_WITH_VALUE = frozenset(
    {
        "online",
        "end",
        "duration",
        "capacity",
        "remind",
        "repeat",
        "until",
        "description",
        "accessibility",
        "language",
        "branch",
    }
)
_SWITCHES = frozenset({"childcare"})


@dataclass(frozen=True)
class GatheringRequest:
    """A gathering as written (strings still to be checked by :func:`resolve`)."""

    title: str
    date: str
    time: str
    zone: str | None = None
    place: str | None = None
    online: str | None = None
    end: str | None = None
    duration: str | None = None
    capacity: str | None = None
    remind: str | None = None
    repeat: str | None = None
    until: str | None = None
    description: str | None = None
    childcare: bool = False
    accessibility: str | None = None
    language: str | None = None
    branch: str | None = None


@dataclass(frozen=True)
class Defaults:
    """What a gathering gets when the organiser does not say.

    Attributes:
        zone: The branch's zone.
        duration: The length of a gathering.
        reminders: Minutes before the start, latest first.
        horizon: How far ahead repeating gatherings are expanded.
        languages: The organisation's languages (for the meeting language).
    """

    zone: str
    duration: timedelta
    reminders: tuple[int, ...]
    horizon: timedelta
    languages: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    """A gathering checked and ready to be created."""

    title: str
    description: str | None
    zone: str
    start: datetime
    duration: timedelta
    place: str | None
    online: str | None
    capacity: int | None
    reminders: tuple[int, ...]
    rule: str | None
    childcare: bool
    accessibility: str | None
    meeting_language: str | None


def words(text: str) -> list[str]:
    """Splits a line into words, honouring straight and typographic quotes.

    Raises:
        UserError: A quotation mark is not closed.
    """
    normal = text
    for quote in "“”„«»":
        normal = normal.replace(quote, '"')
    try:
        return shlex.split(normal)
    except ValueError:
        raise UserError(_("A quotation mark is not closed.")) from None


def parse_gathering(text: str) -> GatheringRequest:
    """Parses the arguments of ``/gathering``.

    Raises:
        UserError: Saying what is wrong with the line.
    """
    if len(text) > MAX_LINE:
        raise UserError(_("That is too long for one gathering."))
    found = words(text)
    values: dict[str, str | bool] = {}
    positional: list[str] = []
    place: list[str] | None = None
    i = 0
    while i < len(found):
        word = found[i]
        if word.startswith("--"):
            name = word[2:].lower()
            if name in _SWITCHES:
                values[name] = True
                i += 1
                continue
            if name not in _WITH_VALUE:
                raise UserError(_("I don't know the setting “{flag}”.", flag=word[:30]))
            if i + 1 >= len(found):
                raise UserError(_("The setting “{flag}” needs a value.", flag=word[:30]))
            values[name] = found[i + 1]
            i += 2
            continue
        if word == "@" and place is None:
            place = []
        elif word.startswith("@") and place is None:
            place = [word[1:]]
        elif place is not None:
            place.append(word)
        else:
            positional.append(word)
        i += 1
    if len(positional) < 3 or len(positional) > 4:
        raise UserError(
            _(
                'Write the title, the date and the time, like: /gathering "Welcome event" '
                "2026-12-06 11:00 Europe/London @ “Firebox café”. Send /gathering alone to be "
                "guided."
            )
        )
    title, day, hour = positional[:3]
    zone = positional[3] if len(positional) == 4 else None
    strings = {k: v for k, v in values.items() if isinstance(v, str)}
    return GatheringRequest(
        title=title,
        date=day,
        time=hour,
        zone=zone,
        place=" ".join(place) if place else None,
        childcare=bool(values.get("childcare", False)),
        **strings,
    )


def _text(value: str | None, longest: int, too_long: Msg) -> str | None:
    if value is None or not value.strip():
        return None
    value = value.strip()
    if len(value) > longest:
        raise UserError(too_long)
    return value


def check_url(text: str) -> str:
    """An online meeting link: an ``http(s)`` address without spaces.

    Raises:
        UserError: Anything else.
    """
    value = text.strip()
    parts = urlsplit(value)
    if (
        len(value) > MAX_URL
        or parts.scheme.lower() not in ("http", "https")
        or not parts.netloc
        or any(c.isspace() for c in value)
    ):
        raise UserError(
            _(
                "“{value}” is not a link I can use: give the whole address, starting with "
                "https://.",
                value=value[:60],
            )
        )
    return value


def check_note(text: str) -> str:
    """An accessibility note, as written.

    Raises:
        UserError: Longer than :data:`MAX_NOTE`.
    """
    value = text.strip()
    if len(value) > MAX_NOTE:
        raise UserError(
            _("The accessibility note is too long: at most {count} characters.", count=MAX_NOTE)
        )
    return value


def check_language(text: str, languages: tuple[str, ...]) -> str:
    """The language a meeting is held in: one of the organisation's, as a code.

    Raises:
        UserError: Not one of them.
    """
    language = text.strip().lower()
    if language not in languages:
        raise UserError(
            _(
                "“{code}” is not one of our languages. Use one of: {codes}.",
                code=language[:10],
                codes=", ".join(languages),
            )
        )
    return language


def check_capacity(text: str) -> int | None:
    """A capacity: a whole number of places from 1, or ``none`` for no limit.

    Raises:
        UserError: Zero, negative or not a number.
    """
    value = text.strip().lower()
    if value in ("none", "no", "-", "unlimited"):
        return None
    if not value.isdecimal() or not 1 <= int(value) <= MAX_CAPACITY:
        raise UserError(
            _(
                "The capacity is a number of places from 1 to {most} (or “none” for no limit).",
                most=MAX_CAPACITY,
            )
        )
    return int(value)


def length(
    end: str | None, duration: str | None, start: datetime, zone: str, default: timedelta
) -> timedelta:
    """How long a gathering starting at ``start`` lasts, from an end time or a duration.

    Args:
        end: ``20:30`` (the start's local day) or ``2026-12-07T01:00``, in ``zone``.
        duration: ``2h``, ``90m``…
        start: The start.
        zone: The gathering's zone.
        default: When neither is given.

    Raises:
        UserError: Both given, the end is not after the start, or longer than two weeks.
    """
    if end is not None and duration is not None:
        raise UserError(_("Give an end time or a duration, not both."))
    if duration is not None:
        span = times.parse_duration(duration)
    elif end is not None:
        raw = end.strip()
        if "T" in raw.upper() or " " in raw:
            day_text, _sep, time_text = raw.upper().replace(" ", "T").partition("T")
            day = times.parse_date(day_text)
        else:
            time_text = raw
            day = times.local(start, zone).date()
        wall, offset = times.parse_time(time_text)
        span = times.exact(day, wall, zone, offset) - start
        if span <= timedelta():
            raise UserError(_("The end is before the start."))
    else:
        span = default
    if span > LONGEST_GATHERING:
        raise UserError(_("A gathering lasts at most two weeks."))
    return span


def resolve(request: GatheringRequest, now: datetime, defaults: Defaults) -> Plan:
    """Checks a request completely: nothing is created from a request that fails here.

    Raises:
        UserError: The first problem found, said so that the organiser can fix it.
    """
    title = _text(
        request.title,
        MAX_TITLE,
        _("The title is too long: at most {count} characters.", count=MAX_TITLE),
    )
    if title is None:
        raise UserError(_("The title is missing."))
    zone = times.zone_named(request.zone) if request.zone else defaults.zone
    day = times.parse_date(request.date)
    wall, offset = times.parse_time(request.time)
    start = times.exact(day, wall, zone, offset)
    if start <= now:
        raise UserError(_("That time is in the past. Please give a time that is still ahead."))
    duration = length(request.end, request.duration, start, zone, defaults.duration)
    online = check_url(request.online) if request.online else None
    capacity = check_capacity(request.capacity) if request.capacity is not None else None
    offsets = (
        reminders.parse_offsets(request.remind)
        if request.remind is not None
        else defaults.reminders
    )
    language = check_language(request.language, defaults.languages) if request.language else None
    rule = None
    if request.repeat:
        until = times.parse_date(request.until) if request.until else None
        rule = recurrence.normalise(request.repeat, start, zone, until)
        series = recurrence.Series(start, zone, duration, rule)
        recurrence.check(series, now, defaults.horizon)
        if duration > timedelta(days=1):
            raise UserError(_("A repeating gathering lasts at most a day."))
    elif request.until:
        raise UserError(_("--until goes with --repeat."))
    return Plan(
        title=title,
        description=_text(
            request.description,
            MAX_DESCRIPTION,
            _("The description is too long: at most {count} characters.", count=MAX_DESCRIPTION),
        ),
        zone=zone,
        start=start,
        duration=duration,
        place=_text(
            request.place,
            MAX_PLACE,
            _("The place is too long: at most {count} characters.", count=MAX_PLACE),
        ),
        online=online,
        capacity=capacity,
        reminders=offsets,
        rule=rule,
        childcare=request.childcare,
        accessibility=check_note(request.accessibility or "") or None,
        meeting_language=language,
    )
