"""What members write stays inert; encrypted rooms get a clear word; rate limits are waited out;
knocks are answered; a person who cannot be invited is reported as such."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from nio import RoomKnockResponse

from bots.matrix.messenger import MatrixMessenger
from core.messaging.inbound import Sender
from core.messaging.outbound import OutgoingMessage
from core.messaging.port import DirectMessagesClosed
from tests.matrix.harness import Bot, Member
from tests.matrix.rooms import HACKNEY, chapter_room, said_by
from tests.services.synapse import SynapseServer

pytestmark = pytest.mark.synapse

NOTICE = (
    "I cannot read messages in this chat: it is end-to-end encrypted, and I have no keys to "
    "read it. Write to me in a chat without encryption, or ask an administrator to enable "
    "encryption support for me."
)
MEGOLM = {
    "algorithm": "m.megolm.v1.aes-sha2",
    "ciphertext": "AwgAEnACgAkLmt6qF84IK++J7UDH2Za1YVchHyprqTqsg",
    "device_id": "TESTDEVICE",
    "sender_key": "IlRMeOPX2e0MurIyfWEucYBRVOEEUMrOHqn/8mLqMjA",
    "session_id": "X3lUlvLELLYxeTx4yOVu6UDpasGEVO0Jbu+QFnm0cKQ",
}


async def test_hostile_html_and_mentions_arrive_inert(synapse: SynapseServer, bot: Bot) -> None:
    hackney = await chapter_room(synapse, bot, ["Alice"], bot_power=True)
    room, olga, alice = hackney.room_id, hackney.organiser, hackney.members[0]
    hostile = "Adopt <b>this</b>? @room <a href=https://evil.example>Alice</a> <img src=x>"
    await olga.say(room, f'!decide majority "{hostile}"')
    posted = await olga.wait_for(said_by(bot, room, "🗳 Decision #1"), "the decision")

    html = posted.content["formatted_body"]
    assert "Adopt &lt;b&gt;this&lt;/b&gt;? @\u2060room &lt;a href=https://evil.example&gt;" in html
    assert "<b>" not in html and "<a" not in html and "<img" not in html
    assert "@\u2060room" in posted.body and "@room" not in posted.body
    assert posted.content["m.mentions"] == {}

    # The homeserver agrees: the bot (a room administrator here) highlighted nobody,
    # while the organiser's @room (the control: this check can fail) does highlight.
    await olga.say(room, "@room the meeting moved")
    await alice.wait_for(lambda s: s.body == "@room the meeting moved", "the organiser's ping")
    loud: set[str] = set()
    for _attempt in range(50):
        loud = {
            n["event"]["sender"]
            for n in synapse.notifications(alice.account)
            if _highlighted(n) and n["event"]["type"] == "m.room.message"
        }
        if olga.user_id in loud:
            break
        await asyncio.sleep(0.2)
    assert olga.user_id in loud
    assert bot.user_id not in loud


def _highlighted(notification: dict[str, Any]) -> bool:
    return any(
        isinstance(a, dict) and a.get("set_tweak") == "highlight" and a.get("value", True)
        for a in notification["actions"]
    )


async def test_encrypted_rooms_get_one_clear_notice(synapse: SynapseServer, bot: Bot) -> None:
    # A direct room with encryption on: the bot says why once and carries on in its own room.
    sam = await Member.register(synapse, "sam", "Sam")
    encryption = {"type": "m.room.encryption", "state_key": "", "content": MEGOLM_ALGORITHM}
    secret_room = await sam.create_room([bot.user_id], direct=True, initial_state=[encryption])
    notice = await sam.wait_for(said_by(bot, secret_room), "the notice")
    assert notice.body == NOTICE
    own = await sam.wait_for_invite()
    await sam.join(own)
    hello = await sam.wait_for(said_by(bot, own), "the greeting in the bot's own room")
    assert hello.body.startswith("Hello, Sam!")
    await sam.send(secret_room, "m.room.encrypted", MEGOLM)
    await sam.say(own, "!help")
    await sam.wait_for(said_by(bot, own, "Commands you can use here:"), "the help")
    assert [m.body for m in sam.bot_messages(secret_room, bot.user_id)] == [NOTICE]

    # A chapter room that switches encryption on: one notice there too, however many
    # encrypted messages follow.
    hackney = await chapter_room(synapse, bot, ["Alice"])
    room, olga, alice = hackney.room_id, hackney.organiser, hackney.members[0]
    await olga.client.room_put_state(room, "m.room.encryption", MEGOLM_ALGORITHM)
    await alice.send(room, "m.room.encrypted", MEGOLM)
    await olga.wait_for(said_by(bot, room, "I cannot read messages"), "the notice")
    await alice.send(room, "m.room.encrypted", MEGOLM)
    await olga.say(room, "!help")  # unencrypted, so the bot reads it
    await olga.wait_for(said_by(bot, room, "Commands you can use here:"), "the help")
    notices = [m for m in olga.bot_messages(room, bot.user_id) if m.body == NOTICE]
    assert len(notices) == 1


MEGOLM_ALGORITHM = {"algorithm": "m.megolm.v1.aes-sha2"}


async def test_knocks_let_members_in_and_start_newcomers_joining(
    synapse: SynapseServer, bot: Bot
) -> None:
    hackney = await chapter_room(synapse, bot, [])
    room, olga = hackney.room_id, hackney.organiser
    await olga.client.room_put_state(room, "m.room.join_rules", {"join_rule": "knock"})
    kim = await Member.register(synapse, "kim", "Kim")
    assert await bot.app.enrol("matrix", Sender(kim.user_id, "Kim"), HACKNEY, ())
    newcomer = await Member.register(synapse, "noor", "Noor")

    knocked = await kim.client.room_knock(room)
    assert isinstance(knocked, RoomKnockResponse), knocked
    assert await kim.wait_for_invite(room) == room  # a member of the chapter is let in

    knocked = await newcomer.client.room_knock(room)
    assert isinstance(knocked, RoomKnockResponse), knocked
    direct = await newcomer.wait_for_invite()
    assert direct != room  # not let in yet: first the conversation about joining
    await newcomer.join(direct)
    hello = await newcomer.wait_for(said_by(bot, direct), "the onboarding")
    assert hello.body.startswith("Hello, Noor!") and "Choose your language:" in hello.body


async def test_rate_limits_are_waited_out_and_nothing_is_sent_twice(
    synapse: SynapseServer, bot: Bot
) -> None:
    assert bot.client is not None and bot.messenger is not None
    admin = synapse.register(f"admin{int(time.time() * 1000) % 100000}", admin=True)
    sam = await Member.register(synapse, "sam", "Sam")
    waits: list[float] = []

    async def recorded(seconds: float) -> None:
        waits.append(seconds)
        await asyncio.sleep(seconds)

    messenger = MatrixMessenger(bot.client, bot.messenger.directs, sleep=recorded)
    # One message a second (the API takes whole numbers): the second send is early.
    synapse.override_ratelimit(admin, bot.user_id, per_second=1, burst=1)
    try:
        sent = [
            await messenger.send_direct(sam.user_id, OutgoingMessage(f"note {n}")) for n in range(3)
        ]
    finally:
        synapse.clear_ratelimit(admin, bot.user_id)
    assert waits and all(0 < w <= 60 for w in waits)
    direct = await sam.wait_for_invite()
    await sam.join(direct)
    await sam.wait_for(said_by(bot, direct, "note 2"), "the last note")
    assert [m.body for m in sam.bot_messages(direct, bot.user_id)] == [
        f"note {n}" for n in range(3)
    ]
    assert len({s.message_id for s in sent}) == 3


async def test_a_person_who_cannot_be_invited_has_direct_messages_closed(
    synapse: SynapseServer, bot: Bot
) -> None:
    assert bot.messenger is not None
    with pytest.raises(DirectMessagesClosed):
        await bot.messenger.send_direct("@nobody-here:localhost", OutgoingMessage("hello"))
