"""Sending through the real client: retries that never duplicate, closed DMs, attachments."""

from pathlib import Path

import pytest
from telegram.error import TimedOut

from core.messaging.outbound import Attachment, Button, OutgoingMessage, SentMessage
from core.messaging.port import DirectMessagesClosed
from tests.telegram.harness import telegram_bot


async def test_server_error_is_retried_once_delivered_once(tmp_path: Path) -> None:
    async with telegram_bot(tmp_path) as bot:
        tg, messenger = bot.tg, bot.core.services.messengers["telegram"]
        sam = tg.user("Sam")
        tg.failures["sendMessage"] = [502, 500]
        await messenger.send_direct(str(sam.id), OutgoingMessage("Hello"))
        assert tg.texts(sam) == ["Hello"]
        assert [c.status for c in tg.calls_of("sendMessage")] == [502, 500, 200]


async def test_no_second_message_after_a_read_timeout(tmp_path: Path) -> None:
    async with telegram_bot(tmp_path, read_timeout=0.3) as bot:
        tg, messenger = bot.tg, bot.core.services.messengers["telegram"]
        sam = tg.user("Sam")
        tg.stalls["sendMessage"] = [1.0]  # delivered, but the answer comes too late
        with pytest.raises(TimedOut):
            await messenger.send_direct(str(sam.id), OutgoingMessage("Once"))
        await tg.wait_for(lambda: tg.texts(sam))
        assert tg.texts(sam) == ["Once"]
        assert len(tg.calls_of("sendMessage")) == 1


async def test_edits_are_retried_after_a_read_timeout(tmp_path: Path) -> None:
    async with telegram_bot(tmp_path, read_timeout=0.3) as bot:
        tg, messenger = bot.tg, bot.core.services.messengers["telegram"]
        sam = tg.user("Sam")
        sent = await messenger.send_direct(str(sam.id), OutgoingMessage("Turnout: 1"))
        tg.stalls["editMessageText"] = [1.0]
        # The first edit lands late; the retry finds it done ("not modified") and stops.
        await messenger.edit(sent, OutgoingMessage("Turnout: 2"))
        [posted] = tg.in_chat(sam)
        assert (posted.text, posted.edits) == ("Turnout: 2", ["Turnout: 1"])
        assert len(tg.calls_of("editMessageText")) == 2


async def test_direct_messages_closed(tmp_path: Path) -> None:
    async with telegram_bot(tmp_path) as bot:
        tg, messenger = bot.tg, bot.core.services.messengers["telegram"]
        stranger = tg.user("Stranger", started=False)
        blocker = tg.user("Blocker")
        blocker.blocked = True
        for person in (stranger, blocker):
            with pytest.raises(DirectMessagesClosed):
                await messenger.send_direct(str(person.id), OutgoingMessage("Hi"))
        with pytest.raises(DirectMessagesClosed):
            await messenger.send_direct("424242", OutgoingMessage("Hi"))  # no such chat


async def test_pictures_documents_and_buttons(tmp_path: Path) -> None:
    async with telegram_bot(tmp_path) as bot:
        tg, messenger = bot.tg, bot.core.services.messengers["telegram"]
        sam = tg.user("Sam")
        png = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
        buttons = ((Button("Yes", "a" * 64), Button("No", "b" * 12)),)
        chart = Attachment("chart.png", png, "image/png")
        ics = Attachment("meeting.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
        # Short text rides as the caption; the buttons go under the last part.
        sent = await messenger.send_direct(
            str(sam.id), OutgoingMessage("Result", buttons=buttons, image=chart, file=ics)
        )
        photo, document = tg.in_chat(sam)
        assert (photo.kind, photo.text, photo.content, photo.labels) == ("photo", "Result", png, [])
        assert (document.kind, document.filename, document.labels) == (
            "document",
            "meeting.ics",
            ["Yes", "No"],
        )
        assert sent == SentMessage(str(sam.id), str(document.message_id))
        # Editing a picture's message edits its caption.
        await messenger.edit(
            SentMessage(str(sam.id), str(photo.message_id)), OutgoingMessage("New")
        )
        assert photo.text == "New"
        with pytest.raises(ValueError, match="64 bytes"):
            await messenger.send_direct(
                str(sam.id), OutgoingMessage("x", buttons=((Button("Too long", "c" * 65),),))
            )
        # A long text with a picture: the text first (split), then the picture.
        await messenger.send_direct(str(sam.id), OutgoingMessage("word " * 1000, image=chart))
        *texts, last = tg.in_chat(sam)[2:]
        assert [p.kind for p in texts] == ["text", "text"] and last.kind == "photo"
        assert last.text is None
