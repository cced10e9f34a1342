"""Vote presses arriving together are decided many per transaction, with the same results."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from core.decisions import batch
from core.decisions.models import Ballot, VoteRecord
from core.members.models import Role
from core.messaging.batching import BatchWork
from core.messaging.inbound import ButtonPressed, ChatKind, ChatRef, Sender
from core.testing import Scenario
from core.testing.fake_messenger import FULL, FakeMessenger

HACKNEY = "london-hackney"


@pytest.fixture
async def sc(database_url: str) -> AsyncIterator[Scenario]:
    async with Scenario.open(database_url, messengers=[FakeMessenger("fake", FULL)]) as scenario:
        yield scenario


def press(
    name: str, data: str, update: str, chat: str = "hackney", hint: str | None = None
) -> ButtonPressed:
    return ButtonPressed(
        platform="fake",
        sender=Sender(name, name.title(), hint),
        chat=ChatRef(chat, ChatKind.GROUP, chat),
        update_id=f"batch-{update}",  # apart from the scenario's own update ids
        data=data,
    )


async def open_majority(sc: Scenario, voters: list[str], *extra: str) -> dict[str, str]:
    """Hackney's chat, an organiser, ``voters`` enrolled; a yes/no decision. Its buttons."""
    chat = await sc.group("hackney", HACKNEY)
    alice = sc.person("alice")
    await sc.enrol(alice, HACKNEY, Role.ORGANISER)
    for name in voters:
        await sc.enrol(sc.person(name), HACKNEY)
    await alice.says(f'/decide majority "Adopt the charter?" --closes 48h {" ".join(extra)}', chat)
    post = sc.messenger().in_chat(chat)[-1]
    # The members have been seen by the bot before (a vote rarely is anyone's first act).
    for name in voters:
        await sc.person(name).says("/help", chat=chat)
    return {b.label: b.action for b in post.message.all_buttons()}


async def stored(sc: Scenario) -> tuple[list[dict[str, object]], int]:
    async with sc.app.db.sessions() as session:
        contents = [b.content for b in (await session.scalars(select(Ballot))).all()]
        register = len((await session.scalars(select(VoteRecord.member_id))).all())
    return contents, register


def acknowledgements(sc: Scenario) -> dict[str, list[str | None]]:
    by_person: dict[str, list[str | None]] = {}
    for pressed, text in sc.messenger().acknowledged:
        by_person.setdefault(pressed.sender.external_id, []).append(text)
    return by_person


async def test_a_crowd_voting_at_once_is_counted_and_answered_in_each_language(
    sc: Scenario,
) -> None:
    names = [f"member{i}" for i in range(40)]
    buttons = await open_majority(sc, names)
    spanish = {f"member{i}" for i in range(0, 40, 4)}
    for name in spanish:
        await sc.person(name).says("/language es")
    await asyncio.gather(
        *(
            sc.app.handle(press(name, buttons["Yes" if i % 3 else "No"], f"u{i}"))
            for i, name in enumerate(names)
        )
    )
    contents, register = await stored(sc)
    assert register == 40
    assert sorted(str(c["answer"]) for c in contents) == ["no"] * 14 + ["yes"] * 26
    acks = acknowledgements(sc)
    assert acks["member1"] == ["Your vote is recorded: Yes"]
    assert acks["member3"] == ["Your vote is recorded: No"]
    assert acks["member4"] == ["Tu voto ha quedado registrado: Sí"]
    assert all(len(texts) == 1 for texts in acks.values())

    await sc.advance(seconds=10)  # the live message, refreshed once for the whole crowd
    [post] = [p for p in sc.messenger().in_chat("hackney") if "🗳 Decision #1" in p.text]
    assert "Voted: 40 of 41 members (98%)." in post.text


