"""Decisions end to end through CoreApp: open, vote from two platforms, remind, close."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select, text

from core.decisions.models import Ballot, Decision, VoteRecord
from core.members.models import PlatformAccount, Role
from core.testing import Scenario
from core.testing.fake_messenger import FULL, TEXT_ONLY, FakeMessenger, Posted

HACKNEY = "london-hackney"


@pytest.fixture
async def sc(database_url: str) -> AsyncIterator[Scenario]:
    """A scenario with a platform with buttons ("fake") and one without ("plain")."""
    fakes = [FakeMessenger("fake", FULL), FakeMessenger("plain", TEXT_ONLY)]
    async with Scenario.open(database_url, messengers=fakes) as scenario:
        yield scenario


async def hackney(sc: Scenario) -> tuple[str, str]:
    """The Hackney chapter's chat on each platform."""
    return (
        await sc.group("hackney-tg", HACKNEY, platform="fake"),
        await sc.group("hackney-room", HACKNEY, platform="plain"),
    )


def last(sc: Scenario, chat: str, platform: str = "fake") -> Posted:
    return sc.messenger(platform).in_chat(chat)[-1]


def decision_posts(sc: Scenario, chat: str, platform: str = "fake") -> list[Posted]:
    return [p for p in sc.messenger(platform).in_chat(chat) if "🗳 Decision #" in p.text]


async def ballots(sc: Scenario) -> list[Ballot]:
    async with sc.app.db.sessions() as session:
        return list((await session.scalars(select(Ballot))).all())


async def test_majority_vote_from_two_platforms_one_tally(sc: Scenario) -> None:
    tg, room = await hackney(sc)
    alice = sc.person("alice")
    bob = sc.person("bob")
    carol = sc.person("carol", platform="plain")
    dan = sc.person("dan")
    await sc.enrol(alice, HACKNEY, Role.ORGANISER)
    for person in (bob, carol, dan):
        await sc.enrol(person, HACKNEY)

    await alice.says('/decide majority "Adopt the new charter?" --closes 48h', chat=tg)
    [on_tg] = decision_posts(sc, tg)
    [in_room] = decision_posts(sc, room, "plain")
    assert "Adopt the new charter?" in on_tg.text
    assert "Voted: 0 of 4 members (0%)." in on_tg.text
    assert on_tg.labels == ["Yes", "No", "Abstain"]
    # Without buttons the same choices are numbered.
    assert "1. Yes\n2. No\n3. Abstain" in in_room.text

    await bob.presses("Yes", chat=tg)
    assert sc.messenger("fake").acknowledged[-1][1].startswith("Your vote is recorded: Yes")
    [note] = await carol.says("2", chat=room)  # "No", by number, on the other platform
    assert (note.chat_id, note.text) == (carol.dm, "Your vote is recorded: No")
    await alice.presses("Yes", chat=tg)
    await bob.presses("No", chat=tg)  # changes his vote
    assert sc.messenger("fake").acknowledged[-1][1].startswith("Your vote is changed: No")

    assert len(await ballots(sc)) == 3
    await sc.advance(seconds=10)  # the live message is refreshed
    assert "Voted: 3 of 4 members (75%)." in on_tg.text
    assert "So far: Yes: 1  ·  No: 2  ·  Abstain: 0" in on_tg.text

    await sc.advance(hours=48)
    outcome_tg = last(sc, tg)
    outcome_room = last(sc, room, "plain")
    for outcome in (outcome_tg, outcome_room):
        assert outcome.text.startswith("🗳 Outcome of decision #1")
        assert "Turnout: 3 of 4" in outcome.text
    assert outcome_tg.message.image is not None
    assert outcome_tg.message.image.content.startswith(b"\x89PNG")
    assert on_tg.labels == []  # closed: no more buttons
    assert "Closed." in on_tg.text


