"""A CoreApp on SQLite with the real discord.py client in simcord's offline Discord."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import simcord

from bots.discord.client import IopsBot
from core.app import AppConfig, CoreApp
from core.config.organisation import load_organisation
from core.config.settings import DiscordSettings
from core.db.database import Database
from core.db.migrate import upgrade
from core.members.models import Role
from core.messaging.inbound import ChatKind, ChatRef, Sender
from core.testing.fake_clock import FakeClock
from core.testing.scenario import DEMO_ORGANISATION, sqlite_url
from tests.discord.openapi import check_all

SETTINGS = DiscordSettings(
    roles={"london-hackney": "Hackney", "london": "London"},
    member_role="Member",
)


async def open_app(url: str, clock: FakeClock) -> CoreApp:
    """The core on an existing database (what a bot process does on start)."""
    config = AppConfig(load_organisation(DEMO_ORGANISATION), "en")
    app = await CoreApp.open(config, Database(url), clock)
    await app.start()
    return app


@dataclass
class World:
    """One Discord server of the organisation, with the bot in it."""

    env: simcord.Env
    app: CoreApp
    bot: IopsBot
    clock: FakeClock
    url: str
    guild: simcord.GuildHandle
    hackney: simcord.ChannelHandle
    lobby: simcord.ChannelHandle
    settings: DiscordSettings

    async def restart(self) -> None:
        """A new process: a new core and a new client on the same database and Discord."""
        await self.app.close()
        self.app = await open_app(self.url, self.clock)
        self.bot = IopsBot(self.app, self.settings)
        await self.env.restart_bot(self.bot)

    async def newcomer(self, name: str) -> simcord.MemberActor:
        """Someone who joins the server (the bot sees the join)."""
        actor = self.guild.add_member(self.env.create_user(name, global_name=name.title()))
        await self.env.settle()
        return actor

    async def member(self, name: str, *roles: Role) -> simcord.MemberActor:
        """A member of London – Hackney (holding ``roles`` there) who is in the server."""
        user = self.env.create_user(name, global_name=name.title())
        sender = Sender(str(user.id), name.title())
        assert await self.app.enrol("discord", sender, "london-hackney", roles) is not None
        actor = self.guild.add_member(user)
        await self.env.settle()
        return actor

    def problems(self) -> list[Any]:
        """Every request the bot made that Discord's description does not allow."""
        return check_all(self.env.http_requests)


@asynccontextmanager
async def world(tmp_path: Path, settings: DiscordSettings = SETTINGS) -> AsyncIterator[World]:
    """The bot in a server with a #hackney channel (linked to London – Hackney) and a
    #lobby channel (linked to London) where newcomers are greeted."""
    url = sqlite_url(tmp_path / "bot.sqlite3")
    db = Database(url)
    await upgrade(db)
    await db.dispose()
    clock = FakeClock()
    app = await open_app(url, clock)
    async with simcord.run(IopsBot(app, settings)) as env:
        guild = env.create_guild("IOPS United Kingdom")
        me = guild.me
        assert me is not None
        bot_role = guild.create_role(
            "iopsbot",
            permissions=discord.Permissions(
                manage_roles=True,
                manage_events=True,
                create_instant_invite=True,
                send_messages=True,
                view_channel=True,
            ),
        )
        env.backend.get_guild(guild.id).members[me.id].role_ids.append(bot_role.id)
        guild.create_role("Hackney")
        guild.create_role("London")
        guild.create_role("Member")
        hackney = guild.create_text_channel("hackney")
        lobby = guild.create_text_channel("lobby")
        settings = settings.model_copy(update={"join_channels": {guild.id: lobby.id}})
        w = World(env, app, env.bot, clock, url, guild, hackney, lobby, settings)  # type: ignore[arg-type]
        w.bot.settings = settings
        for channel, slug in ((hackney, "london-hackney"), (lobby, "london")):
            ref = ChatRef(str(channel.id), ChatKind.GROUP, channel.name)
            assert await app.link_chat("discord", ref, slug)
        try:
            yield w
        finally:
            await w.app.close()