async def test_one_person_pressing_twice_in_a_batch_ends_with_their_last_answer(
    sc: Scenario,
) -> None:
    buttons = await open_majority(sc, ["bob", "carol"])
    await asyncio.gather(
        sc.app.handle(press("bob", buttons["Yes"], "b1")),
        sc.app.handle(press("carol", buttons["Yes"], "c1")),
        sc.app.handle(press("bob", buttons["No"], "b2")),
    )
    contents, register = await stored(sc)
    assert sorted(str(c["answer"]) for c in contents) == ["no", "yes"]
    assert register == 2
    assert acknowledgements(sc)["bob"] == [
        "Your vote is recorded: Yes",
        "Your vote is changed: No",
    ]


async def test_a_copy_of_a_press_in_the_same_batch_is_handled_once(sc: Scenario) -> None:
    buttons = await open_majority(sc, ["bob", "carol"])
    await asyncio.gather(
        sc.app.handle(press("bob", buttons["Yes"], "same")),
        sc.app.handle(press("carol", buttons["No"], "c1")),
        sc.app.handle(press("bob", buttons["No"], "same")),  # a redelivery of update "same"
    )
    contents, _register = await stored(sc)
    assert sorted(str(c["answer"]) for c in contents) == ["no", "yes"]
    assert acknowledgements(sc)["bob"] == ["Your vote is recorded: Yes"]


async def test_a_press_delivered_again_in_a_later_batch_changes_nothing(sc: Scenario) -> None:
    buttons = await open_majority(sc, ["bob", "carol", "dan"])
    await asyncio.gather(
        sc.app.handle(press("bob", buttons["Yes"], "b1")),
        sc.app.handle(press("carol", buttons["No"], "c1")),
    )
    # The platform delivers bob's press again (its id unchanged, its data altered to show
    # that a copy is not looked at), beside dan's first press and carol's change of mind.
    await asyncio.gather(
        sc.app.handle(press("bob", buttons["No"], "b1")),
        sc.app.handle(press("dan", buttons["Abstain"], "d1")),
        sc.app.handle(press("carol", buttons["Yes"], "c2")),
    )
    contents, register = await stored(sc)
    assert sorted(str(c["answer"]) for c in contents) == ["abstain", "yes", "yes"]
    assert register == 3
    assert acknowledgements(sc)["bob"] == ["Your vote is recorded: Yes"]
    assert acknowledgements(sc)["carol"] == [
        "Your vote is recorded: No",
        "Your vote is changed: Yes",
    ]
    assert acknowledgements(sc)["dan"] == ["Your vote is recorded: Abstain"]


async def test_presses_that_need_an_answer_get_it_within_a_batch(sc: Scenario) -> None:
    buttons = await open_majority(sc, ["bob", "carol"])
    outsider = sc.person("olga")
    await sc.enrol(outsider, "berlin-neukoelln")
    await outsider.says("/help", chat="hackney")
    before = len(sc.messenger().posted)
    await asyncio.gather(
        sc.app.handle(press("bob", buttons["Yes"], "b1")),
        sc.app.handle(press("olga", buttons["Yes"], "o1")),  # not in the electorate
        sc.app.handle(press("newcomer", buttons["No"], "n1")),  # never seen before
        sc.app.handle(press("carol", buttons["No"], "c1")),
    )
    contents, register = await stored(sc)
    assert sorted(str(c["answer"]) for c in contents) == ["no", "yes"]
    assert register == 2
    said = [p.text for p in sc.messenger().posted[before:]]
    assert any(t.startswith("You are not in the electorate of decision #1") for t in said)
    assert sum("You are not in the electorate" in t for t in said) == 2


async def test_a_block_in_a_batch_asks_for_its_reason(sc: Scenario) -> None:
    chat = await sc.group("hackney", HACKNEY)
    alice = sc.person("alice")
    await sc.enrol(alice, HACKNEY, Role.ORGANISER)
    for name in ("bob", "carol"):
        await sc.enrol(sc.person(name), HACKNEY)
        await sc.person(name).says("/help", chat=chat)
    await alice.says('/decide consensus "Move the meeting?" --closes 2d', chat=chat)
    post = sc.messenger().in_chat(chat)[-1]
    buttons = {b.label: b.action for b in post.message.all_buttons()}
    await asyncio.gather(
        sc.app.handle(press("bob", buttons["Block"], "b1")),
        sc.app.handle(press("carol", buttons["Agree"], "c1")),
    )
    contents, _register = await stored(sc)
    assert [c["stance"] for c in contents] == ["agree"]
    [asked] = sc.messenger().in_chat("dm:bob")
    assert asked.text.startswith("You are blocking decision #1. A block needs a reason")