async def test_outcome_in_each_chats_language(sc: Scenario) -> None:
    london = await sc.group("hackney-tg", HACKNEY)
    madrid = await sc.group("lavapies", "madrid-lavapies")
    ana = sc.person("ana", language_hint="es")
    ben = sc.person("ben")
    await sc.enrol(ana, "madrid-lavapies")
    await sc.enrol(ben, HACKNEY)
    await sc.enrol(sc.person("root"), "international", Role.ORGANISER)
    root = sc.person("root")
    await root.says(
        '/decide plurality "Where is the convention?" "Lisbon" "Athens" '
        "--branch international --subbranches --closes 1d"
    )
    [es] = sc.messenger().in_chat(madrid)
    assert es.text.startswith("🗳 Decisión #1")
    await ana.presses("2. Athens", chat=madrid)
    await ben.presses("2. Athens", chat=london)
    await sc.advance(days=1)
    assert "Athens" in last(sc, london).text
    assert last(sc, madrid).text.startswith("🗳 Resultado de la decisión #1")


async def test_secret_irv_in_private_ballots_with_receipts(sc: Scenario) -> None:
    tg, _room = await hackney(sc)
    alice, bob, carol = sc.person("alice"), sc.person("bob"), sc.person("carol")
    await sc.enrol(alice, HACKNEY, Role.ORGANISER)
    await sc.enrol(bob, HACKNEY)
    await sc.enrol(carol, HACKNEY)
    await alice.says('/decide irv "Who coordinates?" "Ana" "Ben" "Chloé" --secret --closes 2d', tg)
    [post] = decision_posts(sc, tg)
    assert post.labels == ["🗳 Vote privately"]
    assert "Secret ballot" in post.text

    async def rank(person, *names: str) -> str:
        await person.presses("🗳 Vote privately", chat=tg)
        for name in names:
            await person.presses(name)
        await person.presses("Done")
        review = last(sc, person.dm)
        assert "Cast it?" in review.text
        [receipt] = await person.presses("Confirm")
        assert "is recorded" in receipt.text
        return receipt.text.split("Receipt: ")[1][:9]

    receipt_b = await rank(bob, "Ben", "Chloé")
    await rank(carol, "Chloé", "Ben", "Ana")
    await rank(alice, "Ana", "Chloé")
    # A second ballot without the receipt is refused, not added.
    [refused] = await bob.presses("🗳 Vote privately", chat=tg)
    assert "already voted" in refused.text
    # Changing by the receipt's button replaces the ballot.
    await bob.presses("Change my vote")
    await bob.presses("Chloé")
    await bob.presses("Done")
    [changed] = await bob.presses("Confirm")
    assert "is changed" in changed.text and receipt_b in changed.text

    stored = await ballots(sc)
    assert len(stored) == 3
    assert all(b.voter_id is None for b in stored)
    async with sc.app.db.sessions() as session:
        columns = {
            c["name"]
            for c in await session.run_sync(
                lambda s: __import__("sqlalchemy").inspect(s.connection()).get_columns("ballots")
            )
        }
    assert not columns & {"member_id", "created_at", "cast_at", "rowid"}

    # Results stay hidden until close.
    await sc.advance(seconds=10)
    assert "So far" not in post.text
    await sc.advance(days=2)
    outcome = last(sc, tg)
    assert "Chloé" in outcome.text
    assert "/export 1" in outcome.text


async def test_deadline_passed_while_down_closes_on_start(sc: Scenario) -> None:
    tg, _room = await hackney(sc)
    alice = sc.person("alice")
    await sc.enrol(alice, HACKNEY, Role.ORGANISER)
    await alice.says('/decide majority "Join the coalition?" --closes 1h', chat=tg)
    await alice.presses("Yes", chat=tg)
    await sc.app.close()
    sc.clock.advance(hours=5)
    await sc.restart()  # start() runs what fell due
    assert last(sc, tg).text.startswith("🗳 Outcome of decision #1")
    async with sc.app.db.sessions() as session:
        decision = await session.get(Decision, 1)
        assert decision is not None and decision.status == "closed"
        assert decision.outcome is not None and decision.outcome["result"]["elected"] == ["yes"]


