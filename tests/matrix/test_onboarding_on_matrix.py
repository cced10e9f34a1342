"""A newcomer joins through a direct room with the bot, on a real homeserver."""

from __future__ import annotations

import pytest

from tests.matrix.harness import Bot, Member
from tests.matrix.rooms import said_by
from tests.services.synapse import SynapseServer

pytestmark = pytest.mark.synapse

ORG_EN = "International Organization for a Participatory Society"


async def test_a_direct_room_invitation_starts_onboarding_answered_by_number_and_reaction(
    synapse: SynapseServer, bot: Bot
) -> None:
    sam = await Member.register(synapse, "sam", "Sam")
    room = await sam.create_room([bot.user_id], direct=True)

    hello = await sam.wait_for(said_by(bot, room), "the greeting")
    assert hello.body.startswith(
        f"Hello, Sam! I am the assistant of {ORG_EN}.\n\n"
        "I will help you join us. It takes a few minutes"
    )
    assert "Choose your language:\n\n1. ✓ English\n" in hello.body
    assert hello.body.endswith("Reply with the number of your choice.")
    # The same text as safe HTML: line breaks, nothing else.
    assert hello.content["format"] == "org.matrix.custom.html"
    assert "1. ✓ English<br>" in hello.content["formatted_body"]
    assert hello.content["m.mentions"] == {}

    await sam.say(room, "1")  # English
    about = await sam.wait_for(
        lambda s: said_by(bot, room)(s) and "would you like to join?" in s.body, "the goals"
    )
    assert "1. I have read this and want to join\n2. Back\n3. Cancel" in about.body

    # A keycap reaction on the message answers like the number.
    await sam.react(room, about.event_id, "1\ufe0f\u20e3")
    countries = await sam.wait_for(
        lambda s: said_by(bot, room)(s) and s.body.startswith("Where do you live?"),
        "the country question",
    )
    assert "Choose your country." in countries.body
    # Each answer was handled once: greeting, goals, countries — nothing else.
    assert [m.body.split("\n")[0] for m in sam.bot_messages(room, bot.user_id)] == [
        hello.body.split("\n")[0],
        about.body.split("\n")[0],
        countries.body.split("\n")[0],
    ]
