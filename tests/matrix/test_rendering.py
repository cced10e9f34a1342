"""What the Matrix adapter sends, built without a homeserver: HTML, polls, ids, splitting."""

from __future__ import annotations

from bots.matrix import html, polls
from bots.matrix.messenger import edit_content, event_ids, message_id, split_text, text_content
from bots.matrix.transactions import TransactionIds, once
from core.messaging.outbound import Button, Poll


def test_user_content_is_escaped_and_room_mentions_defused() -> None:
    rendered = html.render('Say <b>hi</b> & <a href="x">@ROOM</a>\n@room\nemail@roomy.org')
    assert rendered.formatted_body == (
        "Say &lt;b&gt;hi&lt;/b&gt; &amp; &lt;a href=&quot;x&quot;&gt;@\u2060ROOM&lt;/a&gt;"
        "<br>@\u2060room<br>email@roomy.org"
    )
    assert (
        rendered.body == 'Say <b>hi</b> & <a href="x">@\u2060ROOM</a>\n@\u2060room\nemail@roomy.org'
    )


def test_right_to_left_lines_start_with_a_mark() -> None:
    rendered = html.render("مرحبا\n\nنعم", rtl=True)
    assert rendered.body == "\u200fمرحبا\n\n\u200fنعم"
    assert rendered.formatted_body == "\u200fمرحبا<br><br>\u200fنعم"


def test_messages_and_edits_mention_nobody() -> None:
    content = text_content("Hi @room", rtl=False)
    assert content["m.mentions"] == {} and content["msgtype"] == "m.text"
    edit = edit_content("$orig", "New <i>", rtl=False)
    assert edit["m.relates_to"] == {"rel_type": "m.replace", "event_id": "$orig"}
    assert edit["m.new_content"]["formatted_body"] == "New &lt;i&gt;"
    assert edit["body"] == "* New <i>" and edit["m.mentions"] == {}


def test_polls_in_the_unstable_and_stable_forms() -> None:
    poll = Poll("Where?", (Button("1. Library", "sig1dv:1:0"), Button("2. Café", "sig2dv:1:1")))
    content = polls.start_content(poll)
    start = content[polls.POLL_START]
    assert start["kind"] == polls.DISCLOSED and start["max_selections"] == 1
    assert start["answers"] == [
        {"id": "sig1dv:1:0", polls.TEXT: "1. Library"},
        {"id": "sig2dv:1:1", polls.TEXT: "2. Café"},
    ]
    assert content["m.poll"]["answers"][1] == {
        "m.id": "sig2dv:1:1",
        "m.text": [{"body": "2. Café"}],
    }
    assert content["body"] == "Where?\n• 1. Library\n• 2. Café"
    hidden = polls.start_content(Poll("Q", poll.answers, max_selections=5, disclosed=False))
    assert hidden[polls.POLL_START]["kind"] == polls.UNDISCLOSED
    assert hidden[polls.POLL_START]["max_selections"] == 2  # never more than the answers
    end = polls.end_content("$poll", "Winner: Library")
    assert end["m.relates_to"] == {"rel_type": "m.reference", "event_id": "$poll"}
    assert end["body"] == "Winner: Library" and end["m.text"] == [{"body": "Winner: Library"}]


def test_transaction_ids_come_from_what_is_sent() -> None:
    ids = TransactionIds(nonce="n")
    first = ids.new("!r", "m.room.message", {"body": "hi"})
    second = ids.new("!r", "m.room.message", {"body": "hi"})
    other = ids.new("!r", "m.room.message", {"body": "ho"})
    assert first != second  # the same text twice is two messages
    assert first.split(".")[-1] == second.split(".")[-1] != other.split(".")[-1]
    assert TransactionIds(nonce="n").new("!r", "m.room.message", {"body": "hi"}) == first
    assert once("!r", "end", "$p") == once("!r", "end", "$p") != once("!r", "end", "$q")


def test_long_texts_are_split_at_line_ends() -> None:
    text = "\n".join(["x" * 60] * 10)
    parts = split_text(text, limit=130)
    assert all(len(p) <= 130 for p in parts) and "\n".join(parts) == text
    assert split_text("y" * 25, limit=10) == ["y" * 10, "y" * 10, "y" * 5]
    assert split_text("") == [""]


def test_a_message_id_holds_the_poll_beside_it() -> None:
    assert event_ids(message_id("$t", "$p")) == ("$t", "$p")
    assert event_ids(message_id("$t", None)) == ("$t", None)
