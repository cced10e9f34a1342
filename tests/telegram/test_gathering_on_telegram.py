"""A gathering on Telegram: announced in a linked group, answered with its buttons, reminded.

Everything is asserted on what the fake Bot API server recorded: the texts and buttons the
bot posted or edited, and the toasts it answered presses with.
"""

from pathlib import Path

from icalendar import Calendar

from core.members.models import Role
from tests.services.telegram_api.server import Posted
from tests.telegram.harness import Harness, press, say, telegram_bot

HACKNEY = "london-hackney"
# The fake clock starts on Sunday 22 November 2026, 09:00 UTC: the gathering is two weeks on
# (London is on GMT in December, so 11:00 there is 11:00 UTC and 08:00 in São Paulo).
WELCOME = (
    '/gathering "Welcome event" 2026-12-06 11:00 Europe/London @ "Firebox café, London" '
    "--online https://meet.example/welcome"
)
BUTTONS = ["✅ Going", "🤔 Maybe", "❌ Can't", "📆 Add to my calendar"]
NNBSP, THIN = "\u202f", "\u2009"  # Babel's spaces in "11:00 AM" and in "11:00 – 1:00"


def gathering_posts(bot: Harness, chat_id: int, start: str = "📅 ") -> list[Posted]:
    return [p for p in bot.tg.in_chat(chat_id) if (p.text or "").startswith(start)]


async def test_announced_answered_and_reminded_in_the_group_and_privately(
    tmp_path: Path,
) -> None:
    async with telegram_bot(tmp_path) as bot:
        tg = bot.tg
        group = tg.group("Hackney")
        await bot.link(group, HACKNEY)
        olga, bob, lia, carol = (tg.user(n) for n in ("Olga", "Bob", "Lia", "Carol"))
        await bot.enrol(olga, HACKNEY, Role.ORGANISER)
        for member in (bob, lia, carol):
            await bot.enrol(member, HACKNEY)
        # Lia lives in São Paulo: she says so in her profile, as anyone would.
        await say(bot, lia, "/profile")
        await press(bot, lia, "Time zone")
        await say(bot, lia, "America/Sao_Paulo")
        assert tg.texts(lia)[-1] == "Your time zone is now America/Sao_Paulo."

        await say(bot, olga, WELCOME, group)
        [post] = gathering_posts(bot, group.id)
        assert post.text == (
            "📅 Welcome event\n\n"
            f"🕒 Sun, Dec 6, 2026, 11:00{NNBSP}AM{THIN}–{THIN}1:00{NNBSP}PM (Europe/London)\n"
            "📍 Firebox café, London\n"
            "💻 Online: https://meet.example/welcome\n"
            "👥 Going: 0 · Maybe: 0\n"
            "Gathering #1 of London – Hackney"
        )
        assert post.labels == BUTTONS
        assert tg.texts(olga) == []  # announced where she asked: nothing more to tell her

        # Each press is answered once, with the confirmation as the toast, in the presser's
        # own time; nothing is posted in the group or privately.
        going = await press(bot, bob, "✅ Going", group)
        maybe = await press(bot, lia, "🤔 Maybe", group)
        cant = await press(bot, carol, "❌ Can't", group)
        assert tg.answers[going] == (
            f"You are going to Welcome event (Sun, Dec 6, 2026, 11:00{NNBSP}AM)."
        )
        assert tg.answers[maybe] == (
            f"You might come to Welcome event (Sun, Dec 6, 2026, 8:00{NNBSP}AM)."
        )
        assert tg.answers[cant] == (
            f"You can't come to Welcome event (Sun, Dec 6, 2026, 11:00{NNBSP}AM). "
            "Thanks for saying."
        )
        assert all(tg.answered_after[q] < 1.0 for q in (going, maybe, cant))
        assert gathering_posts(bot, group.id) == [post]
        assert tg.texts(bob) == [] and tg.texts(carol) == []

        # The announcement is edited with the counts a few seconds later, buttons kept.
        await bot.advance(seconds=10)
        assert "👥 Going: 1 · Maybe: 1\n" in (post.text or "")
        assert post.labels == BUTTONS

        # The calendar button sends the .ics privately, as a document.
        calendar = await press(bot, bob, "📆 Add to my calendar", group)
        assert tg.answers[calendar] == "I have sent you the calendar file privately."
        [ics] = tg.in_chat(bob)
        assert (ics.kind, ics.filename) == ("document", "gathering-1.ics")
        assert ics.text == "📆 Welcome event: open the file to add it to your calendar."
        assert ics.content is not None
        [event] = Calendar.from_ical(ics.content).walk("VEVENT")
        assert (str(event["SUMMARY"]), str(event["LOCATION"])) == (
            "Welcome event",
            "Firebox café, London",
        )

        # A week before: nothing yet a minute early, then the reminder in the group and to
        # those going or maybe, each in their own time; not to Carol, who can't come.
        await bot.advance(days=7, hours=1, minutes=59)
        assert gathering_posts(bot, group.id, "⏰ ") == []
        await bot.advance(minutes=1)
        [in_group] = gathering_posts(bot, group.id, "⏰ ")
        london = f"🕒 Sun, Dec 6, 2026, 11:00{NNBSP}AM{THIN}–{THIN}1:00{NNBSP}PM (Europe/London)\n"
        notes = (
            "📍 Firebox café, London\n"
            "💻 Online: https://meet.example/welcome\n"
            "Gathering #1 of London – Hackney"
        )
        assert in_group.text == "⏰ Reminder: Welcome event starts in 1 week.\n" + london + notes
        assert in_group.labels == BUTTONS
        [to_bob] = gathering_posts(bot, bob.id, "⏰ ")
        assert to_bob.text == in_group.text  # Bob's zone is his chapter's: one time
        [to_lia] = gathering_posts(bot, lia.id, "⏰ ")
        her_time = f"    Your time: Sun, Dec 6, 2026, 8:00{THIN}–{THIN}10:00{NNBSP}AM"
        assert to_lia.text == (
            "⏰ Reminder: Welcome event starts in 1 week.\n"
            f"{london}{her_time} (America/Sao_Paulo)\n{notes}"
        )
        assert to_lia.labels == BUTTONS
        assert gathering_posts(bot, carol.id, "⏰ ") == []
        assert gathering_posts(bot, olga.id, "⏰ ") == []  # she did not answer

        # Bob changes his mind on the reminder in his private chat: confirmed there, and
        # left out of the next reminder.
        await press(bot, bob, "❌ Can't")
        assert tg.texts(bob)[-1] == (
            f"You can't come to Welcome event (Sun, Dec 6, 2026, 11:00{NNBSP}AM). "
            "Thanks for saying."
        )
        await bot.advance(days=6)  # the day before
        day_before = "⏰ Reminder: Welcome event starts in 1 day.\n"
        assert tg.texts(group)[-1].startswith(day_before)
        assert tg.texts(lia)[-1].startswith(day_before)
        assert len(gathering_posts(bot, bob.id, "⏰ ")) == 1
