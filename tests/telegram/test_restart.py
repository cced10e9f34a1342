"""No update lost or handled twice across a restart (the offset is kept by the core)."""

import asyncio
from pathlib import Path

from sqlalchemy import select

from bots.telegram.polling import OFFSET_KEY
from core.decisions.models import Ballot
from core.members.models import Role
from core.messaging.inbound import Inbound
from tests.telegram.harness import press, say, telegram_bot


async def test_crash_between_receiving_and_handling(tmp_path: Path) -> None:
    async with telegram_bot(tmp_path, strict_answers=False) as bot:
        tg = bot.tg
        ann, ben, cat = tg.user("Ann"), tg.user("Ben"), tg.user("Cat")
        stuck = asyncio.Event()
        handle = bot.core.handle
        gated = str(tg.say(ben, "/help"))

        async def crash_before_handling(inbound: Inbound) -> None:
            if inbound.update_id == gated:
                stuck.set()
                await asyncio.Event().wait()  # the process dies before this is handled
            await handle(inbound)

        bot.core.handle = crash_before_handling  # type: ignore[method-assign]
        tg.say(ann, "/help")
        tg.say(cat, "/start")
        await stuck.wait()
        await tg.wait_for(lambda: tg.texts(ann) and tg.texts(cat))
        # Ben's update is in flight: the offset stored must not pass it.
        stored = await bot.core.load_state(OFFSET_KEY)
        assert stored is None or int(stored) <= int(gated)
        await bot.kill()

        await bot.start()  # a new process on the same database
        await bot.settle()
        assert len(tg.texts(ann)) == 1  # redelivered, recognised, not handled again
        assert len(tg.texts(cat)) == 1
        assert len(tg.texts(ben)) == 1  # not lost
        assert tg.texts(ben)[0].startswith("Commands you can use here:")
        stored = await bot.core.load_state(OFFSET_KEY)
        assert stored is not None and int(stored) > int(gated)


async def test_crash_after_handling_before_confirming(tmp_path: Path) -> None:
    async with telegram_bot(tmp_path, strict_answers=False) as bot:
        tg = bot.tg
        chat = tg.group("Hackney")
        await bot.link(chat, "london-hackney")
        olga, bob = tg.user("Olga"), tg.user("Bob")
        await bot.enrol(olga, "london-hackney", Role.ORGANISER)
        await bot.enrol(bob, "london-hackney")
        await say(bot, olga, '/decide approval "Which topics?" "Housing" "Climate"', chat)
        handle = bot.core.handle
        handled = asyncio.Event()

        async def crash_after_handling(inbound: Inbound) -> None:
            await handle(inbound)
            handled.set()
            await asyncio.Event().wait()  # dies before the offset moves on

        bot.core.handle = crash_after_handling  # type: ignore[method-assign]
        [post] = [p for p in tg.in_chat(chat) if p.labels]
        tg.press(bob, post, post.labels[0])  # an approval toggle: twice would undo it
        await handled.wait()
        await bot.kill()
        await bot.start()
        await bot.settle()
        # Handled once: Housing is approved (a second handling would have toggled it off).
        async with bot.core.db.sessions() as session:
            [ballot] = (await session.scalars(select(Ballot))).all()
        assert ballot.content == {"approve": [0]}
        await press(bot, bob, "2. Climate", chat)
        async with bot.core.db.sessions() as session:
            [ballot] = (await session.scalars(select(Ballot))).all()
        assert ballot.content == {"approve": [0, 1]}
