"""A restart of the bot neither replays an event nor skips one."""

from __future__ import annotations

import pytest

from tests.matrix.harness import Bot, Member
from tests.services.synapse import SynapseServer

pytestmark = pytest.mark.synapse

TOKEN = "matrix:next_batch"


async def test_a_restart_replays_nothing_and_skips_nothing(
    synapse: SynapseServer, bot: Bot
) -> None:
    sam = await Member.register(synapse, "sam", "Sam")
    room = await sam.create_room([bot.user_id], direct=True)
    await sam.wait_for(lambda s: s.room_id == room and s.sender == bot.user_id, "the greeting")

    async def answers() -> list[str]:
        await sam.sync()
        return [m.body for m in sam.bot_messages(room, bot.user_id)]

    await sam.say(room, "!unknown1")
    await sam.wait_for(lambda s: "/unknown1" in s.body, "the first answer")
    before_crash = await bot.app.load_state(TOKEN)
    assert before_crash is not None
    await sam.say(room, "!unknown2")
    await sam.wait_for(lambda s: "/unknown2" in s.body, "the second answer")

    # Down: a crash that lost the last stored token (the batch with !unknown2 is synced
    # again), while five more commands arrive — more than one sync's timeline holds.
    await bot.stop()
    await bot.app.save_state(TOKEN, before_crash)
    for n in range(3, 8):
        await sam.say(room, f"!unknown{n}")
    bot.timeline_limit = 2
    await bot.start()
    await sam.wait_for(lambda s: "/unknown7" in s.body, "the last answer")

    said = [body for body in await answers() if "I don't know the command" in body]
    assert said == [
        f"I don't know the command /unknown{n}. Send /help to see what you can do here."
        for n in range(1, 8)
    ]
    # And a clean restart: nothing is answered twice.
    await bot.stop()
    await bot.start()
    await sam.say(room, "!unknown8")
    await sam.wait_for(lambda s: "/unknown8" in s.body, "the answer after a clean restart")
    said = [body for body in await answers() if "I don't know the command" in body]
    assert len(said) == 8 and said[-1].startswith("I don't know the command /unknown8.")