async def test_reminders_go_to_those_who_have_not_voted(sc: Scenario) -> None:
    tg, _room = await hackney(sc)
    alice, bob = sc.person("alice"), sc.person("bob", language_hint="de")
    await sc.enrol(alice, HACKNEY, Role.ORGANISER)
    await sc.enrol(bob, HACKNEY)
    await alice.says('/decide majority "New logo?" --closes 48h --remind 24', chat=tg)
    await alice.presses("Yes", chat=tg)
    await sc.advance(hours=24, seconds=1)
    [reminder] = sc.messenger("fake").in_chat(bob.dm)
    assert reminder.text.startswith("Erinnerung")
    assert reminder.labels == ["Ja", "Nein", "Enthaltung"]
    assert sc.messenger("fake").in_chat(alice.dm) == []
    await bob.presses("Ja")  # votes from the reminder
    assert len(await ballots(sc)) == 2


async def test_bad_votes_get_clear_answers_and_change_nothing(sc: Scenario) -> None:
    tg, _room = await hackney(sc)
    alice, bob, eve = sc.person("alice"), sc.person("bob"), sc.person("eve")
    await sc.enrol(alice, HACKNEY, Role.ORGANISER)
    await sc.enrol(bob, HACKNEY)
    await sc.enrol(eve, "madrid-lavapies")
    await alice.says('/decide irv "Pick one" "A" "B" "C" --closes 1d', chat=tg)
    [dup] = await bob.says("/vote 1 1 2", chat=tg)
    assert "You named option 1 twice" in dup.text
    [unknown] = await bob.says("/vote 4 1", chat=tg)
    assert "Option 4 does not exist: choose from 1 to 3." in unknown.text
    [outsider] = await eve.says("/vote #1 1 2", chat=tg)
    assert "not in the electorate" in outsider.text
    [forged] = await bob.presses_data("x" * 20 + "dk:1:012:-", chat=tg)
    assert "not valid" in forged.text
    assert await ballots(sc) == []
    [ok] = await bob.says("/vote 3 1")
    assert "1. C\n2. A" in ok.text
    await sc.advance(days=1)
    [late] = await bob.says("/vote #1 1")
    assert "closed" in late.text
    assert len(await ballots(sc)) == 1


async def test_only_organisers_open_decisions(sc: Scenario) -> None:
    glasgow = await sc.group("southside", "glasgow-southside")
    bob = sc.person("bob")
    await sc.enrol(bob, "glasgow-southside")
    [refused] = await bob.says('/decide majority "Anything?"', chat=glasgow)
    assert "Only organisers of" in refused.text
    # Hackney lets any member propose (organisation.toml: members_may_propose).
    tg, _room = await hackney(sc)
    carol = sc.person("carol")
    await sc.enrol(carol, HACKNEY)
    await carol.says('/decide majority "Picnic on Sunday?"', chat=tg)
    assert decision_posts(sc, tg)


async def test_consensus_block_needs_a_reason(sc: Scenario) -> None:
    tg, _room = await hackney(sc)
    alice, bob, carol = sc.person("alice"), sc.person("bob"), sc.person("carol")
    await sc.enrol(alice, HACKNEY, Role.ORGANISER)
    await sc.enrol(bob, HACKNEY)
    await sc.enrol(carol, HACKNEY)
    await alice.says('/decide consensus "Adopt the code of conduct?" --closes 1d', chat=tg)
    await alice.presses("Agree", chat=tg)
    await carol.presses("Stand aside", chat=tg)
    await bob.presses("Block", chat=tg)
    ask = last(sc, bob.dm)
    assert "A block needs a reason" in ask.text
    assert len(await ballots(sc)) == 2  # nothing recorded for the block yet
    [done] = await bob.says("It excludes members without internet access")
    assert "It excludes members without internet access" in done.text
    await sc.advance(days=1)
    outcome = last(sc, tg).text
    assert "It excludes members without internet access" in outcome


