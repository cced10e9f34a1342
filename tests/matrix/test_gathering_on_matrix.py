"""A gathering in a Matrix room: announced with its numbered answers, answered by number and
by keycap reaction (each confirmed in a direct room), and reminded in the room and directly,
as the members' own nio clients receive it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from core.scheduling.clock import OffsetClock
from tests.matrix.harness import Bot, Seen
from tests.matrix.rooms import chapter_room, said_by
from tests.services.synapse import SynapseServer

pytestmark = pytest.mark.synapse

# The bot's clock is the machine's, moved forward by hand: it is set to 22 November two
# years on, and the gathering is on 6 December, two weeks later. London is on GMT in
# December: 11:00 there is 11:00 UTC, and 8:00 in São Paulo.
YEAR = datetime.now(UTC).year + 2
NOW = datetime(YEAR, 11, 22, 9, 0, tzinfo=UTC)
WEEKDAY = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[date(YEAR, 12, 6).weekday()]
DAY = f"{WEEKDAY}, Dec 6, {YEAR}"  # Babel's English "yMMMEd"
NNBSP, THIN = "\u202f", "\u2009"  # Babel's spaces in "11:00 AM" and in "11:00 – 1:00"
ANSWERS = "1. ✅ Going\n2. 🤔 Maybe\n3. ❌ Can't\n4. 📆 Add to my calendar"
LONDON = f"🕒 {DAY}, 11:00{NNBSP}AM{THIN}–{THIN}1:00{NNBSP}PM (Europe/London)"
NOTES = "📍 Firebox café, London\nGathering #1 of London – Hackney"


def clock(bot: Bot) -> OffsetClock:
    moved = bot.app.clock
    assert isinstance(moved, OffsetClock)
    return moved


async def later(bot: Bot, **delta: float) -> None:
    """Moves the bot's clock and runs the jobs that fell due (as its scheduler would)."""
    clock(bot).advance(timedelta(**delta))
    await bot.app.scheduler.run_due()


def edit_of(room: str, event_id: str, contains: str) -> Callable[[Seen], bool]:
    """Checks for an edit of ``event_id`` whose new text contains ``contains``."""

    def check(seen: Seen) -> bool:
        new = seen.content.get("m.new_content", {})
        return (
            seen.room_id == room
            and seen.content.get("m.relates_to", {}).get("event_id") == event_id
            and contains in new.get("body", "")
        )

    return check


async def test_answered_by_number_and_reaction_and_reminded_in_the_room_and_directly(
    synapse: SynapseServer, bot: Bot
) -> None:
    clock(bot).advance(NOW - clock(bot).now())
    hackney = await chapter_room(synapse, bot, ["Bob", "Lia", "Carol"])
    room, olga = hackney.room_id, hackney.organiser
    bob, lia, carol = hackney.members

    await olga.say(
        room,
        f'!gathering "Welcome event" {YEAR}-12-06 11:00 Europe/London @ "Firebox café, London"',
    )
    announced = await olga.wait_for(said_by(bot, room, "📅 Welcome event"), "the announcement")
    assert announced.body == (
        "📅 Welcome event\n\n"
        f"{LONDON}\n"
        "📍 Firebox café, London\n"
        "👥 Going: 0 · Maybe: 0\n"
        "Gathering #1 of London – Hackney\n\n"
        f"{ANSWERS}\n"
        "Reply with the number of your choice."
    )

    # Bob replies with the number, Lia reacts with a keycap: each is confirmed privately,
    # in a direct room the bot opens; Carol can't come.
    await bob.say(room, "1")
    await lia.react(room, announced.event_id, "2\ufe0f\u20e3")
    await carol.say(room, "3")
    directs = {}
    for person, note in (
        (bob, f"You are going to Welcome event ({DAY}, 11:00{NNBSP}AM)."),
        (lia, f"You might come to Welcome event ({DAY}, 11:00{NNBSP}AM)."),
        (carol, f"You can't come to Welcome event ({DAY}, 11:00{NNBSP}AM). Thanks for saying."),
    ):
        direct = await person.wait_for_invite()
        await person.join(direct)
        confirmed = await person.wait_for(said_by(bot, direct), "the confirmation")
        assert confirmed.body == note
        directs[person.user_id] = direct

    # The announcement is edited with the counts.
    await later(bot, seconds=10)
    await olga.wait_for(edit_of(room, announced.event_id, "👥 Going: 1 · Maybe: 1\n"), "the counts")

    # Lia lives in São Paulo: she says so in her profile, in her direct room.
    lia_dm = directs[lia.user_id]
    await lia.say(lia_dm, "!profile")
    profile = await lia.wait_for(said_by(bot, lia_dm, "Your profile"), "her profile")
    [zone_choice] = [
        line.split(".")[0] for line in profile.body.splitlines() if line.endswith(". Time zone")
    ]
    await lia.say(lia_dm, zone_choice)
    await lia.wait_for(said_by(bot, lia_dm, "Which time zone are you in?"), "the question")
    await lia.say(lia_dm, "America/Sao_Paulo")
    await lia.wait_for(
        said_by(bot, lia_dm, "Your time zone is now America/Sao_Paulo."), "the zone set"
    )

    # A week before: the reminder in the room and to those coming, each in their own time.
    await later(bot, days=7, hours=2)
    reminder = "⏰ Reminder: Welcome event starts in 1 week."
    in_room = await olga.wait_for(said_by(bot, room, "⏰ "), "the reminder in the room")
    assert in_room.body == (
        f"{reminder}\n{LONDON}\n{NOTES}\n\n{ANSWERS}\nReply with the number of your choice."
    )
    to_bob = await bob.wait_for(said_by(bot, directs[bob.user_id], "⏰ "), "Bob's reminder")
    assert to_bob.body.startswith(f"{reminder}\n{LONDON}\n{NOTES}\n\n1. ✅ Going\n")
    to_lia = await lia.wait_for(said_by(bot, lia_dm, "⏰ "), "Lia's reminder")
    assert to_lia.body.startswith(
        f"{reminder}\n{LONDON}\n"
        f"    Your time: {DAY}, 8:00{THIN}–{THIN}10:00{NNBSP}AM (America/Sao_Paulo)\n"
        f"{NOTES}\n\n1. ✅ Going\n"
    )
    # Carol, who can't come, has had nothing since her confirmation.
    await carol.sync()
    assert [s.body for s in carol.bot_messages(directs[carol.user_id], bot.user_id)] == [
        f"You can't come to Welcome event ({DAY}, 11:00{NNBSP}AM). Thanks for saying."
    ]
