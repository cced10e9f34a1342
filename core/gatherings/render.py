"""What people read about gatherings, in their language and time zone (pure).

Dates and times are Babel-formatted in the reader's locale: the day with the locale's
``yMMMEd`` skeleton, the times in the locale's own short time format (12- or 24-hour), the
two joined by the locale's date-time pattern. A reader in another zone than the
gathering's sees both: the time where it happens, and their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_interval, format_skeleton, format_time, format_timedelta

from core.gatherings.models import Answer, Gathering, GatheringStatus
from core.gatherings.recurrence import Occurrence
from core.gatherings.service import Counts
from core.i18n.languages import autonym
from core.i18n.message import Msg, _
from core.i18n.translator import Translator
from core.messaging.actions import Action
from core.messaging.context import ButtonSpec
from core.translation.content import Rendition, note, show_original

RSVP = "gr"  # gr:<gathering>:<occurrence>:<g|m|n>
CALENDAR = "gc"  # gc:<gathering>
DRAFT = "gd"  # gd:<step>:<choice>
ANSWER_CODES = {"g": Answer.GOING, "m": Answer.MAYBE, "n": Answer.NO}


def _hours_skeleton(translator: Translator) -> str:
    """``hm`` where the locale writes a 12-hour clock, else ``Hm``."""
    pattern = translator.locale.time_formats["short"].pattern
    return "hm" if "h" in pattern else "Hm"


def _date_time(translator: Translator, date_text: str, time_text: str) -> str:
    pattern = str(translator.locale.datetime_formats["medium"])
    return pattern.replace("{1}", date_text).replace("{0}", time_text)


def day_text(translator: Translator, moment: datetime, zone: str) -> str:
    """The local day of ``moment`` in ``zone``: ``Sun, Dec 6, 2026``."""
    return format_skeleton("yMMMEd", moment, tzinfo=ZoneInfo(zone), locale=translator.locale)


def moment_text(translator: Translator, moment: datetime, zone: str) -> str:
    """A day and time in ``zone``: ``Sun, Dec 6, 2026, 11:00 AM``."""
    tz = ZoneInfo(zone)
    clock = format_time(moment, "short", tzinfo=tz, locale=translator.locale)
    return _date_time(translator, day_text(translator, moment, zone), clock)


def span_text(translator: Translator, start: datetime, end: datetime, zone: str) -> str:
    """From start to end in ``zone``: one day with a time range, or two full moments."""
    tz = ZoneInfo(zone)
    if start.astimezone(tz).date() == end.astimezone(tz).date():
        hours = format_interval(
            start, end, _hours_skeleton(translator), tzinfo=tz, locale=translator.locale
        )
        return _date_time(translator, day_text(translator, start, zone), hours)
    return f"{moment_text(translator, start, zone)} – {moment_text(translator, end, zone)}"


def times_for(
    translator: Translator, start: datetime, end: datetime, zone: str, reader_zone: str | None
) -> str:
    """The time where the gathering happens, and the reader's own when their zone differs."""
    lines = [
        translator.render(
            _("🕒 {when} ({zone})", when=span_text(translator, start, end, zone), zone=zone)
        )
    ]
    if reader_zone and reader_zone != zone:
        lines.append(
            translator.render(
                _(
                    "    Your time: {when} ({zone})",
                    when=span_text(translator, start, end, reader_zone),
                    zone=reader_zone,
                )
            )
        )
    return "\n".join(lines)


def relative(translator: Translator, delta: timedelta) -> str:
    """``in 2 hours``, ``in 1 week``, in the reader's language.

    Rounded to five minutes first: a reminder sent a few seconds after its moment still
    says "in 1 day", not "in 24 hours".
    """
    step = timedelta(minutes=5)
    rounded = step * round(delta / step)
    return format_timedelta(rounded, add_direction=True, threshold=1.0, locale=translator.locale)


def length_text(translator: Translator, delta: timedelta) -> str:
    """``1 week``, ``2 hours``, in the reader's language."""
    return format_timedelta(delta, threshold=1.0, locale=translator.locale)


def notes(translator: Translator, gathering: Gathering) -> list[str]:
    """The place, the link and the practical notes, one line each."""
    t = translator
    lines = []
    if gathering.place:
        lines.append(t.render(_("📍 {place}", place=gathering.place)))
    if gathering.online_url:
        lines.append(t.render(_("💻 Online: {link}", link=gathering.online_url)))
    if gathering.childcare:
        lines.append(t.render(_("🧸 Childcare is offered.")))
    if gathering.accessibility:
        lines.append(t.render(_("♿ Accessibility: {note}", note=gathering.accessibility)))
    if gathering.meeting_language:
        lines.append(
            t.render(_("🗣 Held in {language}.", language=autonym(gathering.meeting_language)))
        )
    return lines


def words(
    translator: Translator, gathering: Gathering, text: Rendition | None
) -> tuple[str, str | None, str | None]:
    """Title, description and the translation's label, as the reader is shown them.

    ``text`` is the gathering's content in the reader's language: a translation is shown
    with its label ("Machine translation from English."); otherwise, or when it does not
    match the gathering's parts any more, the words as the organiser wrote them.
    """
    if text is None or not words_translated(gathering, text):
        return gathering.title, gathering.description, None
    description = text.parts[1] if gathering.description else None
    return text.parts[0], description, note(text, translator)


def counts_line(translator: Translator, counts: Counts, capacity: int | None) -> str:
    """``👥 Going: 3 of 30 · Maybe: 1 · Waiting list: 2``."""
    t = translator
    if capacity is None:
        parts = [t.render(_("👥 Going: {going}", going=counts.going))]
    else:
        parts = [
            t.render(_("👥 Going: {going} of {capacity}", going=counts.going, capacity=capacity))
        ]
    parts.append(t.render(_("Maybe: {maybe}", maybe=counts.maybe)))
    if counts.waiting:
        parts.append(t.render(_("Waiting list: {waiting}", waiting=counts.waiting)))
    return " · ".join(parts)


