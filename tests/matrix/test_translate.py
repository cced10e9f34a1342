"""Matrix events -> core events, without a homeserver (pure functions)."""

from __future__ import annotations

from typing import Any

from nio import Event

from bots.matrix.translate import (
    Reading,
    RoomView,
    keycap,
    strip_reply_fallback,
    to_inbound,
)
from core.messaging.inbound import (
    ChatKind,
    CommandReceived,
    JoinRequested,
    MemberJoined,
    PhotoReceived,
    PollAnswered,
    TextReceived,
    Unreadable,
)

BOT = "@bot:example.org"
ANA = "@ana:example.org"
READING = Reading(bot_user_id=BOT, prefixes="!/")
GROUP = RoomView("!room:example.org", "Hackney")
DIRECT = RoomView("!dm:example.org", None, direct_with=ANA)
NAMES = {ANA: "Ana"}


def event(event_type: str, content: dict[str, Any], sender: str = ANA, **extra: Any) -> Event:
    source = {
        "type": event_type,
        "content": content,
        "sender": sender,
        "event_id": "$e1",
        "origin_server_ts": 1,
        **extra,
    }
    parsed = Event.parse_event(source)
    assert isinstance(parsed, Event)
    return parsed


def text(body: str, **content: Any) -> Event:
    return event("m.room.message", {"msgtype": "m.text", "body": body, **content})


def member(membership: str, prev: str | None = None, user: str = ANA) -> Event:
    unsigned = {"prev_content": {"membership": prev}} if prev else {}
    return event(
        "m.room.member",
        {"membership": membership, "displayname": "Ana G."},
        sender=user,
        state_key=user,
        unsigned=unsigned,
    )


def test_commands_with_either_prefix_and_text() -> None:
    command = to_inbound(text("!decide majority  x"), GROUP, READING, NAMES)
    assert isinstance(command, CommandReceived)
    assert (command.command, command.args, command.update_id) == ("decide", "majority  x", "$e1")
    assert command.chat.kind is ChatKind.GROUP and command.sender.display_name == "Ana"
    slash = to_inbound(text("/start"), DIRECT, READING, NAMES)
    assert isinstance(slash, CommandReceived) and slash.chat.kind is ChatKind.PRIVATE
    plain = to_inbound(text("2"), DIRECT, READING, NAMES)
    assert isinstance(plain, TextReceived) and plain.text == "2"
    dotted = to_inbound(text(".help"), GROUP, Reading(BOT, prefixes="./"), NAMES)
    assert isinstance(dotted, CommandReceived) and dotted.command == "help"


def test_the_direct_room_is_private_only_for_its_person() -> None:
    other = event("m.room.message", {"msgtype": "m.text", "body": "hi"}, sender="@eve:x")
    inbound = to_inbound(other, DIRECT, READING, NAMES)
    assert inbound is not None and inbound.chat.kind is ChatKind.GROUP
    assert inbound.sender.display_name == "@eve:x"


def test_what_is_not_for_the_core() -> None:
    assert to_inbound(text("!help"), GROUP, Reading("@ana:example.org"), NAMES) is None  # own
    notice = event("m.room.message", {"msgtype": "m.notice", "body": "!help"})
    assert to_inbound(notice, GROUP, READING, NAMES) is None  # bots talk in notices
    edit = text("* 3", **{"m.relates_to": {"rel_type": "m.replace", "event_id": "$x"}})
    assert to_inbound(edit, GROUP, READING, NAMES) is None
    assert to_inbound(text("   "), GROUP, READING, NAMES) is None
    assert (
        to_inbound(event("m.room.topic", {"topic": "x"}, state_key=""), GROUP, READING, NAMES)
        is None
    )


def test_a_reply_is_its_own_text() -> None:
    body = "> <@bot:example.org> Reply with the number\n> of your choice.\n\n3"
    reply = text(body, **{"m.relates_to": {"m.in_reply_to": {"event_id": "$q"}}})
    inbound = to_inbound(reply, GROUP, READING, NAMES)
    assert isinstance(inbound, TextReceived) and inbound.text == "3"
    assert strip_reply_fallback("no quote") == "no quote"
    assert strip_reply_fallback("> quoted only") == ""


