"""Onboarding on Telegram: from a chat join request to approval, through the real adapter."""

from pathlib import Path

from sqlalchemy import select

from core.members.models import Member, Role
from tests.telegram.harness import press, say, telegram_bot

HACKNEY = "london-hackney"


async def test_join_request_to_approval(tmp_path: Path) -> None:
    async with telegram_bot(tmp_path) as bot:
        tg = bot.tg
        olga = tg.user("Olga")
        await bot.enrol(olga, HACKNEY, Role.ORGANISER)
        chat = tg.group("London Hackney")
        organisers_chat = tg.group("Hackney helpers")
        await bot.link(chat, HACKNEY)
        await bot.link(organisers_chat, HACKNEY)
        # Sam never wrote to the bot; a join request lets the bot write to him.
        sam = tg.user("Sam", started=False, last_name="Okafor")

        tg.request_join(sam, chat)
        await bot.settle()
        assert tg.texts(chat) == []  # nothing in the chat
        [first] = tg.in_chat(sam)
        assert first.text.startswith("Hello, Sam Okafor! I am the assistant of")
        assert "✓ English" in first.labels

        await press(bot, sam, "✓ English")
        await press(bot, sam, "I have read this and want to join")
        await press(bot, sam, "Use “Sam Okafor”")
        await say(bot, sam, "I cook for big groups.")
        photo_id = tg.send_photo(sam)  # the photo step: a real Telegram photo
        await bot.settle()
        await press(bot, sam, "Yes, Europe/London")
        await press(bot, sam, "Skip")  # what they would like to help with
        await press(bot, sam, "I agree")
        await press(bot, sam, "Yes")  # welcomed by name
        summary = tg.in_chat(sam)[-1]
        assert "I cook for big groups." in summary.text
        await press(bot, sam, "Send my application")
        assert "Your application is now with the organisers" in tg.texts(sam)[-1]

        card = tg.in_chat(olga)[-1]
        assert "Sam Okafor would like to join London – Hackney" in card.text
        assert card.labels == ["Approve", "Ask a question", "Decline"]
        await press(bot, olga, "Approve")

        # The join request is approved on Telegram; the other chat sends a one-time link.
        assert tg.approved == [(chat.id, sam.id)]
        [link] = tg.invite_links
        assert (link["chat_id"], link["member_limit"]) == (organisers_chat.id, 1)
        welcome, invitation = tg.texts(sam)[-2:]
        assert welcome.startswith("Welcome to London – Hackney!")
        assert invitation == (
            "Your personal link to join “Hackney helpers”, a chat of London – Hackney:\n"
            + link["invite_link"]
        )
        assert (
            tg.texts(chat)[-1]
            == "Please welcome Sam Okafor, who has just joined London – Hackney! 👋"
        )
        assert card.text.startswith("Application #1 from Sam Okafor: approved by Olga")
        assert card.labels == []  # the card was edited: its buttons are gone
        assert tg.texts(olga)[-1] == "Done: Sam Okafor is now a member of London – Hackney."

        # The photo was kept as Telegram's reference to its largest size, as a JPEG.
        async with bot.core.db.sessions() as session:
            member = await session.scalar(select(Member).where(Member.display_name == "Sam Okafor"))
        assert member is not None
        assert (member.photo_platform, member.photo_ref, member.photo_mime) == (
            "telegram",
            photo_id,
            "image/jpeg",
        )
