"""The one-line form, local times at clock changes, and reminder offsets (pure)."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import UserError
from core.gatherings import reminders, times
from core.gatherings.spec import Defaults, GatheringRequest, parse_gathering, resolve
from core.i18n.catalogs import Catalogs

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
DEFAULTS = Defaults(
    zone="Europe/London",
    duration=timedelta(hours=2),
    reminders=(10080, 1440, 120),
    horizon=timedelta(days=90),
    languages=("en", "es", "fr", "de", "pt", "it", "nl", "sv", "el", "ar"),
)
EN = Catalogs(("en",)).get("en")


def said(error: pytest.ExceptionInfo[UserError]) -> str:
    return EN.render(error.value.message)


def test_the_issue_example_line() -> None:
    request = parse_gathering(
        '"Welcome event" 2026-12-06 11:00 Europe/London @ "Firebox café, London" '
        "--online https://meet.example/welcome"
    )
    assert request == GatheringRequest(
        title="Welcome event",
        date="2026-12-06",
        time="11:00",
        zone="Europe/London",
        place="Firebox café, London",
        online="https://meet.example/welcome",
    )
    plan = resolve(request, NOW, DEFAULTS)
    assert plan.start == datetime(2026, 12, 6, 11, 0, tzinfo=UTC)
    assert plan.duration == timedelta(hours=2)
    assert plan.reminders == (10080, 1440, 120)
    assert plan.rule is None and plan.capacity is None


def test_every_option() -> None:
    request = parse_gathering(
        "“Chapter meeting” 2026-12-06 18:30 @ Library, 2nd floor --end 20:00 --capacity 30 "
        "--remind 2d,3h --repeat “FREQ=MONTHLY;BYDAY=1SU” --until 2027-06-30 --childcare "
        '--accessibility "Step-free entrance" --language es --description "Agenda: …"'
    )
    assert request.place == "Library, 2nd floor"
    plan = resolve(request, NOW, DEFAULTS)
    assert plan.zone == "Europe/London"  # the branch's when none is given
    assert plan.duration == timedelta(minutes=90)
    assert plan.capacity == 30
    assert plan.reminders == (2880, 180)
    assert plan.rule == "FREQ=MONTHLY;BYDAY=1SU;UNTIL=20270630T225959Z"
    assert plan.childcare and plan.accessibility == "Step-free entrance"
    assert plan.meeting_language == "es"
    assert plan.description == "Agenda: …"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('"Past" 2026-11-01 11:00', "That time is in the past."),
        ('"X" 2026-12-06 11:00 --end 10:00', "The end is before the start."),
        ('"X" 2026-12-06 11:00 Mars/Olympus', "I don't know the time zone “Mars/Olympus”."),
        ('"X" 2026-12-06 11:00 --capacity 0', "The capacity is a number of places from 1"),
        ('"X" 2026-12-06 11:00 --capacity -3', "The capacity is a number of places from 1"),
        ('"X" 2026-02-30 11:00', "“2026-02-30” is not a date I understand"),
        ('"X" 2026-12-06 25:00', "“25:00” is not a time I understand"),
        ('"X" 2026-12-06 11:00 --online ftp://x', "is not a link I can use"),
        ('"X" 2026-12-06 11:00 --online javascript:alert(1)', "is not a link I can use"),
        ('"X" 2026-12-06 11:00 --duration 3w', "A gathering lasts at most two weeks."),
        ('"X" 2026-12-06 11:00 --duration 2h --end 13:00', "not both"),
        ('"X" 2026-12-06 11:00 --remind 40d', "between 5 minutes and 30 days"),
        ('"X" 2026-12-06 11:00 --language xx', "“xx” is not one of our languages"),
        ('"X" 2026-12-06 11:00 --repeat FREQ=MINUTELY', "at most once a day"),
        ('"X" 2026-12-06 11:00 --until 2027-01-01', "--until goes with --repeat."),
        ('"X" 2026-12-06 11:00 --bogus 1', "I don't know the setting “--bogus”."),
        ('"X 2026-12-06 11:00', "A quotation mark is not closed."),
        ('"X" 2026-12-06', "Write the title, the date and the time"),
        ('"" 2026-12-06 11:00', "The title is missing."),
        ('"' + "x" * 201 + '" 2026-12-06 11:00', "The title is too long"),
    ],
)
def test_bad_lines_are_refused_saying_why(line: str, message: str) -> None:
    with pytest.raises(UserError) as caught:
        resolve(parse_gathering(line), NOW, DEFAULTS)
    assert message in said(caught)


def test_a_time_that_does_not_exist_is_refused() -> None:
    # 28 March 2027: London's clocks jump from 01:00 to 02:00.
    with pytest.raises(UserError) as caught:
        times.exact(date(2027, 3, 28), time(1, 30), "Europe/London")
    assert said(caught) == (
        "2027-03-28 01:30 does not exist in Europe/London: the clocks go forward that night. "
        "Please choose another time."
    )


def test_a_time_that_happens_twice_needs_its_offset() -> None:
    # 25 October 2026: London's clocks go back from 02:00 to 01:00; 01:30 happens twice.
    with pytest.raises(UserError) as caught:
        times.exact(date(2026, 10, 25), time(1, 30), "Europe/London")
    assert said(caught) == (
        "2026-10-25 01:30 happens twice in Europe/London: the clocks go back that night. Say "
        "which one with its UTC offset: 01:30+01:00 for the first, 01:30+00:00 for the second."
    )
    first = times.exact(date(2026, 10, 25), time(1, 30), "Europe/London", timedelta(hours=1))
    second = times.exact(date(2026, 10, 25), time(1, 30), "Europe/London", timedelta())
    assert (first, second) == (
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
    )
    with pytest.raises(UserError, match="is not at UTC"):
        times.exact(date(2026, 10, 25), time(1, 30), "Europe/London", timedelta(hours=5))
    # Through the one-line form, the offset goes on the time.
    request = parse_gathering('"Night walk" 2026-10-25 01:30+00:00 Europe/London')
    plan = resolve(request, datetime(2026, 10, 1, tzinfo=UTC), DEFAULTS)
    assert plan.start == second


def test_reminder_kinds_and_their_grace() -> None:
    assert reminders.kind_for(10080).name == "gathering.remind.days"
    assert reminders.kind_for(1440).name == "gathering.remind.day"
    assert reminders.kind_for(120).name == "gathering.remind.soon"
    assert reminders.kind_for(120).grace < reminders.kind_for(1440).grace
    assert reminders.parse_offsets("7d, 1d,2h,2h") == (10080, 1440, 120)
    assert reminders.parse_offsets("none") == ()
    start = datetime(2026, 12, 6, 11, 0, tzinfo=UTC)
    # Announced five days ahead: the week-ahead reminder is not sent late.
    due = reminders.due_times(start, (10080, 1440, 120), start - timedelta(days=5))
    assert due == [(1440, start - timedelta(days=1)), (120, start - timedelta(hours=2))]


@given(st.text(max_size=300))
def test_any_line_is_parsed_or_refused_with_a_user_error(line: str) -> None:
    with contextlib.suppress(UserError):
        resolve(parse_gathering(line), NOW, DEFAULTS)


@given(
    st.integers(0, 23),
    st.integers(0, 59),
    st.dates(date(2026, 1, 1), date(2030, 12, 31)),
    st.sampled_from(["Europe/London", "America/Sao_Paulo", "Europe/Athens", "Asia/Kolkata"]),
)
def test_an_accepted_local_time_shows_as_written(
    hour: int, minute: int, day: date, zone: str
) -> None:
    try:
        moment = times.exact(day, time(hour, minute), zone)
    except UserError:
        return  # a gap or a doubled hour: refused on purpose
    local = times.local(moment, zone)
    assert (local.date(), local.hour, local.minute) == (day, hour, minute)
