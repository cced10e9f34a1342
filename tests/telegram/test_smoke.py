from pathlib import Path

from tests.telegram.harness import telegram_bot


async def test_start_in_private(tmp_path: Path) -> None:
    async with telegram_bot(tmp_path) as bot:
        sam = bot.tg.user("Sam")
        bot.tg.say(sam, "/help")
        await bot.settle()
        [reply] = bot.tg.texts(sam)
        assert reply.startswith("Commands you can use here:")
