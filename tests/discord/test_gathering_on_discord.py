"""A gathering on Discord: the slash command, the server's scheduled event that mirrors it,
changes and a cancellation that follow, and an answer by button confirmed ephemerally.

The scheduled event is read from simcord's state (what Discord holds, what members see in
the server's Events); every request the bot made is checked against Discord's OpenAPI
description.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import discord
from simcord.backend.models import ScheduledEvent

from core.members.models import Role
from core.messaging.inbound import ChatKind, ChatRef
from tests.discord.harness import World, world
from tests.discord.test_discord_decisions import labels

# The core's fake clock starts on 22 November 2026: the gathering is two weeks on. London is
# on GMT in December, so 11:00 there is 11:00 UTC.
WELCOME = (
    '"Welcome event" 2026-12-06 11:00 Europe/London @ "Firebox café, London" '
    "--online https://meet.example/welcome"
)
BUTTONS = ["✅ Going", "🤔 Maybe", "❌ Can't", "📆 Add to my calendar"]
NNBSP, THIN = "\u202f", "\u2009"  # Babel's spaces in "11:00 AM" and in "11:00 – 1:00"
EXTERNAL, SCHEDULED, CANCELLED = 3, 1, 4  # Discord's entity type and statuses


def scheduled_events(w: World) -> list[ScheduledEvent]:
    """The server's scheduled events, as Discord holds them."""
    return list(w.env.backend.get_guild(w.guild.id).scheduled_events.values())


def at(iso: str) -> datetime:
    moment = datetime.fromisoformat(iso)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def message(w: World, message_id: int) -> discord.Message:
    """A message of #hackney as it stands now (after edits)."""
    [found] = [m for m in w.hackney.history() if m.id == message_id]
    return found


def last(w: World) -> discord.Message:
    """The newest message in #hackney."""
    found = w.hackney.last_message
    assert found is not None
    return found


def dm_texts(actor: object) -> list[str]:
    channel = actor.user.dm_channel  # type: ignore[attr-defined]
    return [] if channel is None else [m.content for m in channel.history()]


