"""Scheduled events mirrored from gatherings, and members whose DMs are closed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import discord

from core.members.models import Role
from core.messaging.outbound import NativeEvent
from core.messaging.outbox import Delivery, OutgoingMessage, posted_messages
from tests.discord.harness import world
from tests.discord.test_discord_decisions import labels


async def test_a_gathering_is_mirrored_as_a_scheduled_event(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        start = w.env.now() + timedelta(days=3)
        event = NativeEvent(
            key="gathering:1:0",
            title="Hackney monthly meeting",
            description="Agenda: the housing campaign.",
            start=start,
            end=start + timedelta(hours=2),
            location="Hackney Library, Mare Street",
        )
        # Through the core, as the gatherings capability will (its id is recorded).
        await w.app.deliver(
            [
                Delivery(
                    "discord",
                    OutgoingMessage(""),
                    chat_id=str(w.hackney.id),
                    tag="gathering:1",
                    language="en",
                    event=event,
                )
            ]
        )
        async with w.app.db.sessions() as session:
            [posted] = await posted_messages(session, "gathering:1")
        guild = w.bot.get_guild(w.guild.id)
        assert guild is not None
        [scheduled] = guild.scheduled_events
        assert str(scheduled.id) == posted.message_id
        assert scheduled.name == "Hackney monthly meeting"
        assert scheduled.location == "Hackney Library, Mare Street"
        assert scheduled.entity_type is discord.EntityType.external
        assert scheduled.start_time == start and scheduled.end_time == start + timedelta(hours=2)

        # Moved by an hour, then cancelled: the same scheduled event follows.
        moved = NativeEvent(**{**event.__dict__, "start": start + timedelta(hours=1)})
        moved = NativeEvent(**{**moved.__dict__, "end": start + timedelta(hours=3)})
        same = await w.bot.messenger.mirror_event(str(w.hackney.id), moved, posted.message_id)
        assert same == posted.message_id
        await w.env.settle()
        [scheduled] = guild.scheduled_events
        assert scheduled.start_time == start + timedelta(hours=1)
        cancelled = NativeEvent(**{**moved.__dict__, "cancelled": True})
        await w.bot.messenger.mirror_event(str(w.hackney.id), cancelled, posted.message_id)
        await w.env.settle()
        fetched = await guild.fetch_scheduled_event(int(posted.message_id))
        assert fetched.status is discord.EventStatus.cancelled
        assert w.problems() == [], "\n".join(map(str, w.problems()))


async def test_closed_dms_show_the_ballot_to_the_voter_alone_in_the_channel(
    tmp_path: Path,
) -> None:
    async with world(tmp_path) as w:
        alice = await w.member("alice", Role.ORGANISER)
        erin = await w.member("erin")
        dm_channel = erin.user.dm_channel
        w.env.inject_error(
            "POST",
            f"/channels/{dm_channel.id}/messages",
            status=403,
            code=50007,
            message="Cannot send messages to this user",
            times=None,
        )
        await alice.slash(
            w.hackney, "decide", details='irv "Who coordinates?" "Ana" "Ben" "Chloé" --secret'
        )
        post = w.hackney.last_message
        assert post is not None
        pressed = await erin.click(post, label="🗳 Vote privately")
        note, ballot = pressed.followups
        assert note.ephemeral and ballot.ephemeral
        assert note.content.startswith("I can't send you a private message")
        assert "Who coordinates?" in ballot.content
        assert {"Ana", "Ben", "Chloé"} <= set(labels(ballot.message))
        # Nothing private was posted for everyone: the channel still ends with the decision.
        assert w.hackney.last_message.id == post.id
        # The steps work there too: a pick answers ephemerally again.
        step = await erin.click(ballot.message, label="Ben")
        assert any("Ben" in f.content for f in step.followups)

        # Joining the server (no interaction to answer privately): a note, in public.
        finn = w.env.create_user("finn", global_name="Finn")
        w.env.inject_error(
            "POST",
            f"/channels/{finn.dm_channel.id}/messages",
            status=403,
            code=50007,
            message="Cannot send messages to this user",
            times=None,
        )
        w.guild.add_member(finn)
        await w.env.settle()
        said = [m.content for m in w.lobby.history()]
        assert said[-1].startswith("Finn, I can't send you a private message: your direct")
        # Not "Welcome, Finn! I have sent you a private message…": it would not be true.
        assert not any(text.startswith("Welcome, Finn!") for text in said)
        assert w.problems() == [], "\n".join(map(str, w.problems()))
