"""The discord.py client: gateway events and interactions in, core events out.

It holds no business rule: it acknowledges interactions in time, translates what
arrived (:mod:`.translate`) and hands it to the core; the core answers through
:class:`~bots.discord.messenger.DiscordMessenger`.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from bots.discord.commands import DISCORD_LOCALES, CatalogTranslator, LocalizedNames, slash_commands
from bots.discord.messenger import DiscordMessenger
from bots.discord.pending import PendingInteractions
from bots.discord.translate import (
    command_inbound,
    form_inbound,
    is_private,
    member_joined,
    message_inbound,
    photo_inbound,
    press_inbound,
)
from bots.discord.views import DYNAMIC_ITEMS
from core.app import CoreApp
from core.config.settings import DiscordSettings
from core.messaging.inbound import Inbound

log = logging.getLogger(__name__)

MAX_PHOTO_BYTES = 8 * 1024 * 1024


def intents() -> discord.Intents:
    """What the bot must receive.

    Members joining (privileged: "Server Members Intent"), and message text (privileged:
    "Message Content Intent") for ``!commands`` in server channels; DMs carry their text
    without it.
    """
    wanted = discord.Intents.default()
    wanted.members = True
    wanted.message_content = True
    return wanted


class IopsBot(discord.Client):
    """The bot on Discord.

    Args:
        app: The core.
        settings: ``[discord]``.
    """

    def __init__(self, app: CoreApp, settings: DiscordSettings, **options: Any) -> None:
        super().__init__(intents=options.pop("intents", None) or intents(), **options)
        self.app = app
        self.settings = settings
        self.tree = app_commands.CommandTree(self)
        self.pending = PendingInteractions()
        self.synced: set[int] = set()
        self.messenger = DiscordMessenger(self, settings, app.branch_of_chat, self.pending, app)
        app.attach(self.messenger)

    async def setup_hook(self) -> None:
        """Registers the persistent components and the slash commands."""
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        catalogs = self.app.services.catalogs
        specs = self.app.router.commands
        languages = [
            lang
            for lang in self.app.config.organisation.organisation.languages
            if lang in set(DISCORD_LOCALES.values())
        ]
        names = LocalizedNames(catalogs, languages, [spec.name for spec in specs])
        await self.tree.set_translator(CatalogTranslator(catalogs, languages, names))
        for command in slash_commands(specs, catalogs, self.run_command):
            self.tree.add_command(command)

    async def on_guild_available(self, guild: discord.Guild) -> None:
        """A server is there (on start, or after an outage): its commands are synced."""
        await self.sync_guild(guild)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        """A server added the bot: its commands, at once."""
        await self.sync_guild(guild)

    async def sync_guild(self, guild: discord.abc.Snowflake) -> None:
        """Syncs the commands to one server, once per process (per server: at once)."""
        if self.settings.guild_ids and guild.id not in self.settings.guild_ids:
            return
        if guild.id in self.synced:
            return
        self.synced.add(guild.id)
        self.tree.copy_global_to(guild=guild)
        try:
            await self.tree.sync(guild=guild)
        except discord.HTTPException:
            log.exception("could not sync commands", extra={"guild": guild.id})

    # ----------------------------------------------------------------- interactions

    async def _handle(
        self,
        interaction: discord.Interaction[Any],
        inbound: Inbound,
        *,
        thinking: bool,
        private_chat: str | None = None,
    ) -> None:
        async with self.pending.track(interaction, thinking=thinking, private_chat=private_chat):
            await self.app.handle(inbound)

    async def run_command(
        self, interaction: discord.Interaction[Any], command: str, args: str
    ) -> None:
        """A slash command: acknowledged at once (privately), then handled."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self._handle(interaction, command_inbound(interaction, command, args), thinking=True)

    async def on_press(self, interaction: discord.Interaction[Any], data: str) -> None:
        """A button or menu choice: acknowledged without a visible answer, then handled."""
        await interaction.response.defer()
        await self._handle(interaction, press_inbound(interaction, data), thinking=False)

    async def on_form(self, interaction: discord.Interaction[Any], text: str) -> None:
        """A submitted form: its text, as if typed in the person's DM channel.

        The interaction stays pending while the core answers: if their DMs are closed (the
        form came from an ephemeral step in a channel), the answer is shown to them through
        it, ephemerally (see :meth:`DiscordMessenger.send`).
        """
        await interaction.response.defer()
        channel = interaction.channel
        if not is_private(channel):
            # Opening (or finding) the DM channel works even while sends to it are refused.
            channel = await self.messenger.private_channel(interaction.user)
        private_chat = str(getattr(channel, "id", interaction.channel_id))
        inbound = form_inbound(interaction, text, private_chat)
        await self._handle(interaction, inbound, thinking=False, private_chat=private_chat)

    # ----------------------------------------------------------------- gateway events

    async def on_message(self, message: discord.Message) -> None:
        """Typed commands (``!decide`` in servers) and private messages and photos."""
        if message.author.bot:
            return
        if is_private(message.channel) and message.attachments and not message.content:
            attachment = message.attachments[0]
            if attachment.size > MAX_PHOTO_BYTES:
                return
            data = await attachment.read()
            await self.app.handle(photo_inbound(message, data, attachment.content_type))
            return
        name = self.user.name if self.user else None
        inbound = message_inbound(message, self.settings.prefix, name)
        if inbound is not None:
            await self.app.handle(inbound)

    async def on_member_join(self, member: discord.Member) -> None:
        """Someone joined a server: greeted in its join channel, onboarded in DMs."""
        channel_id = self.settings.join_channels.get(member.guild.id)
        channel = (
            member.guild.get_channel(channel_id) if channel_id else member.guild.system_channel
        )
        if channel is None or member.bot:
            return
        await self.app.handle(member_joined(member, channel))
