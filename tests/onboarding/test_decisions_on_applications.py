"""Organisers decide: approve, question, decline, auto-approval, reminders, new chapters."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from core.members.models import Role
from core.messaging.actions import Action
from core.onboarding.models import ApplicationStatus
from core.scheduling.models import Job
from core.testing import FULL, TEXT_ONLY, FakeMessenger, Scenario
from tests.onboarding.helpers import (
    HACKNEY,
    applications,
    apply,
    branch,
    dm,
    join_request,
    joined,
    last_dm,
    member,
    roles,
)


@pytest.fixture
async def sc(database_url: str) -> AsyncIterator[Scenario]:
    fakes = [FakeMessenger("fake", FULL), FakeMessenger("plain", TEXT_ONLY)]
    async with Scenario.open(database_url, messengers=fakes) as scenario:
        yield scenario


async def test_a_question_goes_to_the_applicant_and_the_answer_comes_back(sc: Scenario) -> None:
    olga = sc.person("olga", display_name="Olga")
    await sc.enrol(olga, HACKNEY, Role.ORGANISER)
    sam = sc.person("sam", display_name="Sam")
    await apply(sc, sam)

    [prompt] = await olga.presses("Ask a question")
    assert (
        prompt.text == "What would you like to ask Sam? Send me your question here, in one message."
    )
    assert prompt.labels == ["Cancel"]
    sent = await olga.says("Which part of Hackney do you live in?")
    [question] = [p for p in sent if p.chat_id == sam.dm]
    assert question.text == (
        "Olga, an organiser of London – Hackney, has a question about your application:\n\n"
        "Which part of Hackney do you live in?\n\n"
        "Reply to me here with your answer."
    )
    assert [p.text for p in sent if p.chat_id == olga.dm] == [
        "I have sent your question to Sam. Their answer will come to you here."
    ]
    sent = await sam.says("Near London Fields.")
    [relayed] = [p for p in sent if p.chat_id == olga.dm]
    assert relayed.text.endswith(
        "Sam answers your question about application #1:\n\nNear London Fields."
    )
    assert relayed.labels == ["Approve", "Ask a question", "Decline"]
    assert [p.text for p in sent if p.chat_id == sam.dm] == [
        "Thank you! I have passed your answer on."
    ]
    # The next message of Sam is no answer any more; of Olga, no question.
    [waiting] = await sam.says("Any news?")
    assert waiting.text.startswith("Your application is waiting for the organisers")
    await olga.presses("Approve")  # from the relayed answer's buttons
    assert last_dm(sc, sam).text.startswith("Welcome to London – Hackney!")
    # Both cards about the application now say how it was decided.
    cards = [p for p in dm(sc, olga) if p.edits]
    assert len(cards) == 2
    assert {c.text for c in cards} == {"Application #1 from Sam: approved by Olga."}


async def test_decline_passes_the_reason_on_kindly(sc: Scenario) -> None:
    tg = await sc.group("hackney-tg", HACKNEY)
    olga = sc.person("olga", display_name="Olga")
    await sc.enrol(olga, HACKNEY, Role.ORGANISER)
    zoe = sc.person("zoe", display_name="Zoe")
    await zoe.send(join_request(zoe, tg))
    assert sc.messenger().in_chat(tg) == []  # nothing in the chat
    assert last_dm(sc, zoe).text.startswith("Hello, Zoe!")
    await apply(sc, zoe, start="", chapter=None)

    [prompt] = await olga.presses("Decline")
    assert prompt.text == (
        "Why do you decline Zoe's application? Send me the reason here, in one message; "
        "I will pass it on to them kindly."
    )
    [too_long] = await olga.says("x" * 1001)
    assert too_long.text == "That is too long: at most 1,000 characters, please (yours has 1,001)."
    sent = await olga.says("We only meet in person, and you live in Leeds.")
    [kind] = [p for p in sent if p.chat_id == zoe.dm]
    assert kind.text == (
        "Thank you for your interest in International Organization for a Participatory "
        "Society. The organisers of London – Hackney could not accept your application this "
        "time. This is what they said:\n\n"
        "We only meet in person, and you live in Leeds.\n\n"
        "You are welcome to apply again at any time with /join."
    )
    assert (
        last_dm(sc, olga).text == "Application #1 is declined. I have told Zoe, with your reason."
    )
    assert sc.messenger().actions == [("decline_join", tg, "zoe")]
    [application] = await applications(sc)
    assert application.status == ApplicationStatus.DECLINED.value
    assert application.decline_reason == "We only meet in person, and you live in Leeds."
    assert application.bio is None and application.photo_ref is None
    assert (await member(sc, zoe)).chapter_id is None
    assert await roles(sc, zoe) == set()
    # Pressing an old button of the decided application changes nothing.
    [refused] = await olga.presses_data(
        sc.app.services.signer.encode(Action("oy", (str(application.id),)))
    )
    assert refused.text == "This application has already been decided or withdrawn."
    # They may apply again: a new application.
    [again] = await zoe.says("/join")
    assert again.text.startswith("Hello, Zoe!")
    assert len(await applications(sc)) == 2


async def test_never_mind_and_only_organisers_decide(sc: Scenario) -> None:
    olga = sc.person("olga", display_name="Olga")
    await sc.enrol(olga, HACKNEY, Role.ORGANISER)
    brian = sc.person("brian")
    await sc.enrol(brian, "london-brixton", Role.ORGANISER)  # a sibling chapter's organiser
    member_bob = sc.person("bob")
    await sc.enrol(member_bob, HACKNEY)
    sam = sc.person("sam")
    await apply(sc, sam)
    await olga.presses("Decline")
    [ok] = await olga.presses("Cancel")
    assert ok.text == "All right: nothing was sent."
    [none] = await olga.says("Just thinking aloud")  # no longer taken as a reason
    assert "declined" not in none.text
    for someone in (brian, member_bob, sam):
        [refused] = await someone.presses_data(sc.app.services.signer.encode(Action("oy", ("1",))))
        assert (
            refused.text == "Only organisers of the chapter (or of a branch above it) can do that."
        )
    [application] = await applications(sc)
    assert application.status == ApplicationStatus.SUBMITTED.value


async def test_auto_approval_lets_newcomers_straight_in(sc: Scenario) -> None:
    chat = await sc.group("neukoelln", "berlin-neukoelln")
    greta = sc.person("greta", display_name="Greta")
    await sc.enrol(greta, "berlin-neukoelln", Role.ORGANISER)
    jan = sc.person("jan", display_name="Jan")
    sent = await apply(
        sc, jan, country="Germany", chapter="Berlin – Neukölln", zone="Europe/Berlin"
    )
    assert [p.chat_id for p in sent if p.chat_id == greta.dm] == []  # nobody had to decide
    assert last_dm(sc, jan).text.startswith(
        "Welcome to Berlin – Neukölln! Your application is approved"
    )
    # Welcomed in the chapter's chat (in its language, German, once translated).
    assert "Jan" in sc.messenger().in_chat(chat)[-1].text
    assert await roles(sc, jan) == {(Role.MEMBER.value, "berlin-neukoelln")}
    [application] = await applications(sc)
    assert application.status == ApplicationStatus.APPROVED.value
    assert application.decided_by_id is None


async def test_reminder_after_48_hours_and_the_branch_above_after_a_week(sc: Scenario) -> None:
    olga = sc.person("olga", display_name="Olga")
    await sc.enrol(olga, HACKNEY, Role.ORGANISER)
    rita = sc.person("rita", display_name="Rita")
    await sc.enrol(rita, "london", Role.ORGANISER)  # the region above Hackney
    ursula = sc.person("ursula")
    await sc.enrol(ursula, "uk", Role.ORGANISER)
    sam = sc.person("sam", display_name="Sam")
    await apply(sc, sam)
    assert len(dm(sc, olga)) == 1 and dm(sc, rita) == [] and dm(sc, ursula) == []

    await sc.advance(hours=47)
    assert len(dm(sc, olga)) == 1
    await sc.advance(hours=1)
    reminder = last_dm(sc, olga)
    assert reminder.text.startswith(
        "Reminder: this application has been waiting two days for an answer.\n\n"
        "📝 Sam would like to join London – Hackney."
    )
    assert reminder.labels == ["Approve", "Ask a question", "Decline"]
    assert dm(sc, rita) == []

    await sc.advance(days=5)
    [escalated] = dm(sc, rita)
    assert escalated.text.startswith(
        "This application has been waiting a week, and the organisers nearest to it have not "
        "answered. As an organiser of a branch above, could you look at it?"
    )
    assert dm(sc, ursula) == []  # only the nearest branch above
    assert len(dm(sc, olga)) == 2
    await rita.presses("Approve")  # an organiser of the region may decide
    assert last_dm(sc, sam).text.startswith("Welcome to London – Hackney!")
    assert all(card.labels == [] for card in dm(sc, olga))  # every card marked decided
    await sc.advance(days=30)
    assert len(dm(sc, olga)) == 2 and len(dm(sc, rita)) == 2  # nothing more


async def test_a_decided_application_is_not_reminded_of(sc: Scenario) -> None:
    olga = sc.person("olga")
    await sc.enrol(olga, HACKNEY, Role.ORGANISER)
    await sc.enrol(sc.person("rita"), "london", Role.ORGANISER)
    sam = sc.person("sam")
    await apply(sc, sam)
    await olga.presses("Approve")
    before = len(sc.messenger().posted)
    assert await sc.advance(days=8) >= 2  # the reminder and the escalation ran …
    assert len(sc.messenger().posted) == before  # … and found nothing to do
    async with sc.app.db.sessions() as session:
        kinds = (await session.scalars(select(Job.kind).where(Job.kind.like("onboarding.%")))).all()
    assert sorted(kinds) == ["onboarding.escalate", "onboarding.remind"]  # booked once each


async def test_a_join_request_is_approved_on_the_platform(sc: Scenario) -> None:
    tg = await sc.group("hackney-tg", HACKNEY)
    other = await sc.group("hackney-events", HACKNEY)
    london = await sc.group("london-all", "london")
    olga = sc.person("olga")
    await sc.enrol(olga, HACKNEY, Role.ORGANISER)
    zoe = sc.person("zoe", display_name="Zoe")
    assert await zoe.send(join_request(zoe, tg)) == [last_dm(sc, zoe)]  # only the DM
    await zoe.send(join_request(zoe, london))  # a chat of the region above, too
    assert last_dm(sc, zoe).text.startswith("Welcome back! Let's carry on where you left off.")
    await apply(sc, zoe, start="", chapter=None, announce=False)
    assert sc.messenger().actions == []  # nothing happens before the decision
    await olga.presses("Approve")
    assert sc.messenger().actions == [
        ("approve_join", tg, "zoe"),
        ("approve_join", london, "zoe"),
        ("invite", other, "zoe"),  # the chapter's other chat; not the one they asked for
    ]
    assert sc.messenger().in_chat(tg) == []  # they chose not to be announced
    # A member asking to join a chat of their chapter (or above) is let in at once.
    await zoe.send(join_request(zoe, other))
    assert sc.messenger().actions[-1] == ("approve_join", other, "zoe")


async def test_joining_a_chapter_chat_greets_briefly_and_continues_privately(
    sc: Scenario,
) -> None:
    tg = await sc.group("brixton-tg", "london-brixton")
    await sc.group("unlinked")
    kim = sc.person("kim", display_name="Kim")
    sent = await kim.send(joined(kim, tg))
    [greeting] = [p for p in sent if p.chat_id == tg]
    assert greeting.text == "Welcome, Kim! I have sent you a private message to help you join."
    [hello] = [p for p in sent if p.chat_id == kim.dm]
    assert hello.text.startswith("Hello, Kim!")
    await kim.presses("✓ English")
    [name] = await kim.presses("I have read this and want to join")
    assert name.text.startswith("What name should other members see?")  # chapter preselected
    # Members joining, and chats of no branch, get nothing.
    bob = sc.person("bob")
    await sc.enrol(bob, "london-brixton")
    assert await bob.send(joined(bob, tg)) == []
    assert await sc.person("lee").send(joined(sc.person("lee"), "unlinked")) == []


async def test_a_proposed_chapter_approved_by_the_country_is_created_and_kept(
    sc: Scenario,
) -> None:
    uma = sc.person("uma", display_name="Uma")
    await sc.enrol(uma, "uk", Role.ORGANISER)
    priya = sc.person("priya", display_name="Priya")
    await priya.says("/join")
    await priya.presses("✓ English")
    await priya.presses("I have read this and want to join")
    await priya.presses("United Kingdom")
    [naming] = await priya.presses("No chapter near me — start one")
    assert naming.text.startswith("Let's start a new chapter! What should it be called?")
    [city] = await priya.says("Manchester – Levenshulme")
    assert city.text == "Which city or town will the chapter meet in? (at most 64 characters)"
    [region] = await priya.says("Manchester")
    assert region.text == "Which part of United Kingdom is the new chapter in?"
    assert region.labels == [
        "London",
        "Scotland",
        "Somewhere else in United Kingdom",
        "Back",
        "Cancel",
    ]
    await priya.presses("Somewhere else in United Kingdom")
    await priya.presses("Use “Priya”")
    await priya.presses("Skip")
    await priya.presses("Skip")
    await priya.presses("Yes, Europe/London")
    await priya.presses("Skip")
    [summary] = await priya.presses("I agree")  # no "welcome in the chat": there is none yet
    assert "Chapter: a new chapter, “Manchester – Levenshulme” in Manchester" in summary.text
    sent = await priya.presses("Send my application")
    [card] = [p for p in sent if p.chat_id == uma.dm]
    assert card.text.startswith(
        "📝 Priya proposes a new chapter: “Manchester – Levenshulme” in Manchester, part of "
        "United Kingdom."
    )
    assert card.text.endswith(
        "If you approve, the chapter is created, and Priya becomes its first member and organiser."
    )
    assert [p.text for p in sent if p.chat_id == priya.dm] == [
        "Thank you! Your proposal for a new chapter is now with the organisers of United "
        "Kingdom. I will write to you here as soon as they have looked at it."
    ]
    await uma.presses("Approve")
    assert last_dm(sc, uma).text == (
        "Done: the chapter Manchester – Levenshulme is created, and Priya is its first member "
        "and organiser."
    )
    created = await branch(sc, "manchester-levenshulme")
    assert created is not None and created.origin == "runtime" and created.active
    uk = await branch(sc, "uk")
    assert uk is not None and created.parent_id == uk.id and created.level == "local"
    assert created.timezone == "Europe/London" and created.language == "en"
    assert await roles(sc, priya) == {
        (Role.MEMBER.value, "manchester-levenshulme"),
        (Role.ORGANISER.value, "manchester-levenshulme"),
    }
    assert "Its short name is manchester-levenshulme" in last_dm(sc, priya).text

    await sc.restart()  # the configuration does not know the chapter: it stays all the same
    kept = await branch(sc, "manchester-levenshulme")
    assert kept is not None and kept.active
    newcomer = sc.person("nia")
    await newcomer.says("/join")
    await newcomer.presses("✓ English")
    await newcomer.presses("I have read this and want to join")
    [chapters] = await newcomer.presses("United Kingdom")
    assert "Manchester – Levenshulme" in chapters.labels


async def test_a_country_with_no_branch_asks_the_international_organisers(sc: Scenario) -> None:
    ivan = sc.person("ivan", display_name="Ivan")
    await sc.enrol(ivan, "international", Role.ORGANISER)
    lu = sc.person("lu", display_name="Lu")
    await lu.says("/join")
    await lu.presses("✓ English")
    await lu.presses("I have read this and want to join")
    await lu.presses("My country is not listed")
    await lu.says("Lisboa – Graça")
    [name] = await lu.says("Lisboa")  # no region to choose
    assert name.text.startswith("What name should other members see?")
    await lu.presses("Use “Lu”")
    await lu.presses("Skip")
    [zone] = await lu.presses("Skip")
    assert zone.labels[0] == "Yes, UTC"  # nothing to propose from: the default
    await lu.says("Europe/Lisbon")
    await lu.presses("Skip")
    await lu.presses("I agree")
    await lu.presses("Send my application")
    assert "part of International" in last_dm(sc, ivan).text
    await ivan.presses("Approve")
    created = await branch(sc, "lisboa-graca")
    assert created is not None and created.timezone == "Europe/Lisbon"
