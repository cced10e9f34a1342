"""The console chat: announce a gathering, answer as three members, get the reminders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from icalendar import Calendar

from tests.test_console import console, run_cli


def test_a_gathering_with_three_answers_and_its_reminders(tmp_path: Path) -> None:
    # The console runs on the real clock (moved by :time): the gathering is 2 days 3 hours
    # ahead of now, so that ":time +1d3h" lands just after the day-before reminder.
    start = (datetime.now(UTC) + timedelta(days=2, hours=3)).replace(second=0, microsecond=0)
    when = start.strftime("%Y-%m-%d %H:%M")
    script = "\n".join(
        [
            ":as alice",
            ":join london-hackney organiser",
            ":as bob",
            ":join london-hackney",
            ":as carol",
            ":join london-hackney",
            ":as dave",
            ":join london-hackney",
            ":as alice",
            ":chat london-hackney",
            f'/gathering "Welcome event" {when} UTC @ "Firebox café" --capacity 2',
            ":as bob",
            ":chat london-hackney",
            ":press ✅ Going",
            ":as carol",
            ":chat london-hackney",
            ":press 1",
            ":as dave",
            ":chat london-hackney",
            ":press 1",
            ":dm",
            "/gatherings",
            ":as alice",
            "/attendees 1",
            ":time +1d3h",
            ":time +22h",
            ":quit",
        ]
    )
    out = console(tmp_path, script + "\n")
    assert "[london-hackney] bot: 📅 Welcome event\n" in out
    assert "    [1] ✅ Going  [2] 🤔 Maybe  [3] ❌ Can't  [4] 📆 Add to my calendar\n" in out
    assert "[dm:bob] bot: You are going to Welcome event" not in out  # a toast, not a DM
    assert "[dm:dave] bot: Welcome event is full: you are number 1 on the waiting list." not in out
    assert "[dm:alice] bot: Gathering #1, Welcome event — " in out
    assert "Going (2 of 2): bob, carol\n    Maybe (0): —\n    Waiting list (1): 1. dave\n" in out
    assert "[dm:dave] bot: Coming up:\n    • #1 Welcome event — " in out
    day_before = out.index("-- clock is now", out.index("> alice@dm:alice: :time +1d3h"))
    after_day = out[day_before:]
    assert "[london-hackney] bot: ⏰ Reminder: Welcome event starts in 1 day." in after_day
    assert "[dm:bob] bot: ⏰ Reminder: Welcome event starts in 1 day." in after_day
    assert "[dm:carol] bot: ⏰ Reminder: Welcome event starts in 1 day." in after_day
    assert "[dm:dave] bot: ⏰ Reminder" not in out  # waiting, not coming
    two_hours = out[out.index("> alice@dm:alice: :time +22h") :]
    assert "[london-hackney] bot: ⏰ Reminder: Welcome event starts in 2 hours." in two_hours
    assert "[dm:bob] bot: ⏰ Reminder: Welcome event starts in 2 hours." in two_hours
    assert out.count("⏰ Reminder") == 6


def test_the_calendar_of_a_branch_from_the_command_line(tmp_path: Path) -> None:
    start = (datetime.now(UTC) + timedelta(days=5)).strftime("%Y-%m-%d")
    console(
        tmp_path,
        ":join london-hackney organiser\n:chat london-hackney\n"
        f'/gathering "Chapter meeting" {start} 19:00 --repeat weekly\n'
        f"/gathering_edit 1 skip {(datetime.now(UTC) + timedelta(days=12)).date()}\n",
    )
    result = run_cli(tmp_path, "calendar", "london-hackney")
    assert result.returncode == 0, result.stderr
    [event] = Calendar.from_ical(result.stdout.encode()).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Chapter meeting"
    assert event["RRULE"].to_ical() == b"FREQ=WEEKLY"
    assert len(event["EXDATE"].dts) == 1
    assert event.decoded("SEQUENCE") == 1
    missing = run_cli(tmp_path, "calendar", "atlantis")
    assert (missing.returncode, missing.stderr.strip()) == (2, "iopsbot: no branch 'atlantis'")
    fresh = run_cli(tmp_path / "nowhere", "calendar", "london-hackney")
    assert fresh.returncode == 2
    assert fresh.stderr.strip() == (
        "iopsbot: the database is not up to date: run `iopsbot db upgrade`"
    )