async def test_one_member_two_platforms_counts_once(sc: Scenario) -> None:
    tg, room = await hackney(sc)
    alice = sc.person("alice")
    member_id = await sc.enrol(alice, HACKNEY, Role.ORGANISER)
    alice_plain = sc.person("alice", platform="plain")
    await alice_plain.says("/help")  # first contact creates a separate member…
    async with sc.app.db.transaction() as session:  # …which linking merges (issue 4's /link)
        account = await session.scalar(
            select(PlatformAccount).where(PlatformAccount.platform == "plain")
        )
        assert account is not None
        account.member_id = member_id
    await alice.says('/decide plurality "Colour?" "Red" "Green" --closes 1d', chat=tg)
    await alice.presses("1. Red", chat=tg)
    await alice_plain.says("2", chat=room)
    stored = await ballots(sc)
    assert len(stored) == 1 and stored[0].content == {"choice": 1}
    async with sc.app.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(VoteRecord)) == 1


@pytest.mark.parametrize(
    ("line", "answers", "winner"),
    [
        ('majority "Adopt it?" --threshold two_thirds', ["yes", "abstain", "sí"], "yes"),
        ('plurality "Venue?" "Hall" "Park"', ["2", "2", "1"], "Park"),
        ('approval "Topics?" "Housing" "Climate" "Work" --max 2', ["1 2", "2", "2 3"], "Climate"),
        ('score "Rate" "A" "B" "C"', ["5 0 3", "4 1 5", "0 5 4"], "C"),
        ('irv "Who?" "Ana" "Ben" "Chloé"', ["1 2", "2 1", "1 3"], "Ana"),
        ('stv "Committee" "Ana" "Ben" "Chloé" "Dev" --seats 2', ["1 2", "1 3", "4 3"], "Ana"),
        ('schulze "Logo?" "Red" "Green" "Blue"', ["1 2 3", "2 1 3", "1 3 2"], "Red"),
        ('consensus "Code of conduct?"', ["1", "2", "1"], "agree"),
        ('time "When?" "Sat 10:00" "Sun 16:00"', ["y n", "? y", "n y"], "Sun 16:00"),
    ],
)
async def test_each_method_end_to_end(
    sc: Scenario, line: str, answers: list[str], winner: str
) -> None:
    """Open, vote from two platforms, remind, close by deadline, outcome in two languages."""
    london = await sc.group("hackney-tg", HACKNEY, platform="fake")
    madrid = await sc.group("lavapies-room", "madrid-lavapies", platform="plain")
    root = sc.person("root")
    await sc.enrol(root, "international", Role.ORGANISER)
    alice, bob = sc.person("alice"), sc.person("bob")
    carol = sc.person("carol", platform="plain", language_hint="es")
    await sc.enrol(alice, HACKNEY)
    await sc.enrol(bob, HACKNEY)
    await sc.enrol(carol, "madrid-lavapies")
    await root.says(f"/decide {line} --branch international --subbranches --closes 1d --remind 12")
    assert sc.messenger("fake").in_chat(london) and sc.messenger("plain").in_chat(madrid)
    # The text form, from each member's DM: the same validation as the buttons.
    for person, answer in zip((alice, bob, carol), answers, strict=True):
        [receipt] = await person.says(f"/vote {answer}")
        assert receipt.chat_id == person.dm
        assert "#1" in receipt.text, receipt.text
    await sc.advance(hours=12, seconds=1)
    [reminder] = sc.messenger("fake").in_chat(root.dm)[-1:]
    assert reminder.text.startswith("Reminder: you have not voted yet in decision #1")
    assert all(
        not p.text.startswith("Reminder") for p in sc.messenger("fake").in_chat(alice.dm)[1:]
    )
    await sc.advance(hours=12)
    english = last(sc, london).text
    spanish = last(sc, madrid, "plain").text
    assert english.startswith("🗳 Outcome of decision #1")
    assert spanish.startswith("🗳 Resultado de la decisión #1")
    async with sc.app.db.sessions() as session:
        decision = await session.get(Decision, 1)
        assert decision is not None and decision.outcome is not None
        assert winner in decision.outcome["result"]["elected"]
    if winner not in ("yes", "agree"):
        assert winner in english and winner in spanish