def gathering_text(
    translator: Translator,
    gathering: Gathering,
    occurrence: Occurrence | None,
    counts: Counts,
    branch: str,
    reader_zone: str | None = None,
    later: Sequence[Occurrence] = (),
    text: Rendition | None = None,
) -> str:
    """The announcement of a gathering (its next occurrence, for a repeating one).

    ``text`` is its title and description in the reader's language, when translated.
    """
    t = translator
    title, description, label = words(t, gathering, text)
    lines = [f"📅 {title}"]
    if gathering.status == GatheringStatus.CANCELLED.value:
        lines.append(t.render(_("❌ Cancelled.")))
    if description:
        lines += ["", description]
    if label:
        lines.append(label)
    lines.append("")
    if occurrence is None:
        lines.append(t.render(_("It has taken place.")))
    else:
        lines.append(
            times_for(t, occurrence.start, occurrence.end, gathering.timezone, reader_zone)
        )
    if gathering.rrule is not None:
        dates = ", ".join(day_text(t, o.start, gathering.timezone) for o in later)
        lines.append(
            t.render(_("🔁 Repeats. Then: {dates}", dates=dates))
            if dates
            else t.render(_("🔁 Repeats."))
        )
    lines += notes(t, gathering)
    if occurrence is not None and gathering.status != GatheringStatus.CANCELLED.value:
        lines.append(counts_line(t, counts, gathering.capacity))
    lines.append(t.render(_("Gathering #{id} of {branch}", id=gathering.id, branch=branch)))
    return "\n".join(lines)


def rsvp_buttons(
    gathering: Gathering, occurrence: Occurrence | None, text: Rendition | None = None
) -> list[list[ButtonSpec]]:
    """Going / Maybe / Can't for one occurrence, the calendar file, and "Show original".

    The last is there when ``text`` (the title and description the reader is shown) is a
    translation.
    """
    gid = str(gathering.id)
    rows: list[list[ButtonSpec]] = []
    if occurrence is not None and gathering.status != GatheringStatus.CANCELLED.value:
        key = str(occurrence.key)
        rows.append(
            [
                ButtonSpec(_("✅ Going"), Action(RSVP, (gid, key, "g"))),
                ButtonSpec(_("🤔 Maybe"), Action(RSVP, (gid, key, "m"))),
                ButtonSpec(_("❌ Can't"), Action(RSVP, (gid, key, "n"))),
            ]
        )
    rows.append([ButtonSpec(_("📆 Add to my calendar"), Action(CALENDAR, (gid,)))])
    if text is not None and words_translated(gathering, text):
        rows.append(show_original(text))
    return rows


def words_translated(gathering: Gathering, text: Rendition) -> bool:
    """Whether ``text`` is a translation the reader is shown (see :func:`words`)."""
    expected = 2 if gathering.description else 1
    return text.translated and len(text.parts) == expected


def confirmation(gathering: Gathering, answer: Answer, when: str, position: int | None) -> Msg:
    """The private note confirming a member's answer."""
    title = gathering.title[:60]
    if answer is Answer.GOING:
        return _("You are going to {title} ({when}).", title=title, when=when)
    if answer is Answer.MAYBE:
        return _("You might come to {title} ({when}).", title=title, when=when)
    if answer is Answer.NO:
        return _("You can't come to {title} ({when}). Thanks for saying.", title=title, when=when)
    return _(
        "{title} is full: you are number {position} on the waiting list. I will tell you if a "
        "place opens up.",
        title=title,
        position=position or 1,
    )


def reminder_text(
    translator: Translator,
    gathering: Gathering,
    occurrence: Occurrence,
    now: datetime,
    branch: str,
    reader_zone: str | None,
    text: Rendition | None = None,
) -> str:
    """A reminder of one occurrence, for a chat or a member (``text``: as in the announcement)."""
    t = translator
    title, _description, label = words(t, gathering, text)
    lines = [
        t.render(
            _(
                "⏰ Reminder: {title} starts {when}.",
                title=title,
                when=relative(t, occurrence.start - now),
            )
        ),
        *([label] if label else []),
        times_for(t, occurrence.start, occurrence.end, gathering.timezone, reader_zone),
        *notes(t, gathering),
        t.render(_("Gathering #{id} of {branch}", id=gathering.id, branch=branch)),
    ]
    return "\n".join(lines)


def change_text(
    translator: Translator,
    gathering: Gathering,
    what: Msg,
    occurrence: Occurrence | None,
    reader_zone: str | None,
    text: Rendition | None = None,
) -> str:
    """A change people who answered are told about: what changed, and how it stands.

    ``text``: the title in the reader's language, as in the announcement.
    """
    t = translator
    title, _description, label = words(t, gathering, text)
    lines = [
        t.render(_("📣 {title}: {what}", title=title, what=what)),
        *([label] if label else []),
    ]
    if occurrence is not None and gathering.status != GatheringStatus.CANCELLED.value:
        lines.append(
            times_for(t, occurrence.start, occurrence.end, gathering.timezone, reader_zone)
        )
        lines += notes(t, gathering)
    lines.append(t.render(_("Gathering #{id}", id=gathering.id)))
    return "\n".join(lines)


def description_for_calendar(translator: Translator, gathering: Gathering) -> str:
    """The description with the practical notes, for calendar files and native events."""
    parts = [gathering.description] if gathering.description else []
    parts += [line for line in notes(translator, gathering) if not line.startswith("📍")]
    return "\n".join(parts)
