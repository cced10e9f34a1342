"""`iopsbot run` with a Telegram token serves Telegram (here: the fake Bot API server)."""

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.services.telegram_api.server import TOKEN, FakeTelegram

ROOT = Path(__file__).resolve().parents[2]


async def run_cli(*args: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bots.cli",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def test_iopsbot_run_serves_telegram(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "IOPSBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
        "TELEGRAM_BOT_TOKEN": TOKEN,
    }
    migrate = await run_cli("db", "upgrade", env=env)
    assert await migrate.wait() == 0
    async with FakeTelegram() as tg:
        env["TELEGRAM_API_URL"] = tg.api_url
        bot = await run_cli("run", env=env)  # platforms: those with credentials
        try:
            sam = tg.user("Sam", language_code="es")
            tg.say(sam, "/start")
            await tg.wait_for(lambda: tg.texts(sam), within=60)
            assert tg.texts(sam)[0].startswith("¡Hola, Sam!")
        finally:
            bot.send_signal(signal.SIGINT)
            output, _ = await asyncio.wait_for(bot.communicate(), 30)
        assert tg.violations == []
    log = output.decode()
    assert '"bot started"' in log and "telegram" in log
    assert TOKEN not in log  # the token (also inside request URLs) never reaches the log