async def test_sqlite_ballots_table_has_no_rowid(sqlite_scenario: Scenario) -> None:
    async with sqlite_scenario.app.db.sessions() as session:
        with pytest.raises(Exception, match="rowid"):
            await session.execute(text("SELECT rowid FROM ballots"))


async def link_second_account(sc: Scenario, name: str, member_id: int) -> None:
    """Gives a member an account on the "plain" platform too (what issue 4's /link does)."""
    await sc.person(name, platform="plain").says("/help")
    async with sc.app.db.transaction() as session:
        account = await session.scalar(
            select(PlatformAccount).where(
                PlatformAccount.platform == "plain", PlatformAccount.external_id == name
            )
        )
        assert account is not None
        account.member_id = member_id


async def test_simultaneous_presses_on_two_platforms_leave_one_ballot(sc: Scenario) -> None:
    import asyncio

    from core.messaging.inbound import ButtonPressed, ChatKind, ChatRef, Sender

    tg, room = await hackney(sc)
    alice = sc.person("alice")
    member_id = await sc.enrol(alice, HACKNEY, Role.ORGANISER)
    await link_second_account(sc, "alice", member_id)
    await alice.says('/decide majority "Strike on Friday?" --closes 1d', chat=tg)
    [post] = decision_posts(sc, tg)
    yes, no = post.message.buttons[0][0].action, post.message.buttons[0][1].action

    def press(platform: str, chat: str, data: str, update: str) -> ButtonPressed:
        return ButtonPressed(
            platform=platform,
            sender=Sender("alice", "Alice"),
            chat=ChatRef(chat, ChatKind.GROUP, chat),
            update_id=update,
            data=data,
        )

    for round_ in range(5):
        await asyncio.gather(
            sc.app.handle(press("fake", tg, yes, f"a{round_}")),
            sc.app.handle(press("plain", room, no, f"b{round_}")),
        )
        stored = await ballots(sc)
        assert len(stored) == 1
        assert stored[0].content["answer"] in ("yes", "no")
    async with sc.app.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(VoteRecord)) == 1


async def test_simultaneous_secret_ballots_of_one_member_count_once(sc: Scenario) -> None:
    import asyncio

    tg, _room = await hackney(sc)
    alice = sc.person("alice")
    member_id = await sc.enrol(alice, HACKNEY, Role.ORGANISER)
    await link_second_account(sc, "alice", member_id)
    await alice.says('/decide plurality "Venue?" "Hall" "Park" --secret --closes 1d', chat=tg)
    alice_plain = sc.person("alice", platform="plain")
    replies = await asyncio.gather(alice.says("/vote #1 1"), alice_plain.says("/vote #1 2"))
    texts = [p.text for batch in replies for p in batch]
    assert sum("is recorded" in t for t in texts) == 1
    assert sum("already voted" in t for t in texts) == 1
    assert len(await ballots(sc)) == 1


async def test_quorum_and_proportional_weights(sqlite_scenario: Scenario) -> None:
    sc = sqlite_scenario
    london = await sc.group("london-chat", "london")
    org = sc.person("org")
    await sc.enrol(org, "london", Role.ORGANISER)
    hackney_people = [sc.person(f"h{i}") for i in range(2)]
    brixton_people = [sc.person(f"b{i}") for i in range(3)]
    for person in hackney_people:
        await sc.enrol(person, HACKNEY)
    for person in brixton_people:
        await sc.enrol(person, "london-brixton")
    # Hackney is affected: its members weigh 1, the rest of London ½ (the organiser too).
    await org.says(
        '/decide majority "Move the Hackney office?" --affected london-hackney --others 1/2 '
        "--quorum 60% --closes 1d",
        chat=london,
    )
    [post] = decision_posts(sc, london)
    assert "Quorum: 60% of the electorate must take part." in post.text
    assert "Weights: members of London – Hackney count 1, the rest of London 1/2." in post.text
    for person in hackney_people:
        await person.presses("Yes", chat=london)
    for person in brixton_people:
        await person.presses("No", chat=london)
    await sc.advance(days=1)
    async with sc.app.db.sessions() as session:
        decision = await session.get(Decision, 1)
        assert decision is not None and decision.outcome is not None
        # yes 2 × 1 = 2, no 3 × ½ = 3/2: passes; turnout 7/2 of 4 = 87.5 % ≥ 60 %.
        assert decision.outcome["electorate"] == "4"
        assert decision.outcome["voted"] == "7/2"
        assert decision.outcome["quorum_met"] is True
        assert decision.outcome["result"]["elected"] == ["yes"]
    assert "the rest of London 1/2" in last(sc, london).text


