"""Decisions as platforms' own polls: answers are ballots in the one tally (FakeMessenger)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from core.decisions.models import Ballot
from core.i18n.message import _
from core.members.models import Role
from core.messaging.inbound import ChatKind, ChatRef, PollAnswered, Sender, Unreadable
from core.messaging.port import Capabilities
from core.testing import Person, Scenario
from core.testing.fake_messenger import FULL, FakeMessenger, Posted

HACKNEY = "london-hackney"
POLLS = Capabilities(buttons=False, edit=True, polls=True)


@pytest.fixture
async def sc(database_url: str) -> AsyncIterator[Scenario]:
    """A platform with buttons ("fake") and one with native polls instead ("polls")."""
    fakes = [FakeMessenger("fake", FULL), FakeMessenger("polls", POLLS)]
    async with Scenario.open(database_url, messengers=fakes) as scenario:
        yield scenario


def answer(person: Person, room: str, *data: str, update: str) -> PollAnswered:
    return PollAnswered(
        platform="polls",
        sender=Sender(person.name, person.name.title()),
        chat=ChatRef(room, ChatKind.GROUP, title=room),
        update_id=update,
        data=data,
        poll_id="poll-1",
    )


async def ballots(sc: Scenario) -> list[Ballot]:
    async with sc.app.db.sessions() as session:
        return list((await session.scalars(select(Ballot))).all())


async def open_decision(sc: Scenario, line: str) -> tuple[Posted, Posted, list[Person]]:
    tg = await sc.group("hackney-tg", HACKNEY, platform="fake")
    room = await sc.group("hackney-room", HACKNEY, platform="polls")
    olga = sc.person("olga")
    await sc.enrol(olga, HACKNEY, Role.ORGANISER)
    voters = [sc.person(name, platform="polls") for name in ("ana", "ben")]
    for voter in voters:
        await sc.enrol(voter, HACKNEY)
    await olga.says(line, chat=tg)
    [on_tg] = sc.messenger("fake").in_chat(tg)
    [in_room] = sc.messenger("polls").in_chat(room)
    return on_tg, in_room, voters


async def test_a_plurality_poll_carries_the_buttons_actions_and_counts_once(
    sc: Scenario,
) -> None:
    on_tg, in_room, (ana, ben) = await open_decision(
        sc, '/decide plurality "Where do we meet?" "Library" "Café"'
    )
    # Only the platform with polls gets one; its answers are the buttons' actions.
    assert on_tg.message.poll is None
    poll = in_room.message.poll
    assert poll is not None and not poll.closed
    assert poll.question == "Where do we meet?" and poll.max_selections == 1 and poll.disclosed
    assert [a.label for a in poll.answers] == ["1. Library", "2. Café"]
    assert [a.action for a in poll.answers] == [b.action for b in on_tg.message.all_buttons()]
    library, cafe = (a.action for a in poll.answers)

    [note] = await ana.send(answer(ana, "hackney-room", cafe, update="e1"))
    assert (note.chat_id, note.text) == ("dm:ana", "Your vote is recorded: Café")
    [note] = await ana.send(answer(ana, "hackney-room", library, update="e2"))
    assert note.text == "Your vote is changed: Library"
    assert await ana.send(answer(ana, "hackney-room", library, update="e2")) == []  # a copy
    await ben.says("2", chat="hackney-room")  # the numbered reply counts in the same tally
    assert sorted(b.content["choice"] for b in await ballots(sc)) == [0, 1]

    # A single-choice poll answered with two choices is no ballot.
    [refused] = await ben.send(answer(ben, "hackney-room", library, cafe, update="e3"))
    assert refused.text.startswith("That button is not valid")
    assert len(await ballots(sc)) == 2

    # At close the poll is edited closed, with the outcome to end it with.
    await sc.person("olga").says("/close 1", chat="hackney-tg")
    closed = in_room.message.poll
    assert closed is not None and closed.closed
    assert closed.outcome is not None and closed.outcome.startswith("🗳 Outcome of decision #1")
    assert "Closed. The outcome is posted below." in in_room.text


async def test_an_approval_answer_is_one_whole_ballot(sc: Scenario) -> None:
    _tg, in_room, (ana, _ben) = await open_decision(
        sc, '/decide approval "Which topics?" "Housing" "Climate" "Work" --max 2'
    )
    poll = in_room.message.poll
    assert poll is not None and poll.max_selections == 2
    housing, climate, work = (a.action for a in poll.answers)
    await ana.send(answer(ana, "hackney-room", housing, work, update="a1"))
    [ballot] = await ballots(sc)
    assert ballot.content == {"approve": [0, 2]}
    # A new answer replaces the old one (not a toggle of it).
    await ana.send(answer(ana, "hackney-room", climate, update="a2"))
    [ballot] = await ballots(sc)
    assert ballot.content == {"approve": [1]}
    # Three choices where two are allowed: refused, the ballot stands.
    [refused] = await ana.send(answer(ana, "hackney-room", housing, climate, work, update="a3"))
    assert "2" in refused.text
    [ballot] = await ballots(sc)
    assert ballot.content == {"approve": [1]}
    # A withdrawn answer changes nothing.
    assert await ana.send(answer(ana, "hackney-room", update="a4")) == []
    assert len(await ballots(sc)) == 1


async def test_forged_poll_answers_are_refused(sc: Scenario) -> None:
    _tg, in_room, (ana, _ben) = await open_decision(sc, '/decide majority "Adopt the charter?"')
    poll = in_room.message.poll
    assert poll is not None and [a.label for a in poll.answers] == ["Yes", "No", "Abstain"]
    forged = "A" * 12 + "dv:1:y"
    [refused] = await ana.send(answer(ana, "hackney-room", forged, update="f1"))
    assert refused.text.startswith("That button is not valid")
    assert await ballots(sc) == []


async def test_secret_and_ranked_decisions_have_no_poll(sc: Scenario) -> None:
    _tg, in_room, _voters = await open_decision(sc, '/decide irv "Who coordinates?" "Ana" "Ben"')
    assert in_room.message.poll is None


async def test_an_unreadable_chat_is_told_once_in_its_language(sc: Scenario) -> None:
    room = await sc.group("sala", "madrid-lavapies", platform="polls")
    ana = sc.person("ana", platform="polls")
    event = Unreadable(
        platform="polls",
        sender=Sender("ana", "Ana"),
        chat=ChatRef(room, ChatKind.GROUP, title=room),
        update_id=f"unreadable:{room}",
    )
    [notice] = await ana.send(event)
    assert notice.chat_id == room
    assert notice.text == sc.app.services.catalogs.get("es").render(
        _(
            "I cannot read messages in this chat: it is end-to-end encrypted, and I have no "
            "keys to read it. Write to me in a chat without encryption, or ask an "
            "administrator to enable encryption support for me."
        )
    )
    assert await ana.send(event) == []


async def test_invitations_are_accepted_from_the_organisation_only(sc: Scenario) -> None:
    await sc.group("linked", HACKNEY, platform="polls")
    member = sc.person("member", platform="polls")
    await sc.enrol(member, HACKNEY)
    app = sc.app
    assert await app.accepts_invite("polls", "stranger", "linked", private=False)
    assert await app.accepts_invite("polls", "member", "new-room", private=False)
    assert not await app.accepts_invite("polls", "stranger", "new-room", private=False)
    assert await app.accepts_invite("polls", "stranger", "their-dm", private=True)
