"""python-telegram-bot updates -> the core's events (pure; updates built from Bot API JSON)."""

from typing import Any

from telegram import Update

from bots.telegram.translate import BotIdentity, lane_key, to_inbound
from core.messaging.inbound import (
    BotAddedToChat,
    ButtonPressed,
    ChatKind,
    ChatRef,
    CommandReceived,
    JoinRequested,
    MemberJoined,
    PhotoReceived,
    Sender,
    TextReceived,
)

ME = BotIdentity(7, "iops_bot")
ANA = {
    "id": 42,
    "is_bot": False,
    "first_name": "Ana",
    "last_name": "Gómez",
    "language_code": "pt-BR",
}
DM = {"id": 42, "type": "private", "first_name": "Ana"}
GROUP = {"id": -100500, "type": "supergroup", "title": "Hackney"}
BOT = {"id": 7, "is_bot": True, "first_name": "IOPS", "username": "iops_bot"}


def update(**payload: Any) -> Update:
    return Update.de_json({"update_id": 900, **payload}, None)


def message(chat: dict[str, Any] = DM, **content: Any) -> Update:
    return update(message={"message_id": 5, "date": 1, "chat": chat, "from": ANA, **content})


def command(text: str, chat: dict[str, Any] = GROUP) -> Update:
    head = text.split()[0]
    entity = {"type": "bot_command", "offset": 0, "length": len(head)}
    return message(chat, text=text, entities=[entity])


SENDER = Sender("42", "Ana Gómez", "pt-BR")
IN_GROUP = ChatRef("-100500", ChatKind.GROUP, "Hackney")


def test_commands_in_private_and_in_groups() -> None:
    [start] = to_inbound(command("/start join-london-hackney", DM), ME)
    assert start == CommandReceived(
        platform="telegram",
        sender=SENDER,
        chat=ChatRef("42", ChatKind.PRIVATE),
        update_id="900",
        command="start",
        args="join-london-hackney",
    )
    [ours] = to_inbound(command("/Vote@IOPS_bot #3 yes"), ME)
    assert isinstance(ours, CommandReceived) and (ours.command, ours.args) == ("vote", "#3 yes")
    assert ours.chat == IN_GROUP
    assert to_inbound(command("/vote@OtherBot yes"), ME) == []


def test_text_and_bots() -> None:
    [text] = to_inbound(message(text="2"), ME)
    assert isinstance(text, TextReceived) and text.text == "2"
    from_bot = update(
        message={"message_id": 5, "date": 1, "chat": GROUP, "from": BOT, "text": "hi"}
    )
    assert to_inbound(from_bot, ME) == []
    channel = {"id": -1009, "type": "channel", "title": "News"}
    assert to_inbound(message(channel, text="hi"), ME) == []


def test_button_press() -> None:
    query = {
        "id": "q1",
        "from": ANA,
        "chat_instance": "c",
        "data": "abcdefghijklvote:1:0",
        "message": {"message_id": 77, "date": 1, "chat": GROUP, "from": BOT, "text": "Vote"},
    }
    [press] = to_inbound(update(callback_query=query), ME)
    assert press == ButtonPressed(
        platform="telegram",
        sender=SENDER,
        chat=IN_GROUP,
        update_id="900",
        data="abcdefghijklvote:1:0",
        message_id="77",
        interaction_id="q1",
    )
    inline = {k: v for k, v in query.items() if k != "message"} | {"inline_message_id": "x"}
    assert to_inbound(update(callback_query=inline), ME) == []


def test_members_join_requests_and_the_bot_added() -> None:
    bob = {"id": 43, "is_bot": False, "first_name": "Bob"}
    joined = to_inbound(message(GROUP, new_chat_members=[ANA, bob, BOT]), ME)
    assert [type(e) for e in joined] == [MemberJoined, MemberJoined]
    assert [e.update_id for e in joined] == ["900:42", "900:43"]  # one key per event
    request = {"chat": GROUP, "from": ANA, "user_chat_id": 42, "date": 1}
    [asked] = to_inbound(update(chat_join_request=request), ME)
    assert asked == JoinRequested(
        platform="telegram", sender=SENDER, chat=IN_GROUP, update_id="900"
    )
    change = {
        "chat": GROUP,
        "from": ANA,
        "date": 1,
        "old_chat_member": {"status": "left", "user": BOT},
        "new_chat_member": {"status": "member", "user": BOT},
    }
    [added] = to_inbound(update(my_chat_member=change), ME)
    assert added == BotAddedToChat(
        platform="telegram", sender=SENDER, chat=IN_GROUP, update_id="900"
    )
    promoted = change | {
        "old_chat_member": {"status": "member", "user": BOT},
        "new_chat_member": {
            "status": "administrator",
            "user": BOT,
            **dict.fromkeys(
                [
                    "can_be_edited",
                    "is_anonymous",
                    "can_manage_chat",
                    "can_delete_messages",
                    "can_manage_video_chats",
                    "can_restrict_members",
                    "can_promote_members",
                    "can_change_info",
                    "can_invite_users",
                    "can_post_stories",
                    "can_edit_stories",
                    "can_delete_stories",
                ],
                False,
            ),
        },
    }
    assert to_inbound(update(my_chat_member=promoted), ME) == []  # not a new arrival


def test_photos_take_the_largest_size() -> None:
    sizes = [
        {"file_id": f"f{w}", "file_unique_id": f"u{w}", "width": w, "height": w}
        for w in (90, 1280, 320)
    ]
    [photo] = to_inbound(message(photo=sizes), ME)
    assert photo == PhotoReceived(
        platform="telegram",
        sender=SENDER,
        chat=ChatRef("42", ChatKind.PRIVATE),
        update_id="900",
        file_id="f1280",
        mime_type="image/jpeg",
    )
    document = {"file_id": "d1", "file_unique_id": "ud1", "mime_type": "image/png"}
    [as_file] = to_inbound(message(document=document), ME)
    assert isinstance(as_file, PhotoReceived) and as_file.mime_type == "image/png"
    pdf = {"file_id": "d2", "file_unique_id": "ud2", "mime_type": "application/pdf"}
    assert to_inbound(message(document=pdf), ME) == []


def test_updates_of_one_chat_share_a_lane() -> None:
    assert lane_key(command("/help")) == "-100500"
    assert lane_key(message(text="x")) == "42"