async def test_a_failing_batch_leaves_every_press_to_the_ordinary_way(
    sc: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    buttons = await open_majority(sc, ["bob", "carol", "dan"])
    original = batch._acknowledge

    def store_then_fail(*args: object) -> None:
        original(*args)  # type: ignore[arg-type]  # every write of the batch is done
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(batch, "_acknowledge", store_then_fail)
    await asyncio.gather(
        *(
            sc.app.handle(press(name, buttons["Yes"], f"{name}-1"))
            for name in ("bob", "carol", "dan")
        )
    )
    contents, register = await stored(sc)
    # Nothing of the rolled-back batch is left; each press was then handled on its own.
    assert (len(contents), register) == (3, 3)
    assert all(texts == ["Your vote is recorded: Yes"] for texts in acknowledgements(sc).values())


async def test_batch_handlers_only_write_what_they_claimed(sc: Scenario) -> None:
    buttons = await open_majority(sc, ["bob"])
    presses_seen: list[int] = []

    async def refuse_all(work: BatchWork) -> None:
        presses_seen.append(len(work.presses))

    # A capability whose batch handler decides nothing: the ordinary handler answers.
    sc.app.router._batches["dv"] = refuse_all
    await sc.app.handle(press("bob", buttons["No"], "b1"))
    assert presses_seen == [1]
    contents, _register = await stored(sc)
    assert [c["answer"] for c in contents] == ["no"]
    assert acknowledgements(sc)["bob"] == ["Your vote is recorded: No"]


def test_receipts_draw_every_letter_equally_often() -> None:
    from collections import Counter

    from core.decisions.service import RECEIPT_ALPHABET, RECEIPT_LENGTH, new_receipt

    # A byte maps onto the alphabet without bias only when the alphabet divides 256.
    assert 256 % len(RECEIPT_ALPHABET) == 0
    drawn = Counter("".join(new_receipt() for _ in range(4000)))
    assert set(drawn) == set(RECEIPT_ALPHABET)
    expected = 4000 * RECEIPT_LENGTH / len(RECEIPT_ALPHABET)  # 1,000 each
    assert all(0.8 * expected < count < 1.2 * expected for count in drawn.values())


async def test_a_batch_handler_claiming_on_its_own_sees_each_press_once(sc: Scenario) -> None:
    """The generic claim (one statement per batch on either backend) turns copies away."""
    buttons = await open_majority(sc, ["bob", "carol"])
    claimed: list[list[str]] = []

    async def claim_and_note(work: BatchWork) -> None:
        taken = await work.claim(work.presses)
        claimed.append(sorted(p.inbound.sender.external_id for p in taken))
        for p in taken:
            p.acknowledgement = "noted"

    sc.app.router._batches["dv"] = claim_and_note
    await asyncio.gather(
        sc.app.handle(press("bob", buttons["No"], "b1")),
        sc.app.handle(press("carol", buttons["No"], "c1")),
    )
    # Bob's press again (a copy the platform redelivered) and carol's next one.
    await asyncio.gather(
        sc.app.handle(press("bob", buttons["No"], "b1")),
        sc.app.handle(press("carol", buttons["Yes"], "c2")),
    )
    assert [name for batch_ in claimed for name in batch_] == ["bob", "carol", "carol"]
    assert acknowledgements(sc)["carol"] == ["noted", "noted"]
    # Bob's copy went the ordinary way, which knows the update id and answers nothing.
    assert acknowledgements(sc)["bob"] == ["noted"]