async def test_quorum_not_met_is_said(sqlite_scenario: Scenario) -> None:
    sc = sqlite_scenario
    tg = await sc.group("hackney-tg", HACKNEY)
    alice = sc.person("alice")
    await sc.enrol(alice, HACKNEY, Role.ORGANISER)
    for name in ("b", "c", "d"):
        await sc.enrol(sc.person(name), HACKNEY)
    await alice.says('/decide majority "Budget?" --quorum 1/2 --closes 1d', chat=tg)
    await alice.presses("Yes", chat=tg)
    await sc.advance(days=1)
    async with sc.app.db.sessions() as session:
        decision = await session.get(Decision, 1)
        assert decision is not None and decision.outcome is not None
        assert decision.outcome["quorum_met"] is False
    assert "quorum" in last(sc, tg).text.lower()


async def test_organisers_extend_cancel_and_close_early(sqlite_scenario: Scenario) -> None:
    sc = sqlite_scenario
    tg = await sc.group("hackney-tg", HACKNEY)
    alice, bob = sc.person("alice"), sc.person("bob")
    await sc.enrol(alice, HACKNEY, Role.ORGANISER)
    await sc.enrol(bob, HACKNEY)
    await alice.says('/decide majority "A?" --closes 1h', chat=tg)
    [refused] = await bob.says("/close #1", chat=tg)
    assert "Only organisers" in refused.text
    [extended] = await alice.says("/extend #1 2h", chat=tg)
    assert "now closes" in extended.text
    await sc.advance(hours=1, minutes=30)  # the old deadline passes: still open
    [vote] = await bob.says("/vote #1 yes")
    assert "is recorded" in vote.text
    await alice.says("/close #1", chat=tg)
    assert last(sc, tg).text.startswith("🗳 Outcome of decision #1")
    await sc.advance(hours=2)  # the extended deadline finds it closed: nothing more
    assert sum("Outcome of decision #1" in p.text for p in sc.messenger("fake").in_chat(tg)) == 1
    await alice.says('/decide majority "B?" --closes 1h', chat=tg)
    [cancelled] = await alice.says("/cancel #2", chat=tg)
    assert "cancelled" in cancelled.text
    [late] = await bob.says("/vote #2 yes")
    assert "cancelled" in late.text


async def test_scheduled_opening_snapshots_the_electorate_then(sqlite_scenario: Scenario) -> None:
    sc = sqlite_scenario
    tg = await sc.group("hackney-tg", HACKNEY)
    alice, late_joiner = sc.person("alice"), sc.person("zoe")
    await sc.enrol(alice, HACKNEY, Role.ORGANISER)
    [scheduled] = await alice.says('/decide majority "C?" --opens 2h --closes 1d', chat=tg)
    assert "will open" in scheduled.text
    assert decision_posts(sc, tg) == []
    await sc.enrol(late_joiner, HACKNEY)  # joins before the opening: may vote
    await sc.advance(hours=2)
    [post] = decision_posts(sc, tg)
    assert "Voted: 0 of 2 members" in post.text


