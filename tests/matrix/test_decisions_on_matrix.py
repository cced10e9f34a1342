"""A decision in a Matrix room: numbered replies, keycap reactions and native poll answers
all count, once each, in the one tally; the poll is ended with the outcome."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.decisions.models import Ballot
from tests.matrix.harness import Bot, Seen
from tests.matrix.rooms import chapter_room, said_by
from tests.services.synapse import SynapseServer

pytestmark = pytest.mark.synapse

POLL_START = "org.matrix.msc3381.poll.start"
POLL_END = "org.matrix.msc3381.poll.end"


async def test_number_reaction_and_poll_answer_are_one_tally(
    synapse: SynapseServer, bot: Bot
) -> None:
    hackney = await chapter_room(synapse, bot, ["Alice", "Bob", "Carol"])
    room, olga = hackney.room_id, hackney.organiser
    alice, bob, carol = hackney.members

    await olga.say(room, '!decide plurality "Where do we meet?" "Library" "Café" "Park"')
    decision = await olga.wait_for(said_by(bot, room, "🗳 Decision #1"), "the decision")
    assert "Where do we meet?" in decision.body
    assert "1. 1. Library\n2. 2. Café\n3. 3. Park\nReply with the number" in decision.body
    poll = await olga.wait_for(
        lambda s: s.room_id == room and s.type == POLL_START, "the native poll"
    )
    start = poll.content[POLL_START]
    assert start["question"]["body"] == "Where do we meet?"
    assert start["kind"] == "org.matrix.msc3381.poll.disclosed"
    assert start["max_selections"] == 1
    labels = [a["org.matrix.msc1767.text"] for a in start["answers"]]
    assert labels == ["1. Library", "2. Café", "3. Park"]
    assert [a["m.text"][0]["body"] for a in poll.content["m.poll"]["answers"]] == labels
    ids = [a["id"] for a in start["answers"]]

    await alice.say(room, "2")  # a numbered reply: Café
    await bob.react(room, decision.event_id, "1\ufe0f\u20e3")  # a reaction: Library
    await carol.answer_poll(room, poll.event_id, [ids[2]])  # the poll: Park
    await carol.answer_poll(room, poll.event_id, [ids[0]])  # … changed to Library

    # Each voter hears privately that their vote counts, in a direct room the bot opens.
    for voter, ballot in ((alice, "Café"), (bob, "Library")):
        direct = await voter.wait_for_invite()
        await voter.join(direct)
        note = await voter.wait_for(said_by(bot, direct), "the vote's confirmation")
        assert note.body == f"Your vote is recorded: {ballot}"
    direct = await carol.wait_for_invite()
    await carol.join(direct)
    await carol.wait_for(said_by(bot, direct, "Your vote is changed: Library"), "the change")

    await olga.say(room, "!close 1")
    outcome = await olga.wait_for(said_by(bot, room, "🗳 Outcome of decision #1"), "outcome")
    assert "Winner: Library" in outcome.body
    assert "Turnout: 3 of 4" in outcome.body
    ended = await olga.wait_for(lambda s: s.room_id == room and s.type == POLL_END, "poll end")
    assert ended.content["m.relates_to"] == {"rel_type": "m.reference", "event_id": poll.event_id}
    assert ended.content["body"].startswith("🗳 Outcome of decision #1")
    assert "Winner: Library" in ended.content["body"]

    def closed_edit(seen: Seen) -> bool:
        new = seen.content.get("m.new_content", {})
        return (
            seen.room_id == room
            and seen.content.get("m.relates_to", {}).get("event_id") == decision.event_id
            and "Closed. The outcome is posted below." in new.get("body", "")
        )

    await olga.wait_for(closed_edit, "the decision message edited to closed")
    async with bot.app.db.sessions() as session:
        ballots = await session.scalar(select(func.count()).select_from(Ballot))
    assert ballots == 3