def test_keycap_reactions_are_numbers() -> None:
    for number in (1, 9, 10):
        relation = {"rel_type": "m.annotation", "event_id": "$decision", "key": keycap(number)}
        inbound = to_inbound(event("m.reaction", {"m.relates_to": relation}), GROUP, READING, NAMES)
        assert isinstance(inbound, TextReceived) and inbound.text == str(number)
        assert inbound.update_id == "$e1" and inbound.chat.external_id == GROUP.room_id
    bare = {"rel_type": "m.annotation", "event_id": "$d", "key": "4\u20e3"}
    inbound = to_inbound(event("m.reaction", {"m.relates_to": bare}), GROUP, READING, NAMES)
    assert isinstance(inbound, TextReceived) and inbound.text == "4"
    heart = {"rel_type": "m.annotation", "event_id": "$d", "key": "❤️"}
    assert to_inbound(event("m.reaction", {"m.relates_to": heart}), GROUP, READING, NAMES) is None


def test_poll_responses_in_both_forms() -> None:
    relation = {"rel_type": "m.reference", "event_id": "$poll"}
    unstable = event(
        "org.matrix.msc3381.poll.response",
        {"m.relates_to": relation, "org.matrix.msc3381.poll.response": {"answers": ["a", "b"]}},
    )
    inbound = to_inbound(unstable, GROUP, READING, NAMES)
    assert isinstance(inbound, PollAnswered)
    assert (inbound.data, inbound.poll_id) == (("a", "b"), "$poll")
    stable = event("m.poll.response", {"m.relates_to": relation, "m.selections": ["c", "c"]})
    inbound = to_inbound(stable, GROUP, READING, NAMES)
    assert isinstance(inbound, PollAnswered) and inbound.data == ("c",)
    for bad in (
        {"m.relates_to": relation, "m.selections": "a"},
        {"m.relates_to": relation, "m.selections": ["x" * 65]},
        {"m.relates_to": relation, "m.selections": [str(n) for n in range(21)]},
        {"m.selections": ["a"]},
    ):
        assert to_inbound(event("m.poll.response", bad), GROUP, READING, NAMES) is None


def test_joins_and_knocks_in_group_rooms() -> None:
    joined = to_inbound(member("join", prev="invite"), GROUP, READING, NAMES)
    assert isinstance(joined, MemberJoined) and joined.sender.display_name == "Ana G."
    assert to_inbound(member("join", prev="join"), GROUP, READING, NAMES) is None  # a rename
    assert to_inbound(member("join"), DIRECT, READING, NAMES) is None
    assert to_inbound(member("join", user=BOT), GROUP, READING, NAMES) is None  # the bot
    knock = to_inbound(member("knock"), GROUP, READING, NAMES)
    assert isinstance(knock, JoinRequested) and knock.chat.external_id == GROUP.room_id
    assert to_inbound(member("leave", prev="join"), GROUP, READING, NAMES) is None


def test_pictures_keep_their_mxc_uri() -> None:
    image = event(
        "m.room.message",
        {
            "msgtype": "m.image",
            "body": "me.jpg",
            "url": "mxc://x/abc",
            "info": {"mimetype": "image/jpeg"},
        },
    )
    inbound = to_inbound(image, DIRECT, READING, NAMES)
    assert isinstance(inbound, PhotoReceived)
    assert (inbound.file_id, inbound.mime_type, inbound.data) == ("mxc://x/abc", "image/jpeg", None)


def test_encrypted_rooms_are_unreadable_once_per_room_without_e2e() -> None:
    megolm = event(
        "m.room.encrypted",
        {
            "algorithm": "m.megolm.v1.aes-sha2",
            "ciphertext": "c",
            "sender_key": "k",
            "device_id": "D",
            "session_id": "s",
        },
    )
    switched_on = event("m.room.encryption", {"algorithm": "m.megolm.v1.aes-sha2"}, state_key="")
    for encrypted in (megolm, switched_on):
        inbound = to_inbound(encrypted, GROUP, READING, NAMES)
        assert isinstance(inbound, Unreadable)
        assert inbound.update_id == f"unreadable:{GROUP.room_id}"
        assert to_inbound(encrypted, GROUP, Reading(BOT, can_decrypt=True), NAMES) is None
