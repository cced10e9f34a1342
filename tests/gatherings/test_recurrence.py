"""Repeat rules: checked, expanded in local wall-clock time, bounded, with exceptions."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.errors import UserError
from core.gatherings.recurrence import (
    Series,
    check,
    date_of,
    find,
    find_original,
    key_of,
    normalise,
    occurrences,
)

LONDON = "Europe/London"
NOW = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
HORIZON = timedelta(days=90)


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(LONDON)).astimezone(UTC)


def weekly(start: datetime, **changes: datetime | None) -> Series:
    rule = normalise("weekly", start, LONDON)
    return Series(start, LONDON, timedelta(hours=2), rule, {})


def test_a_weekly_meeting_keeps_its_local_time_across_the_clock_change() -> None:
    start = london(2026, 10, 18, 19, 0)  # BST; the clocks go back on 25 October
    series = weekly(start)
    found = occurrences(series, NOW, london(2026, 11, 2, 0, 0))
    assert [o.start for o in found] == [
        datetime(2026, 10, 18, 18, 0, tzinfo=UTC),  # 19:00 BST
        datetime(2026, 10, 25, 19, 0, tzinfo=UTC),  # 19:00 GMT
        datetime(2026, 11, 1, 19, 0, tzinfo=UTC),
    ]
    assert [o.key for o in found] == [20261018, 20261025, 20261101]
    assert all(o.end - o.start == timedelta(hours=2) for o in found)


def test_first_sunday_of_the_month_with_a_skipped_and_a_moved_date() -> None:
    start = london(2026, 12, 6, 11, 0)
    rule = normalise("FREQ=MONTHLY;BYDAY=1SU", start, LONDON)
    assert rule == "FREQ=MONTHLY;BYDAY=1SU"
    moved_to = london(2027, 2, 13, 11, 0)  # a Saturday instead
    series = Series(start, LONDON, timedelta(hours=2), rule, {20270103: None, 20270207: moved_to})
    found = occurrences(series, NOW, london(2027, 4, 1, 0, 0))
    assert [(o.key, o.start) for o in found] == [
        (20261206, london(2026, 12, 6, 11, 0)),
        (20270207, moved_to),
        (20270307, london(2027, 3, 7, 11, 0)),
    ]
    moved = found[1]
    assert moved.moved and moved.original == london(2027, 2, 7, 11, 0)
    assert find(series, 20270103) is None  # skipped
    assert find_original(series, 20270103) == london(2027, 1, 3, 11, 0)
    assert find(series, 20270110) is None  # not a date of the rule
    assert find(series, 20270207) == moved


def test_until_and_count_end_a_series() -> None:
    start = london(2026, 10, 18, 19, 0)
    until = normalise("weekly", start, LONDON, until=date(2026, 11, 1))
    assert until == "FREQ=WEEKLY;UNTIL=20261101T235959Z"
    series = Series(start, LONDON, timedelta(hours=1), until)
    assert len(occurrences(series, NOW, NOW + HORIZON)) == 3
    counted = Series(
        start, LONDON, timedelta(hours=1), normalise("FREQ=WEEKLY;COUNT=2", start, LONDON)
    )
    assert len(occurrences(counted, NOW, NOW + HORIZON)) == 2
    # An UNTIL written as a local date is the end of that day in the gathering's zone.
    written = normalise("RRULE:FREQ=WEEKLY;UNTIL=20261101", start, LONDON)
    assert written == "FREQ=WEEKLY;UNTIL=20261101T235959Z"


def test_a_rule_that_never_ends_is_expanded_only_up_to_the_bound() -> None:
    series = weekly(london(2026, 10, 18, 19, 0))
    check(series, NOW, HORIZON)
    # 18 October to 30 December: eleven Sundays, and no further.
    assert len(occurrences(series, NOW, NOW + HORIZON)) == 11
    later = datetime(2036, 1, 1, tzinfo=UTC)
    assert [o.start.date() for o in occurrences(series, later, later + timedelta(days=8))] == [
        date(2036, 1, 6)
    ]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("FREQ=HOURLY", "at most once a day: use FREQ=DAILY"),
        ("FREQ=MINUTELY;COUNT=100000", "at most once a day: use FREQ=DAILY"),
        ("FREQ=DAILY;BYHOUR=9,10,11", "leave BYHOUR, BYMINUTE and BYSECOND out"),
        ("FREQ=WEEKLY;COUNT=0", "COUNT should be a whole number from 1 to 1000"),
        ("FREQ=WEEKLY;COUNT=2;UNTIL=20270101", "a COUNT or an end date, not both"),
        ("FREQ=SOMETIMES", "is not a repeat rule I understand"),
        ("every tuesday", "is not a repeat rule I understand"),
        ("FREQ=WEEKLY;BYDAY=XX", "is not a repeat rule I understand"),
        ("FREQ=WEEKLY;DTSTART=20200101", "is not a repeat rule I understand"),
        ("x" * 400, "is not a repeat rule I understand"),
    ],
)
def test_bad_rules_are_refused_clearly(rule: str, message: str) -> None:
    with pytest.raises(UserError) as caught:
        normalise(rule, london(2026, 10, 18, 19, 0), LONDON)
    assert message in caught.value.message.msgid or message in str(
        caught.value.message.msgid.format(**caught.value.message.params)
    )


def test_the_first_date_must_be_one_the_rule_gives() -> None:
    start = london(2026, 12, 7, 11, 0)  # a Monday
    rule = normalise("FREQ=MONTHLY;BYDAY=1SU", start, LONDON)
    with pytest.raises(UserError, match="is not one of the dates the rule gives"):
        check(Series(start, LONDON, timedelta(hours=1), rule), NOW, HORIZON)


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=MONTHLY;BYDAY=1MO;BYMONTHDAY=20",
        "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=9",
    ],
)
def test_a_rule_that_never_matches_is_refused_in_bounded_time(rule: str) -> None:
    began = time.perf_counter()
    with pytest.raises(UserError, match="never gives a date"):
        normalise(rule, london(2026, 10, 18, 19, 0), LONDON)
    # dateutil alone would walk to the year 9999 (about 20 s) before saying "nothing".
    assert time.perf_counter() - began < 8


def test_rare_but_real_dates_are_found() -> None:
    start = london(2044, 2, 29, 19, 0)  # a Monday: Monday 29 February comes every 28 years
    rule = normalise("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO", start, LONDON)
    series = Series(start, LONDON, timedelta(hours=1), rule)
    check(series, NOW, HORIZON)
    later = occurrences(series, start + timedelta(days=1), datetime(2080, 1, 1, tzinfo=UTC))
    assert [o.start.year for o in later] == [2072]


def test_occurrence_keys_are_local_dates() -> None:
    assert key_of(date(2026, 12, 6)) == 20261206
    assert date_of(20261206) == date(2026, 12, 6)
    assert date_of(20261332) is None
    assert date_of(0) is None
