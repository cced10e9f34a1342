"""Flood limits with Telegram's real numbers: per chat, overall, and a 429 that holds one chat."""

import asyncio
import itertools
import time
from pathlib import Path

from core.members.models import Role
from core.messaging.outbound import OutgoingMessage
from tests.telegram.harness import telegram_bot


async def test_a_slow_group_does_not_freeze_the_others(tmp_path: Path) -> None:
    async with telegram_bot(tmp_path, scale=None) as bot:
        tg = bot.tg
        chat = tg.group("Hackney")
        await bot.link(chat, "london-hackney")
        olga = tg.user("Olga")
        await bot.enrol(olga, "london-hackney", Role.ORGANISER)
        others = [tg.user(name) for name in ("Ann", "Ben", "Cat", "Dan")]
        tg.throttle(chat, 3)  # Telegram slows this group down for three seconds
        throttled_at = time.monotonic()
        tg.say(olga, '/decide majority "Adopt the charter?" --branch london-hackney')
        await asyncio.sleep(0.3)  # the decision is waiting for the group
        for person in others:
            tg.say(person, "/help")
        await tg.wait_for(lambda: all(tg.texts(p) for p in others), within=2.5)
        answered = time.monotonic()
        assert tg.texts(chat) == []  # the group is still held…
        assert answered - throttled_at < 3
        await bot.settle()
        [post] = tg.in_chat(chat)  # …and gets its message once the hold is over
        assert post.text is not None and post.text.startswith("🗳 Decision #1")
        assert post.sent_at >= throttled_at + 3
        # One 429, the first: the adapter waited retry_after instead of asking again.
        assert [chat_id for chat_id, _at in tg.rate_limited] == [chat.id]


async def test_private_and_overall_limits_are_kept(tmp_path: Path) -> None:
    async with telegram_bot(tmp_path, scale=None) as bot:
        tg = bot.tg
        messenger = bot.core.services.messengers["telegram"]
        sam = tg.user("Sam")
        crowd = [tg.user(f"P{n}") for n in range(45)]
        started = time.monotonic()
        await asyncio.gather(
            *[messenger.send_direct(str(sam.id), OutgoingMessage(f"Part {n}")) for n in range(4)],
            *[messenger.send_direct(str(p.id), OutgoingMessage("Hello")) for p in crowd],
        )
        elapsed = time.monotonic() - started
        assert tg.rate_limited == []
        # Sam's four messages arrive in order, at least a second apart.
        mine = tg.in_chat(sam)
        assert [p.text for p in mine] == ["Part 0", "Part 1", "Part 2", "Part 3"]
        gaps = [b.sent_at - a.sent_at for a, b in itertools.pairwise(mine)]
        assert all(gap >= 0.97 for gap in gaps)
        # 49 messages at 30 a second overall take more than a second, and not much more.
        assert 1.0 < elapsed < 4.5


async def test_twenty_a_minute_in_a_group(tmp_path: Path) -> None:
    # Windows scaled to 1/20 (20 messages per 3 s) on both sides, to keep the test short.
    async with telegram_bot(tmp_path, scale=0.05) as bot:
        tg = bot.tg
        chat = tg.group("Busy group")
        messenger = bot.core.services.messengers["telegram"]
        started = time.monotonic()
        for n in range(22):
            await messenger.send(str(chat.id), OutgoingMessage(f"Message {n}"))
        posted = tg.in_chat(chat)
        assert [p.text for p in posted] == [f"Message {n}" for n in range(22)]
        assert tg.rate_limited == []
        assert posted[20].sent_at - started >= 3.0  # the 21st waited for the window
