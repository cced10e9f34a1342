"""Announcing gatherings and answering them, through CoreApp, as people see it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from core.members.models import Role
from core.messaging.actions import Action
from core.testing import Scenario
from core.testing.fake_messenger import FULL, TEXT_ONLY, FakeMessenger
from tests.gatherings.helpers import (
    HACKNEY,
    WELCOME,
    ack,
    announcements,
    gatherings,
    job_count,
    rsvps,
)


@pytest.fixture
async def sc(database_url: str) -> AsyncIterator[Scenario]:
    """Two platforms: one with buttons and native events ("fake"), one plain text."""
    fakes = [FakeMessenger("fake", FULL), FakeMessenger("plain", TEXT_ONLY)]
    async with Scenario.open(database_url, messengers=fakes) as scenario:
        yield scenario


async def test_announced_on_every_platform_with_answers_and_a_native_event(
    sc: Scenario,
) -> None:
    tg = await sc.group("hackney-tg", HACKNEY)
    room = await sc.group("hackney-room", HACKNEY, platform="plain")
    elsewhere = await sc.group("brixton", "london-brixton")
    alice = sc.person("alice")
    await sc.enrol(alice, HACKNEY, Role.ORGANISER)

    assert await alice.says(WELCOME + " --capacity 30 --childcare", chat=tg) == [
        *announcements(sc, tg)
    ]
    [post] = announcements(sc, tg)
    assert post.text == (
        "📅 Welcome event\n\n"
        "🕒 Sun, Dec 6, 2026, 11:00\u202fAM\u2009–\u20091:00\u202fPM (Europe/London)\n"
        "📍 Firebox café, London\n"
        "💻 Online: https://meet.example/welcome\n"
        "🧸 Childcare is offered.\n"
        "👥 Going: 0 of 30 · Maybe: 0\n"
        "Gathering #1 of London – Hackney"
    )
    assert post.labels == ["✅ Going", "🤔 Maybe", "❌ Can't", "📆 Add to my calendar"]
    [plain] = announcements(sc, room, "plain")
    assert "1. ✅ Going\n2. 🤔 Maybe\n3. ❌ Can't\n4. 📆 Add to my calendar" in plain.text
    assert sc.messenger().in_chat(elsewhere) == []
    # Mirrored as the platform's own event where it has them (the plain one has not).
    [(native_id, event)] = sc.messenger().events.items()
    assert (event.title, event.start, event.location) == (
        "Welcome event",
        datetime(2026, 12, 6, 11, 0, tzinfo=UTC),
        "Firebox café, London",
    )
    assert not event.cancelled
    [gathering] = await gatherings(sc)
    assert (gathering.title, gathering.language, gathering.sequence) == ("Welcome event", "en", 0)

    # Answer on one platform, by number on the other: one list.
    bob, carol = sc.person("bob"), sc.person("carol", platform="plain", language_hint="es")
    await sc.enrol(bob, HACKNEY)
    await sc.enrol(carol, HACKNEY)
    await bob.presses("✅ Going", chat=tg)
    assert ack(sc) == "You are going to Welcome event (Sun, Dec 6, 2026, 11:00\u202fAM)."
    [note] = await carol.says("2", chat=room)
    assert note.chat_id == carol.dm  # confirmed privately, in Spanish dates
    assert note.text == "Quizás vayas a Welcome event (dom, 6 dic 2026, 11:00)."
    await sc.advance(seconds=10)  # the announcements are edited with the counts
    assert "👥 Going: 1 of 30 · Maybe: 1" in post.text
    assert plain.edits == []  # that platform cannot edit messages
    assert native_id in sc.messenger().events


async def test_capacity_and_the_waiting_list(sc: Scenario) -> None:
    tg = await sc.group("hackney-tg", HACKNEY)
    olga = sc.person("olga")
    await sc.enrol(olga, HACKNEY, Role.ORGANISER)
    await olga.says(WELCOME + " --capacity 2", chat=tg)
    ana, ben, cy, dee = (sc.person(n) for n in ("ana", "ben", "cy", "dee"))
    for person in (ana, ben, cy, dee):
        await sc.enrol(person, HACKNEY)
    await ana.presses("✅ Going", chat=tg)
    await ben.presses("✅ Going", chat=tg)
    await cy.presses("✅ Going", chat=tg)
    assert ack(sc) == (
        "Welcome event is full: you are number 1 on the waiting list. I will tell you if a "
        "place opens up."
    )
    await dee.presses("✅ Going", chat=tg)
    assert "you are number 2 on the waiting list" in (ack(sc) or "")
    await cy.presses("✅ Going", chat=tg)  # pressing again keeps her place
    assert "you are number 1 on the waiting list" in (ack(sc) or "")

    moved_up = await ana.presses("❌ Can't", chat=tg)
    assert (
        ack(sc)
        == "You can't come to Welcome event (Sun, Dec 6, 2026, 11:00\u202fAM). Thanks for saying."
    )
    [told] = [p for p in moved_up if p.chat_id == cy.dm]
    assert told.text == (
        "🎉 A place opened up: you are now going to Welcome event (Sun, Dec 6, 2026, "
        "11:00\u202fAM)."
    )
    assert await rsvps(sc) == [
        (0, "Ana", "no"),
        (0, "Ben", "going"),
        (0, "Cy", "going"),
        (0, "Dee", "waiting"),
    ]
    [listing, where] = await olga.says("/attendees 1", chat=tg)
    assert where.text == "I have sent you the list privately."
    assert listing.chat_id == olga.dm
    assert listing.text == (
        "Gathering #1, Welcome event — Sun, Dec 6, 2026, 11:00\u202fAM\n"
        "Going (2 of 2): Ben, Cy\n"
        "Maybe (0): —\n"
        "Waiting list (1): 1. Dee\n"
        "Can't come (1): Ana"
    )
    # More places: the waiting list moves up at once.
    changed = await olga.says("/gathering_edit 1 capacity 3", chat=tg)
    assert any(p.chat_id == dee.dm and "A place opened up" in p.text for p in changed)
    [not_allowed] = await ben.says("/attendees 1", chat=tg)
    assert not_allowed.text == "You can't use /attendees here."


async def test_bad_input_is_refused_and_nothing_is_half_created(sc: Scenario) -> None:
    tg = await sc.group("hackney-tg", HACKNEY)
    olga, bob = sc.person("olga"), sc.person("bob")
    await sc.enrol(olga, HACKNEY, Role.ORGANISER)
    await sc.enrol(bob, HACKNEY)
    cases = {
        '/gathering "Past" 2026-11-01 11:00': "That time is in the past.",
        '/gathering "X" 2026-12-06 11:00 --end 10:00': "The end is before the start.",
        '/gathering "X" 2026-12-06 11:00 Moon/Base': "I don't know the time zone “Moon/Base”.",
        '/gathering "X" 2026-12-06 11:00 --capacity 0': "The capacity is a number of places",
        '/gathering "X" 2027-03-28 01:30': "2027-03-28 01:30 does not exist in Europe/London",
        '/gathering "X" 2026-12-06 11:00 --repeat FREQ=SECONDLY': "at most once a day",
        '/gathering "X" 2026-12-06 11:00 --repeat "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31"': (
            "That rule never gives a date"
        ),
    }
    for line, message in cases.items():
        [answer] = await olga.says(line, chat=tg)
        assert message in answer.text, line
    [refused] = await bob.says('/gathering "Mine" 2026-12-06 11:00', chat=tg)
    assert refused.text == "You can't use /gathering here."
    assert await gatherings(sc) == []
    assert await job_count(sc) == 0
    assert announcements(sc, tg) == []
    assert sc.messenger().events == {}


async def test_stale_forged_and_cancelled_buttons(sc: Scenario) -> None:
    tg = await sc.group("hackney-tg", HACKNEY)
    olga, bob = sc.person("olga"), sc.person("bob")
    await sc.enrol(olga, HACKNEY, Role.ORGANISER)
    await sc.enrol(bob, HACKNEY)
    await olga.says(WELCOME, chat=tg)
    [post] = announcements(sc, tg)
    going = post.message.all_buttons()[0].action
    [forged] = await bob.presses_data(going[:-1] + "x", chat=tg)
    assert forged.text == "That button is not valid (it may be out of date). Please start again."
    signer = sc.app.services.signer
    [missing] = await bob.presses_data(signer.encode(Action("gr", ("99", "0", "g"))), chat=tg)
    assert missing.text == "There is no gathering #99."
    [no_date] = await bob.presses_data(signer.encode(Action("gr", ("1", "20261207", "g"))), chat=tg)
    assert no_date.text == "Gathering #1 does not take place on that date."

    cancelled = await olga.says("/gathering_edit 1 cancel", chat=tg)
    assert [p.text for p in cancelled if p.chat_id == tg][-1] == "Gathering #1 is cancelled."
    assert post.text.splitlines()[1] == "❌ Cancelled."
    assert post.labels == ["📆 Add to my calendar"]
    [event] = sc.messenger().events.values()
    assert event.cancelled
    [late] = await bob.presses_data(going, chat=tg)
    assert late.text == "Gathering #1 (Welcome event) was cancelled."
    assert await rsvps(sc) == []
    assert await job_count(sc, "gathering.remind") == 0
    [again] = await olga.says("/gathering_edit 1 place Elsewhere", chat=tg)
    assert again.text == "Gathering #1 (Welcome event) was cancelled."


async def test_the_calendar_button_and_the_members_calendar(sc: Scenario) -> None:
    tg = await sc.group("hackney-tg", HACKNEY)
    olga, bob = sc.person("olga"), sc.person("bob")
    await sc.enrol(olga, HACKNEY, Role.ORGANISER)
    await sc.enrol(bob, HACKNEY)
    await olga.says(WELCOME + ' --repeat "FREQ=MONTHLY;BYDAY=1SU"', chat=tg)
    await olga.says("/gathering_edit 1 skip 2027-01-03", chat=tg)
    [sent] = await bob.presses("📆 Add to my calendar", chat=tg)
    assert ack(sc) == "I have sent you the calendar file privately."
    assert sent.chat_id == bob.dm
    assert sent.text == "📆 Welcome event: open the file to add it to your calendar."
    assert sent.message.file is not None
    assert (sent.message.file.filename, sent.message.file.mime_type) == (
        "gathering-1.ics",
        "text/calendar",
    )
    [event] = Calendar.from_ical(sent.message.file.content).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Welcome event"
    assert event["RRULE"].to_ical() == b"FREQ=MONTHLY;BYDAY=1SU"
    assert len(event["EXDATE"].dts) == 1
    assert event.decoded("SEQUENCE") == 1  # the skipped date was a change

    [mine] = await bob.says("/calendar")
    assert mine.message.file is not None and mine.message.file.filename == "gatherings.ics"
    cal = Calendar.from_ical(mine.message.file.content)
    assert [str(e["SUMMARY"]) for e in cal.walk("VEVENT")] == ["Welcome event"]


async def test_the_guided_conversation(sc: Scenario) -> None:
    tg = await sc.group("hackney-tg", HACKNEY)
    olga = sc.person("olga")
    await sc.enrol(olga, HACKNEY, Role.ORGANISER)
    # The note in the group follows what it announces (it is not posted if DMs are closed).
    [first, moved] = await olga.says("/gathering", chat=tg)
    assert moved.text == "I have written to you privately to set up the gathering."
    assert first.chat_id == olga.dm
    assert first.text == "New gathering of London – Hackney. What is its title?"
    assert first.message.asks_for_text == "Title"
    assert first.labels == ["Cancel"]
    [description] = await olga.says("Chapter meeting")
    assert description.labels == ["Skip", "Cancel"]
    assert description.message.asks_for_text == "Description"
    [when] = await olga.presses("Skip")
    assert when.text.startswith("When does it start? Send the date and time like 2026-11-29 18:30")
    [wrong] = await olga.says("2026-11-01 18:30")
    assert wrong.text == "That time is in the past. Please give a time that is still ahead."
    [length] = await olga.says("2026-12-03 18:30")
    assert length.labels == ["1 hour", "2 hours", "3 hours", "Cancel"]
    [place] = await olga.says("20:00")
    assert place.message.asks_for_text == "Place"
    [online] = await olga.says("Library, 2nd floor")
    assert online.labels == ["Skip", "Cancel"]
    [places] = await olga.presses("Skip")
    assert places.labels == ["No limit", "Cancel"]
    [childcare] = await olga.says("25")
    assert childcare.labels == ["Yes", "No", "Cancel"]
    [access] = await olga.presses("Yes")
    assert access.text.startswith("What should people know about access")
    assert access.message.asks_for_text == "Accessibility"
    assert access.labels == ["Skip", "Cancel"]
    [language] = await olga.says("Step-free entrance, hearing loop")
    assert language.text == "Which language is the meeting held in? Press one, or Skip."
    assert language.labels[-2:] == ["Skip", "Cancel"]
    [repeat] = await olga.presses("Español")
    assert repeat.labels == [
        "Does not repeat",
        "Every week",
        "Every two weeks",
        "Every month",
        "Cancel",
    ]
    [confirm] = await olga.presses("Every two weeks")
    assert confirm.text == (
        "📅 Chapter meeting\n\n"
        "🕒 Thu, Dec 3, 2026, 6:30\u2009–\u20098:00\u202fPM (Europe/London)\n"
        "🔁 Repeats: FREQ=WEEKLY;INTERVAL=2\n"
        "📍 Library, 2nd floor\n"
        "🧸 Childcare is offered.\n"
        "♿ Accessibility: Step-free entrance, hearing loop\n"
        "🗣 Held in Español.\n"
        "👥 Places: 25\n"
        "⏰ Reminders: 1 week, 1 day, 2 hours before\n\n"
        "Announce it in the chats of London – Hackney?"
    ), repr(confirm.text)
    assert confirm.labels == ["Announce it", "Cancel"]
    await olga.presses("Announce it")
    [post] = announcements(sc, tg)
    assert post.text.startswith("📅 Chapter meeting\n\n🕒 Thu, Dec 3, 2026")
    assert "🔁 Repeats. Then: Thu, Dec 17, 2026, Thu, Dec 31, 2026, Thu, Jan 14, 2027" in post.text
    [gathering] = await gatherings(sc)
    assert (
        gathering.capacity,
        gathering.childcare,
        gathering.accessibility,
        gathering.meeting_language,
        gathering.rrule,
    ) == (25, True, "Step-free entrance, hearing loop", "es", "FREQ=WEEKLY;INTERVAL=2")
    # A button of an answered step is stale.
    [stale] = await olga.presses("Skip")
    assert stale.text == "That gathering is no longer being set up. Send /gathering to start again."