async def test_announced_mirrored_answered_moved_and_cancelled(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        alice = await w.member("alice", Role.ORGANISER)
        bob, carol = await w.member("bob"), await w.member("carol")

        opened = await alice.slash(w.hackney, "gathering", details=WELCOME)
        assert opened.deferred and opened.ephemeral
        assert opened.followups == []  # announced where she asked: nothing more to say
        post = last(w)
        assert post.content == (
            "📅 Welcome event\n\n"
            f"🕒 Sun, Dec 6, 2026, 11:00{NNBSP}AM{THIN}–{THIN}1:00{NNBSP}PM (Europe/London)\n"
            "📍 Firebox café, London\n"
            "💻 Online: https://meet.example/welcome\n"
            "👥 Going: 0 · Maybe: 0\n"
            "Gathering #1 of London – Hackney"
        )
        assert labels(post) == BUTTONS

        # Mirrored as the server's own scheduled event: a place, not a voice channel.
        [event] = scheduled_events(w)
        assert event.name == "Welcome event"
        assert event.entity_type == EXTERNAL and event.status == SCHEDULED
        assert event.entity_metadata == {"location": "Firebox café, London"}
        assert at(event.scheduled_start_time) == datetime(2026, 12, 6, 11, 0, tzinfo=UTC)
        assert event.scheduled_end_time is not None
        assert at(event.scheduled_end_time) == datetime(2026, 12, 6, 13, 0, tzinfo=UTC)
        assert event.description == "💻 Online: https://meet.example/welcome"
        # discord.py's own view of the server agrees (the gateway told it).
        guild = w.bot.get_guild(w.guild.id)
        assert guild is not None
        [seen] = guild.scheduled_events
        assert (seen.id, seen.location) == (event.id, "Firebox café, London")

        # An answer by button: deferred, then confirmed to the presser alone.
        going = await bob.click(post, label="✅ Going")
        assert going.deferred
        [note] = going.followups
        assert note.ephemeral
        assert note.content == f"You are going to Welcome event (Sun, Dec 6, 2026, 11:00{NNBSP}AM)."
        maybe = await carol.click(post, label="🤔 Maybe")
        [note] = maybe.followups
        assert note.ephemeral and note.content.startswith("You might come to Welcome event")
        assert last(w).id == post.id  # nothing said in public
        w.clock.advance(seconds=10)
        await w.app.scheduler.run_due()
        await w.env.settle()
        post = message(w, post.id)
        assert "👥 Going: 1 · Maybe: 1\n" in post.content

        # A new place: the same scheduled event follows; those who answered are told.
        edited = await alice.slash(
            w.hackney, "gathering_edit", details='1 place "Hackney Library, Mare Street"'
        )
        assert edited.deferred and edited.ephemeral
        [event] = scheduled_events(w)
        assert event.entity_metadata == {"location": "Hackney Library, Mare Street"}
        assert event.status == SCHEDULED and event.name == "Welcome event"
        assert at(event.scheduled_start_time) == datetime(2026, 12, 6, 11, 0, tzinfo=UTC)
        changed = (
            "📣 Welcome event: the place has changed.\n"
            f"🕒 Sun, Dec 6, 2026, 11:00{NNBSP}AM{THIN}–{THIN}1:00{NNBSP}PM (Europe/London)\n"
            "📍 Hackney Library, Mare Street\n"
            "💻 Online: https://meet.example/welcome\n"
            "Gathering #1"
        )
        assert dm_texts(bob)[-1] == changed and dm_texts(carol)[-1] == changed
        # The channel is told too, then the organiser's change is confirmed there.
        assert [m.content for m in w.hackney.history()][-2:] == [
            changed,
            "Gathering #1 is changed.",
        ]
        announcement = message(w, post.id)
        assert "📍 Hackney Library, Mare Street\n" in announcement.content

        # Cancelled: the scheduled event is cancelled, the announcement keeps only the
        # calendar button, and those who answered hear it.
        cancelled = await alice.slash(w.hackney, "gathering_edit", details="1 cancel")
        assert cancelled.deferred
        assert last(w).content == "Gathering #1 is cancelled."
        [event] = scheduled_events(w)
        assert event.status == CANCELLED
        assert event.entity_metadata == {"location": "Hackney Library, Mare Street"}
        assert dm_texts(bob)[-1] == "📣 Welcome event: it is cancelled.\nGathering #1"
        announcement = message(w, post.id)
        assert announcement.content.startswith("📅 Welcome event\n❌ Cancelled.\n")
        assert labels(announcement) == ["📆 Add to my calendar"]
        guild = w.bot.get_guild(w.guild.id)
        assert guild is not None
        [seen] = guild.scheduled_events
        assert seen.status is discord.EventStatus.cancelled

        assert w.problems() == [], "\n".join(map(str, w.problems()))


async def test_a_gathering_with_no_place_is_mirrored_and_moved(tmp_path: Path) -> None:
    # Discord refuses an external event without a location (1–100 characters): a meeting
    # with neither place nor link shows the channel it was announced in.
    async with world(tmp_path) as w:
        alice = await w.member("alice", Role.ORGANISER)
        await alice.slash(w.hackney, "gathering", details='"Chapter meeting" 2026-12-06 18:30')
        [event] = scheduled_events(w)
        assert event.name == "Chapter meeting"
        assert event.entity_metadata == {"location": "#hackney"}
        await alice.slash(w.hackney, "gathering_edit", details="1 online https://meet.example/c")
        [event] = scheduled_events(w)
        assert event.entity_metadata == {"location": "https://meet.example/c"}
        await alice.slash(w.hackney, "gathering_edit", details="1 online none")
        await alice.slash(w.hackney, "gathering_edit", details="1 time 2026-12-08 19:00")
        [event] = scheduled_events(w)
        assert event.entity_metadata == {"location": "#hackney"}
        assert at(event.scheduled_start_time) == datetime(2026, 12, 8, 19, 0, tzinfo=UTC)
        assert event.scheduled_end_time is not None
        assert at(event.scheduled_end_time) == datetime(2026, 12, 8, 21, 0, tzinfo=UTC)
        assert last(w).content == "Gathering #1 is changed."
        assert w.problems() == [], "\n".join(map(str, w.problems()))


def event_requests(w: World) -> list[str]:
    """The bot's requests that created or changed the server's scheduled events."""
    return [
        request.method
        for request in w.env.http_requests
        if request.method in ("POST", "PATCH") and "/scheduled-events" in request.path
    ]


async def test_two_linked_channels_of_one_server_share_one_scheduled_event(
    tmp_path: Path,
) -> None:
    # The core mirrors a gathering once per linked chat; a server with two channels of
    # London – Hackney still gets one scheduled event, changed once per change.
    async with world(tmp_path) as w:
        events = w.guild.create_text_channel("hackney-events")
        ref = ChatRef(str(events.id), ChatKind.GROUP, events.name)
        assert await w.app.link_chat("discord", ref, "london-hackney")
        alice = await w.member("alice", Role.ORGANISER)

        await alice.slash(w.hackney, "gathering", details=WELCOME)
        assert last(w).content.startswith("📅 Welcome event")
        assert events.last_message is not None  # announced in both channels
        assert events.last_message.content.startswith("📅 Welcome event")
        [event] = scheduled_events(w)
        assert event.name == "Welcome event" and event.status == SCHEDULED
        assert event_requests(w) == ["POST"]

        await alice.slash(
            w.hackney, "gathering_edit", details='1 place "Hackney Library, Mare Street"'
        )
        [event] = scheduled_events(w)
        assert event.entity_metadata == {"location": "Hackney Library, Mare Street"}
        assert event_requests(w) == ["POST", "PATCH"]

        # After a restart the mapping is still known: still the same event, once.
        await w.restart()
        await alice.slash(w.hackney, "gathering_edit", details="1 time 2026-12-08 19:00")
        [event] = scheduled_events(w)
        assert at(event.scheduled_start_time) == datetime(2026, 12, 8, 19, 0, tzinfo=UTC)
        assert event_requests(w) == ["POST", "PATCH", "PATCH"]

        await alice.slash(w.hackney, "gathering_edit", details="1 cancel")
        [event] = scheduled_events(w)
        assert event.status == CANCELLED
        assert event_requests(w) == ["POST", "PATCH", "PATCH", "PATCH"]
        assert w.problems() == [], "\n".join(map(str, w.problems()))
