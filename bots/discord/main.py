"""Starting the Discord adapter: wiring only."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bots.discord.client import IopsBot
from core.app import CoreApp
from core.config.settings import Settings

log = logging.getLogger(__name__)


def build_bot(app: CoreApp, settings: Settings) -> IopsBot:
    """The Discord client, attached to the core."""
    return IopsBot(app, settings.file.discord)


async def serve(app: CoreApp, settings: Settings, stop: asyncio.Event) -> None:
    """Runs the bot on Discord until ``stop`` is set or the connection ends for good."""
    bot = build_bot(app, settings)
    connection = asyncio.create_task(bot.start(settings.secrets["discord_token"]))
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({connection, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        await bot.close()
        with contextlib.suppress(asyncio.CancelledError):
            await connection  # re-raises a login failure (a bad token) after closing
