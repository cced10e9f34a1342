"""Calendar files: valid RFC 5545, read back with icalendar, exceptions and changes kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from core.gatherings.ics import CalendarEntry, calendar

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON).astimezone(UTC)


def test_a_repeating_gathering_with_a_skipped_and_a_moved_date_round_trips() -> None:
    entry = CalendarEntry(
        uid="gathering-3@iops.iopsbot",
        title="Chapter meeting, Hackney; all welcome",
        description="Agenda: housing.\n🧸 Childcare is offered.",
        language="en",
        zone="Europe/London",
        start=london(2026, 12, 6, 11, 0),
        duration=timedelta(hours=2),
        location="Firebox café, London",
        url="https://meet.example/x",
        rule="FREQ=MONTHLY;BYDAY=1SU;UNTIL=20270630T225959Z",
        skipped=(london(2027, 1, 3, 11, 0),),
        moved=((london(2027, 2, 7, 11, 0), london(2027, 2, 13, 14, 0)),),
        sequence=4,
        modified=NOW,
    )
    data = calendar([entry], "London – Hackney", NOW)
    assert data.startswith(b"BEGIN:VCALENDAR\r\n")
    parsed = Calendar.from_ical(data)
    assert parsed["VERSION"] == "2.0" and parsed["METHOD"] == "PUBLISH"
    [zone] = parsed.walk("VTIMEZONE")
    assert zone["TZID"] == "Europe/London"
    main, override = parsed.walk("VEVENT")
    assert main["UID"] == override["UID"] == "gathering-3@iops.iopsbot"
    assert str(main["SUMMARY"]) == "Chapter meeting, Hackney; all welcome"
    assert main["SUMMARY"].params["LANGUAGE"] == "en"
    assert main.decoded("DTSTART") == datetime(2026, 12, 6, 11, 0, tzinfo=LONDON)
    assert main["DTSTART"].params["TZID"] == "Europe/London"
    assert main.decoded("DTEND") - main.decoded("DTSTART") == timedelta(hours=2)
    assert main["RRULE"].to_ical() == b"FREQ=MONTHLY;UNTIL=20270630T225959Z;BYDAY=1SU"
    assert [d.dt for d in main["EXDATE"].dts] == [datetime(2027, 1, 3, 11, 0, tzinfo=LONDON)]
    assert main.decoded("SEQUENCE") == 4 and main["STATUS"] == "CONFIRMED"
    assert str(main["LOCATION"]) == "Firebox café, London"
    assert "Childcare" in str(main["DESCRIPTION"])
    assert override.decoded("RECURRENCE-ID") == datetime(2027, 2, 7, 11, 0, tzinfo=LONDON)
    assert override.decoded("DTSTART") == datetime(2027, 2, 13, 14, 0, tzinfo=LONDON)
    # Written again from what was read, it is the same file: nothing was lost on the way.
    assert Calendar.from_ical(parsed.to_ical()).to_ical() == parsed.to_ical()


def test_a_cancelled_gathering_says_so() -> None:
    entry = CalendarEntry(
        uid="gathering-1@iops.iopsbot",
        title="Welcome event",
        description="",
        language="es",
        zone="America/Sao_Paulo",
        start=datetime(2026, 12, 6, 14, 0, tzinfo=UTC),
        duration=timedelta(hours=1),
        sequence=1,
        cancelled=True,
    )
    [event] = Calendar.from_ical(calendar([entry], "x", NOW)).walk("VEVENT")
    assert event["STATUS"] == "CANCELLED"
    assert event.decoded("SEQUENCE") == 1
    assert event.decoded("DTSTART") == datetime(
        2026, 12, 6, 11, 0, tzinfo=ZoneInfo("America/Sao_Paulo")
    )
    assert "RRULE" not in event
