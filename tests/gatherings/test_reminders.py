"""Reminders: the right moment in every zone, across clock changes, restarts and edits."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.members.models import Role
from core.testing import FakeClock, Scenario
from core.testing.fake_messenger import Posted
from tests.gatherings.helpers import (
    HACKNEY,
    announcements,
    pending_reminders,
    press_on,
    reminders_in,
    rsvps,
    set_zone,
)


@asynccontextmanager
async def open_at(path: Path, start: datetime) -> AsyncIterator[Scenario]:
    async with Scenario.open(path, clock=FakeClock(start)) as scenario:
        yield scenario


@pytest.fixture
async def spring(tmp_path: Path) -> AsyncIterator[Scenario]:
    """1 March 2027; London's and Athens' clocks go forward on 28 March at 01:00 UTC."""
    async with open_at(tmp_path / "bot.sqlite3", datetime(2027, 3, 1, 9, 0, tzinfo=UTC)) as sc:
        yield sc


def dms(sc: Scenario, *names: str) -> dict[str, list[Posted]]:
    return {name: sc.messenger().in_chat(f"dm:{name}") for name in names}


async def test_sao_paulo_and_athens_are_reminded_at_the_same_moment_in_their_own_time(
    spring: Scenario,
) -> None:
    sc = spring
    hall = await sc.group("hackney-tg", HACKNEY)
    olga = sc.person("olga")
    lia = sc.person("lia", language_hint="pt")
    nikos = sc.person("nikos", language_hint="el")
    await sc.enrol(olga, HACKNEY, Role.ORGANISER)
    for person in (lia, nikos):
        await sc.enrol(person, HACKNEY)
    await set_zone(sc, lia, "America/Sao_Paulo")
    await set_zone(sc, nikos, "Europe/Athens")
    # The day the clocks change: 11:00 in London is 10:00 UTC (BST), not 11:00 (GMT).
    await olga.says('/gathering "Assembly" 2027-03-28 11:00 @ "Town hall"', chat=hall)
    await lia.presses("✅ Going", chat=hall)
    assert sc.messenger().acknowledged[-1][1] == (
        "Você confirmou presença em Assembly (dom., 28 de mar. de 2027 07:00)."
    )
    await nikos.presses("🤔 Maybe", chat=hall)
    assert sc.messenger().acknowledged[-1][1] == (
        "Ίσως έρθεις στη συνάντηση Assembly (Κυρ 28 Μαρ 2027, 1:00\u202fμ.μ.)."
    )
    assert await pending_reminders(sc) == [
        ("gathering.remind.days", "2027-03-21T10:00:00+00:00"),
        ("gathering.remind.day", "2027-03-27T10:00:00+00:00"),
        ("gathering.remind.soon", "2027-03-28T08:00:00+00:00"),
    ]

    sc.clock.advance(datetime(2027, 3, 21, 9, 59, tzinfo=UTC) - sc.clock.now())
    await sc.app.scheduler.run_due()
    assert dms(sc, "lia", "nikos") == {"lia": [], "nikos": []}
    await sc.advance(minutes=1)
    [to_lia], [to_nikos] = dms(sc, "lia", "nikos").values()
    assert to_lia.text == (
        "⏰ Lembrete: Assembly começa em 1 semana.\n"
        "🕒 dom., 28 de mar. de 2027 11:00\u2009–\u200913:00 (Europe/London)\n"
        "    Seu horário: dom., 28 de mar. de 2027 07:00\u2009–\u200909:00 (America/Sao_Paulo)\n"
        "📍 Town hall\n"
        "Encontro #1 de London – Hackney"
    )
    assert to_nikos.text == (
        "⏰ Υπενθύμιση: Assembly ξεκινά σε 1 εβδομάδα.\n"
        "🕒 Κυρ 28 Μαρ 2027, 11:00\u202fπ.μ. – 1:00\u202fμ.μ. (Europe/London)\n"
        "    Στη ζώνη ώρας σου: Κυρ 28 Μαρ 2027, 1:00–3:00\u202fμ.μ. (Europe/Athens)\n"
        "📍 Town hall\n"
        "Συνάντηση #1 του τμήματος London – Hackney"
    )
    assert to_lia.labels == ["✅ Vou", "🤔 Talvez", "❌ Não posso", "📆 Adicionar à minha agenda"]
    [in_chat] = reminders_in(sc, hall)
    assert in_chat.text.startswith("⏰ Reminder: Assembly starts in 1 week.\n🕒 Sun, Mar 28, 2027")
    assert "Your time" not in in_chat.text  # the chat's zone is the gathering's

    # The bot runs on: the day before, and two hours before, measured in real time across
    # the change: 08:00 UTC, 09:00 BST.
    await sc.advance(datetime(2027, 3, 27, 10, 0, tzinfo=UTC) - sc.clock.now())
    await sc.advance(datetime(2027, 3, 28, 7, 59, tzinfo=UTC) - sc.clock.now())
    assert len(dms(sc, "lia")["lia"]) == 2  # the day-before reminder came, not this one
    await sc.advance(minutes=1)
    assert dms(sc, "lia")["lia"][-1].text.startswith("⏰ Lembrete: Assembly começa em 2 horas.")
    assert dms(sc, "nikos")["nikos"][-1].text.startswith(
        "⏰ Υπενθύμιση: Assembly ξεκινά σε 2 ώρες."
    )
    assert len(reminders_in(sc, hall)) == 3
    assert await pending_reminders(sc) == []


async def test_a_weekly_meeting_across_the_autumn_change_with_a_skip_and_a_move(
    tmp_path: Path,
) -> None:
    async with open_at(tmp_path / "bot.sqlite3", datetime(2026, 10, 10, 9, 0, tzinfo=UTC)) as sc:
        hall = await sc.group("hackney-tg", HACKNEY)
        olga, bob = sc.person("olga"), sc.person("bob")
        await sc.enrol(olga, HACKNEY, Role.ORGANISER)
        await sc.enrol(bob, HACKNEY)
        await olga.says(
            '/gathering "Chapter meeting" 2026-10-18 19:00 @ Library --repeat weekly '
            "--remind 2h --duration 1h30m",
            chat=hall,
        )
        await olga.says("/gathering_edit 1 skip 2026-10-25", chat=hall)
        await olga.says("/gathering_edit 1 move 2026-11-01 2026-11-02 19:00", chat=hall)
        # 19:00 local each time: 17:00 UTC reminders in BST, 17:00 → 19:00 GMT later.
        assert [due for _kind, due in (await pending_reminders(sc))[:3]] == [
            "2026-10-18T16:00:00+00:00",  # 18 October 19:00 BST, minus 2 hours
            "2026-11-02T17:00:00+00:00",  # 1 November moved to the 2nd, 19:00 GMT
            "2026-11-08T17:00:00+00:00",
        ]
        [post] = announcements(sc, hall)
        assert "🕒 Sun, Oct 18, 2026, 7:00\u2009–\u20098:30\u202fPM (Europe/London)" in post.text
        assert "🔁 Repeats. Then: Mon, Nov 2, 2026, Sun, Nov 8, 2026, Sun, Nov 15, 2026" in (
            post.text
        )
        await press_on(bob, post, "✅ Going", hall)  # for 18 October
        await sc.advance(datetime(2026, 10, 18, 16, 0, tzinfo=UTC) - sc.clock.now())
        assert (
            sc.messenger()
            .in_chat(bob.dm)[-1]
            .text.startswith("⏰ Reminder: Chapter meeting starts in 2 hours.")
        )
        # After the meeting, the announcement shows the next one, with its own answers.
        await sc.advance(hours=4)
        assert "🕒 Mon, Nov 2, 2026, 7:00\u2009–\u20098:30\u202fPM" in post.text
        assert "👥 Going: 0 · Maybe: 0" in post.text
        await press_on(bob, post, "🤔 Maybe", hall)
        assert await rsvps(sc) == [(20261018, "Bob", "going"), (20261101, "Bob", "maybe")]
        # Nothing on the skipped Sunday; the moved one is reminded on its new day.
        await sc.advance(datetime(2026, 11, 1, 23, 0, tzinfo=UTC) - sc.clock.now())
        assert len(reminders_in(sc, hall)) == 1
        await sc.advance(hours=18)
        assert len(reminders_in(sc, hall)) == 2
        assert (
            sc.messenger()
            .in_chat(bob.dm)[-1]
            .text.startswith("⏰ Reminder: Chapter meeting starts in 2 hours.\n🕒 Mon, Nov 2, 2026")
        )


async def test_a_change_of_time_moves_the_reminders_and_tells_those_who_answered(
    tmp_path: Path,
) -> None:
    async with open_at(tmp_path / "bot.sqlite3", datetime(2026, 11, 22, 9, 0, tzinfo=UTC)) as sc:
        hall = await sc.group("hackney-tg", HACKNEY)
        olga, bob, cat = sc.person("olga"), sc.person("bob"), sc.person("cat")
        for person in (bob, cat):
            await sc.enrol(person, HACKNEY)
        await sc.enrol(olga, HACKNEY, Role.ORGANISER)
        await olga.says('/gathering "Welcome event" 2026-12-06 11:00 --remind 1d', chat=hall)
        await bob.presses("✅ Going", chat=hall)
        await cat.presses("❌ Can't", chat=hall)
        [(native, before)] = sc.messenger().events.items()
        said = await olga.says("/gathering_edit 1 time 2026-12-13 15:00", chat=hall)
        told = {p.chat_id: p.text for p in said if p.text.startswith("📣")}
        assert (
            told[bob.dm]
            == told[cat.dm]
            == (
                "📣 Welcome event: the time has changed.\n"
                "🕒 Sun, Dec 13, 2026, 3:00\u2009–\u20095:00\u202fPM (Europe/London)\n"
                "Gathering #1"
            )
        )
        assert told[hall].startswith("📣 Welcome event: the time has changed.")
        assert said[-1].text == "Gathering #1 is changed."
        assert await pending_reminders(sc) == [
            ("gathering.remind.day", "2026-12-12T15:00:00+00:00")
        ]
        assert sc.messenger().events[native].start == datetime(2026, 12, 13, 15, tzinfo=UTC)
        assert before.start == datetime(2026, 12, 6, 11, tzinfo=UTC)
        assert await rsvps(sc) == [(0, "Bob", "going"), (0, "Cat", "no")]  # answers kept
        await sc.advance(datetime(2026, 12, 12, 15, 0, tzinfo=UTC) - sc.clock.now())
        assert [p.text.splitlines()[0] for p in reminders_in(sc, hall)] == [
            "⏰ Reminder: Welcome event starts in 1 day."
        ]


async def test_a_restart_in_the_middle_of_a_reminder_batch_loses_and_repeats_nothing(
    tmp_path: Path,
) -> None:
    async with open_at(tmp_path / "bot.sqlite3", datetime(2026, 11, 22, 9, 0, tzinfo=UTC)) as sc:
        hall = await sc.group("hackney-tg", HACKNEY)
        olga, bob = sc.person("olga"), sc.person("bob")
        await sc.enrol(olga, HACKNEY, Role.ORGANISER)
        await sc.enrol(bob, HACKNEY)
        titles = [f"Session {n}" for n in range(1, 7)]
        for title in titles:
            await olga.says(f'/gathering "{title}" 2026-12-06 11:00 --remind 2h', chat=hall)
            await bob.presses("✅ Going", chat=hall)
        await sc.advance(minutes=1)  # the announcements' counts
        await sc.advance(datetime(2026, 12, 6, 8, 59, tzinfo=UTC) - sc.clock.now())
        sc.clock.advance(minutes=1)  # six reminders fall due at once
        claimed = await sc.app.scheduler._claim()
        assert len(claimed) == 6
        for job_id in claimed[:3]:
            await sc.app.scheduler._run(job_id)
        await sc.restart()  # the other three were claimed by a worker that is gone
        assert len(reminders_in(sc, hall)) == 3
        await sc.advance(minutes=6)  # their lease runs out; the new worker takes them over
        reminded = sorted(p.text.splitlines()[0] for p in reminders_in(sc, hall))
        # Each exactly once (the late three still say "in 2 hours": 1 h 54 min, rounded).
        assert reminded == [f"⏰ Reminder: {t} starts in 2 hours." for t in titles]
        assert (
            sorted(p.text.splitlines()[0] for p in sc.messenger().in_chat(bob.dm) if "⏰" in p.text)
            == reminded
        )
        assert await pending_reminders(sc) == []


async def test_a_reminder_due_while_the_bot_was_down_too_long_is_skipped_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with open_at(tmp_path / "bot.sqlite3", datetime(2026, 11, 22, 9, 0, tzinfo=UTC)) as sc:
        hall = await sc.group("hackney-tg", HACKNEY)
        olga = sc.person("olga")
        await sc.enrol(olga, HACKNEY, Role.ORGANISER)
        await olga.says('/gathering "Welcome" 2026-12-06 11:00 --remind 7d,2h', chat=hall)
        # Down from before the week-ahead reminder until 13 hours after it: beyond its grace.
        sc.clock.advance(datetime(2026, 11, 30, 0, 0, tzinfo=UTC) - sc.clock.now())
        with caplog.at_level(logging.WARNING):
            await sc.restart()
        assert reminders_in(sc, hall) == []
        assert any(
            r.message == "job skipped: due too long ago"
            and getattr(r, "kind", "") == "gathering.remind.days"
            for r in caplog.records
        )
        # Down across the two-hours-before reminder by half an hour: also too late.
        sc.clock.advance(datetime(2026, 12, 6, 9, 30, tzinfo=UTC) - sc.clock.now())
        await sc.restart()
        assert reminders_in(sc, hall) == []
        assert await pending_reminders(sc) == []
