"""Two bot processes on PostgreSQL send each reminder once; newcomers hear what's coming."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

import pytest

from core.app import CoreApp
from core.db.database import Database
from core.members.models import Role
from core.testing import FakeClock, FakeMessenger, Scenario
from tests.gatherings.helpers import HACKNEY, reminders_in, set_zone
from tests.onboarding.helpers import apply, last_dm


@pytest.mark.postgres
async def test_two_workers_on_postgres_send_each_reminder_once(postgres_url: str) -> None:
    clock = FakeClock(datetime(2026, 11, 22, 9, 0, tzinfo=UTC))
    async with Scenario.open(postgres_url, clock=clock) as sc:
        hall = await sc.group("hackney-tg", HACKNEY)
        olga = sc.person("olga")
        await sc.enrol(olga, HACKNEY, Role.ORGANISER)
        people = [sc.person(f"m{n}") for n in range(4)]
        for person in people:
            await sc.enrol(person, HACKNEY)
        titles = [f"Meeting {n}" for n in range(20)]
        for title in titles:
            await olga.says(f'/gathering "{title}" 2026-12-06 11:00 --remind 1d,2h', chat=hall)
            for person in people:
                await person.presses("✅ Going", chat=hall)
        await sc.advance(minutes=1)
        # A second process: its own app, worker name and platform connection, same database.
        other_fake = FakeMessenger("fake")
        other = await CoreApp.open(sc.config, Database(postgres_url), clock, worker_id="w2")
        other.attach(other_fake)
        try:
            for app in (sc.app, other):
                app.scheduler.batch = 3  # small claims, so that the two interleave
            before = len(sc.messenger().posted)
            clock.advance(datetime(2026, 12, 5, 11, 0, tzinfo=UTC) - clock.now())
            done = await asyncio.gather(sc.app.scheduler.run_due(), other.scheduler.run_due())
            sent = sc.messenger().posted[before:] + other_fake.posted
            assert all(n > 0 for n in done), done  # both really worked
            in_chat = Counter(p.text.splitlines()[0] for p in sent if p.chat_id == hall)
            assert in_chat == Counter(
                {f"⏰ Reminder: {title} starts in 1 day.": 1 for title in titles}
            )
            for person in people:
                got = Counter(p.text.splitlines()[0] for p in sent if p.chat_id == person.dm)
                assert got == in_chat  # each member: each reminder, once
        finally:
            await other.close()


async def test_the_welcome_dm_lists_the_chapters_next_gatherings(sqlite_scenario: Scenario) -> None:
    sc = sqlite_scenario
    hall = await sc.group("hackney-tg", HACKNEY)
    olga = sc.person("olga")
    await sc.enrol(olga, HACKNEY, Role.ORGANISER)
    await set_zone(sc, olga, "Europe/London")
    await olga.says('/gathering "Welcome evening" 2026-12-06 18:00 @ Café', chat=hall)
    await olga.says('/gathering "Reading group" 2026-12-02 19:30', chat=hall)
    root = sc.person("root")
    await sc.enrol(root, "international", Role.ORGANISER)
    [made] = await root.says(
        '/gathering "Everyone, everywhere" 2026-12-10 14:00 UTC --branch international'
    )
    assert made.text == (
        "Gathering #3 is planned, but no chat is linked to International yet: members will "
        "see it with /gatherings."
    )
    assert reminders_in(sc, hall) == []
    lia = sc.person("lia", language_hint="pt")
    await apply(sc, lia, language="pt", country="Reino Unido", zone="Europe/London")
    await olga.presses("Approve")
    welcome = last_dm(sc, lia)
    coming = welcome.text.split("\n\n")[-1]
    assert coming == (
        "Próximos encontros de London – Hackney:\n"
        "• Reading group — qua., 2 de dez. de 2026 19:30 (Europe/London)\n"
        "• Welcome evening — dom., 6 de dez. de 2026 18:00 (Europe/London)\n"
        "• Everyone, everywhere — qui., 10 de dez. de 2026 14:00 (Europe/London)\n"
        "Responda nos chats do núcleo ou veja /gatherings."
    )