async def test_export_publishes_anonymised_ballots_after_close(sqlite_scenario: Scenario) -> None:
    import json

    sc = sqlite_scenario
    tg = await sc.group("hackney-tg", HACKNEY)
    alice, bob = sc.person("alice"), sc.person("bob")
    await sc.enrol(alice, HACKNEY, Role.ORGANISER)
    await sc.enrol(bob, HACKNEY)
    await alice.says('/decide irv "Who?" "Ana" "Ben" "Chloé" --secret --closes 1d', chat=tg)
    [receipt] = await bob.says("/vote #1 2 3")
    code = receipt.text.split("Receipt: ")[1][:9]
    [early] = await bob.says("/export 1")
    assert "published when it closes" in early.text
    await alice.says("/vote #1 1")
    await sc.advance(days=1)
    sent = await bob.says("/export 1")
    files = {p.message.file.filename: p.message.file.content for p in sent if p.message.file}
    assert set(files) == {"decision-1.json", "decision-1.csv", "decision-1.blt"}
    exported = json.loads(files["decision-1.json"])
    assert exported["method"] == "irv"
    receipts = {b["receipt"] for b in exported["ballots"]}
    assert code.replace("-", "") in receipts
    assert any(b["ranking"] == ["Ben", "Chloé"] for b in exported["ballots"])
    blt = files["decision-1.blt"].decode()
    assert blt.startswith("3 1\n")


async def test_recall_petition_opens_a_vote_that_withdraws_the_role(
    sqlite_scenario: Scenario,
) -> None:
    from core.members.service import has_role

    sc = sqlite_scenario
    tg = await sc.group("hackney-tg", HACKNEY)
    dele = sc.person("dele", display_name="Dele")
    dele_id = await sc.enrol(dele, HACKNEY, Role.ORGANISER)
    members = [sc.person(f"m{i}") for i in range(4)]
    for person in members:
        await sc.enrol(person, HACKNEY)
    # 5 members, share 1/5: one signature opens the vote.
    [choose] = await members[0].says("/recall", chat=tg)
    assert choose.labels == ["Dele"]
    await members[0].presses("Dele", chat=tg)
    [vote_post] = decision_posts(sc, tg)
    assert "Recall Dele as organiser of London – Hackney?" in vote_post.text
    for person in members:
        await person.presses("Yes", chat=tg)
    await sc.advance(days=7)
    assert "Dele is recalled" in last(sc, tg).text
    async with sc.app.db.sessions() as session:
        branch_id = (await session.get(Decision, 1)).branch_id  # type: ignore[union-attr]
        assert not await has_role(session, dele_id, Role.ORGANISER, branch_id)
    # The audit log keeps the recall, made by the vote rather than by a person.
    [roles_reply] = await members[0].says("/roles", chat=tg)
    assert roles_reply.text == "You can't use /roles here."  # only organisers read the log
    organiser = sc.person("olga")
    await sc.enrol(organiser, HACKNEY, Role.ORGANISER)
    [log] = await organiser.says("/roles", chat=tg)
    assert "the bot revoked organiser from Dele in London – Hackney" in log.text


async def test_stv_by_meeks_method_when_asked(sqlite_scenario: Scenario) -> None:
    sc = sqlite_scenario
    tg = await sc.group("hackney-tg", HACKNEY)
    people = [sc.person(n) for n in ("alice", "bob", "carol", "dan")]
    await sc.enrol(people[0], HACKNEY, Role.ORGANISER)
    for person in people[1:]:
        await sc.enrol(person, HACKNEY)
    [bad] = await people[0].says('/decide stv "C" "A" "B" "C" --rules gregory', chat=tg)
    assert bad.text == "The STV rules are scottish or meek."
    await people[0].says(
        '/decide stv "Committee" "Ana" "Ben" "Chloé" --seats 2 --rules meek --closes 1d', chat=tg
    )
    [post] = decision_posts(sc, tg)
    assert "single transferable vote, Meek's method, 2 seats" in post.text
    for person, answer in zip(people, ["1 2", "1 3", "1 2", "3 2"], strict=True):
        await person.says(f"/vote {answer}")
    await sc.advance(days=1)
    async with sc.app.db.sessions() as session:
        decision = await session.get(Decision, 1)
        assert decision is not None and decision.outcome is not None
        assert decision.outcome["result"]["elected"][0] == "Ana"
        assert len(decision.outcome["result"]["elected"]) == 2
