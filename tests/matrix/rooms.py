"""A chapter's room on the homeserver: an organiser, members, the bot, linked to the chapter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.members.models import Role
from core.messaging.inbound import Sender
from tests.matrix.harness import Bot, Member, Seen
from tests.services.synapse import SynapseServer

HACKNEY = "london-hackney"


@dataclass
class ChapterRoom:
    """The room, its organiser and its members (organiser first)."""

    room_id: str
    organiser: Member
    members: list[Member]


def said_by(bot: Bot | str, room: str, starts: str = "") -> Callable[[Seen], bool]:
    """Checks for a message (not an edit) of the bot in ``room`` starting with ``starts``."""
    user_id = bot if isinstance(bot, str) else bot.user_id

    def check(seen: Seen) -> bool:
        return (
            seen.room_id == room
            and seen.sender == user_id
            and seen.type == "m.room.message"
            and "m.new_content" not in seen.content
            and seen.body.startswith(starts)
        )

    return check


async def chapter_room(
    synapse: SynapseServer, bot: Bot, names: list[str], *, bot_power: bool = False
) -> ChapterRoom:
    """An organiser opens a room, invites the bot and members, and links it to Hackney."""
    organiser = await Member.register(synapse, "olga", "Olga")
    members = [await Member.register(synapse, name.lower(), name) for name in names]
    people = [organiser, *members]
    for person in people:
        roles = (Role.ORGANISER,) if person is organiser else ()
        display = person.user_id.split(":")[0][1:]
        assert await bot.app.enrol("matrix", Sender(person.user_id, display), HACKNEY, roles)
    room = await organiser.create_room(
        [bot.user_id, *(m.user_id for m in members)],
        name="Hackney",
        bot_power=bot.user_id if bot_power else None,
    )
    for member in members:
        await member.join(room)
    await organiser.wait_for(
        lambda s: s.room_id == room and s.sender == bot.user_id and s.type == "m.room.member",
        "the bot to join",
    )
    await organiser.say(room, f"!link_chat {HACKNEY}")
    await organiser.wait_for(said_by(bot, room), "the link confirmed")
    return ChapterRoom(room, organiser, members)
